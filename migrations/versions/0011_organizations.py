"""organizations, focal points and delegations: registrations.organization_id

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 10:00:00

An event's organizations (member states, companies, NGOs ...) with their quotas, the
accounts that act as their focal points, and the organization a registration is made
on behalf of (NULL: none, or the organization was deleted).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'organizations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.Enum('government', 'private_sector', 'academia', 'civil_society',
                                  'international_org', 'un_agency', 'other',
                                  name='stakeholdertype', native_enum=False,
                                  create_constraint=False, length=32), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('max_registrations', sa.Integer(), nullable=True),
        sa.Column('max_in_room', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'],
                                name=op.f('fk_organizations_event_id_events'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations')),
        sa.UniqueConstraint('event_id', 'name', name=op.f('uq_organizations_event_id_name')),
    )
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organizations_event_id'), ['event_id'], unique=False)

    op.create_table(
        'focal_points',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_focal_points_organization_id_organizations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_focal_points_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_focal_points')),
        sa.UniqueConstraint('organization_id', 'user_id',
                            name=op.f('uq_focal_points_organization_id_user_id')),
    )
    with op.batch_alter_table('focal_points', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_focal_points_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organization_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_registrations_organization_id'), ['organization_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_registrations_organization_id_organizations'),
                                    'organizations', ['organization_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_registrations_organization_id_organizations'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_registrations_organization_id'))
        batch_op.drop_column('organization_id')

    with op.batch_alter_table('focal_points', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_focal_points_user_id'))
    op.drop_table('focal_points')

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organizations_event_id'))
    op.drop_table('organizations')
