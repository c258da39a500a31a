"""registration links: extra live manage links; when a registration's secrets rotated

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-30 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registration_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_registration_links_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_registration_links_token_hash'))
    )
    with op.batch_alter_table('registration_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_links_registration_id'), ['registration_id'], unique=False)

    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secrets_rotated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('secrets_rotated_at')

    with op.batch_alter_table('registration_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_links_registration_id'))

    op.drop_table('registration_links')
