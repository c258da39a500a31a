"""events.default_language, events.languages and event_translations

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00

An event's title and description are written in its default language; ``languages``
lists the languages it offers (comma-separated codes, always with the default), and
``event_translations`` holds optional translated titles and descriptions, one row per
(event, language). Existing events get English only.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('events') as batch_op:
        batch_op.add_column(sa.Column('default_language', sa.String(length=8), nullable=False,
                                      server_default='en'))
        batch_op.add_column(sa.Column('languages', sa.String(length=64), nullable=False,
                                      server_default='en'))
    op.create_table(
        'event_translations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'],
                                name=op.f('fk_event_translations_event_id_events'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_event_translations')),
        sa.UniqueConstraint('event_id', 'language',
                            name=op.f('uq_event_translations_event_id_language')),
    )


def downgrade() -> None:
    op.drop_table('event_translations')
    with op.batch_alter_table('events') as batch_op:
        batch_op.drop_column('languages')
        batch_op.drop_column('default_language')
