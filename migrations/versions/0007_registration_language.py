"""registrations.language: the language the registrant registered in

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:50:00

Every mail about a registration is written in this language, whoever's request causes
it (eventsapp.registration.mails.render). Existing rows get "en".
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=False,
                                      server_default='en'))


def downgrade() -> None:
    with op.batch_alter_table('registrations') as batch_op:
        batch_op.drop_column('language')
