"""users.language: the interface language chosen by the account

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 13:05:00

Nullable and without default: existing accounts have not chosen, so their pages keep
following the cookie, then Accept-Language (eventsapp.i18n.select_locale).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('language')
