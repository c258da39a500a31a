"""people: created_by_id (who may use a profile before it has a role)

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23 10:00:00

The down revision is 0001 on the tenancy branch; the lead fixes the chain at merge.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_people_created_by_id'), ['created_by_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_people_created_by_id_users'), 'users',
                                    ['created_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_people_created_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_people_created_by_id'))
        batch_op.drop_column('created_by_id')
