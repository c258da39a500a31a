"""letters of invitation for visas

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 08:00:00

events: visa_letters (off), visa_organizer, visa_signatory_name, visa_signatory_title
("" each): ALTER TABLE only (``recreate='never'``; see 0012 for why events is never
copied on SQLite).

visa_letter_requests: one per registration (unique), with the passport fields that
are blanked when the registration is erased or the event is over.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('events', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('visa_letters', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('visa_organizer', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('visa_signatory_name', sa.String(length=200),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('visa_signatory_title', sa.String(length=200),
                                      nullable=False, server_default=''))
    op.create_table(
        'visa_letter_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('nationality', sa.String(length=2), nullable=False),
        sa.Column('passport_number', sa.String(length=20), nullable=False),
        sa.Column('date_of_birth', sa.Date(), nullable=True),
        sa.Column('passport_expires_on', sa.Date(), nullable=True),
        sa.Column('status', sa.Enum('requested', 'approved', 'declined', name='visaletterstatus',
                                    native_enum=False, create_constraint=False, length=20),
                  nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_visa_letter_requests_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'],
                                name=op.f('fk_visa_letter_requests_event_id_events'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'],
                                name=op.f('fk_visa_letter_requests_registration_id_registrations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_visa_letter_requests')),
        sa.UniqueConstraint('registration_id',
                            name=op.f('uq_visa_letter_requests_registration_id')),
    )
    op.create_index(op.f('ix_visa_letter_requests_event_id'), 'visa_letter_requests',
                    ['event_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_visa_letter_requests_event_id'), table_name='visa_letter_requests')
    op.drop_table('visa_letter_requests')
    with op.batch_alter_table('events', recreate='never') as batch_op:
        batch_op.drop_column('visa_signatory_title')
        batch_op.drop_column('visa_signatory_name')
        batch_op.drop_column('visa_organizer')
        batch_op.drop_column('visa_letters')
