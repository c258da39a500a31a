"""invitations to register, and their uses

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 10:00:00

Two new tables, nothing else changes: ``invitations`` (an event's invitation codes,
stored as SHA-256 only) and ``invitation_uses`` (one row per registration made with
one). The use is a table of its own, not a column of ``registrations``: adding a
foreign-key column to ``registrations`` on SQLite would copy the table, and dropping
the old copy cascades to every row that references it.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('category', sa.Enum('participant', 'speaker', 'press', 'staff', 'vip',
                                      name='category', native_enum=False,
                                      create_constraint=False, length=32), nullable=True),
        sa.Column('skips_approval', sa.Boolean(), nullable=False),
        sa.Column('max_uses', sa.Integer(), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'],
                                name=op.f('fk_invitations_event_id_events'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_invitations_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_invitations_code_hash')),
    )
    op.create_index(op.f('ix_invitations_event_id'), 'invitations', ['event_id'], unique=False)

    op.create_table(
        'invitation_uses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invitation_id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'],
                                name=op.f('fk_invitation_uses_invitation_id_invitations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'],
                                name=op.f('fk_invitation_uses_registration_id_registrations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation_uses')),
        sa.UniqueConstraint('registration_id',
                            name=op.f('uq_invitation_uses_registration_id')),
    )
    op.create_index(op.f('ix_invitation_uses_invitation_id'), 'invitation_uses',
                    ['invitation_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_invitation_uses_invitation_id'), table_name='invitation_uses')
    op.drop_table('invitation_uses')
    op.drop_index(op.f('ix_invitations_event_id'), table_name='invitations')
    op.drop_table('invitations')
