"""registration settings per event, and offers from the waiting list

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 10:00:00

events:
- approval_categories replaces registration_requires_approval: the categories whose
  registrations wait for approval, their values comma-separated (models.types.EnumSet).
  The old switch becomes every category (True) or none (False); the downgrade gives
  True back to an event where any category needed approval.
- public_categories (the categories the public may choose; "participant", as before),
  privacy_notice, online_roles, waitlist_promotion ("immediate", as before) and
  offer_hours (48).

registrations:
- offer_expires_at: until when an offered place (status "offered") is held. A
  downgrade turns offered registrations back into the first of their waiting list.

SQLite: every change is an ALTER TABLE (``recreate='never'``; DROP COLUMN needs SQLite
3.35). Copying ``events`` or ``registrations`` into a new table, batch mode's way,
would drop the old one, and with foreign keys on that deletes every row that
references it (ON DELETE CASCADE): registrations, rooms, sessions, check-ins...
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

ALL = "participant,speaker,press,staff,vip"


def upgrade() -> None:
    with op.batch_alter_table('events', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('approval_categories', sa.String(length=200),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('public_categories', sa.String(length=200),
                                      nullable=False, server_default='participant'))
        batch_op.add_column(sa.Column('privacy_notice', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('online_roles', sa.Boolean(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('waitlist_promotion', sa.String(length=20),
                                      nullable=False, server_default='immediate'))
        batch_op.add_column(sa.Column('offer_hours', sa.Integer(), nullable=False,
                                      server_default='48'))
    events = sa.table('events', sa.column('approval_categories', sa.String),
                      sa.column('registration_requires_approval', sa.Boolean))
    op.execute(events.update().where(events.c.registration_requires_approval.is_(True))
               .values(approval_categories=ALL))
    with op.batch_alter_table('events', recreate='never') as batch_op:
        batch_op.drop_column('registration_requires_approval')

    with op.batch_alter_table('registrations', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('offer_expires_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_registrations_offer_expires_at'),
                              ['offer_expires_at'], unique=False)


def downgrade() -> None:
    regs = sa.table('registrations', sa.column('status', sa.String),
                    sa.column('offer_expires_at', sa.DateTime(timezone=True)))
    # An offer is a place held for the first on the waiting list: they wait again.
    op.execute(regs.update().where(regs.c.status == 'offered').values(status='waitlisted'))
    with op.batch_alter_table('registrations', recreate='never') as batch_op:
        batch_op.drop_index(batch_op.f('ix_registrations_offer_expires_at'))
        batch_op.drop_column('offer_expires_at')

    with op.batch_alter_table('events', recreate='never') as batch_op:
        batch_op.add_column(sa.Column('registration_requires_approval', sa.Boolean(),
                                      nullable=False, server_default='0'))
    events = sa.table('events', sa.column('approval_categories', sa.String),
                      sa.column('registration_requires_approval', sa.Boolean))
    op.execute(events.update().where(events.c.approval_categories != '')
               .values(registration_requires_approval=True))
    if op.get_bind().dialect.name != 'sqlite':  # SQLite cannot without copying the table
        op.alter_column('events', 'registration_requires_approval', server_default=None)
    with op.batch_alter_table('events', recreate='never') as batch_op:
        batch_op.drop_column('offer_hours')
        batch_op.drop_column('waitlist_promotion')
        batch_op.drop_column('online_roles')
        batch_op.drop_column('privacy_notice')
        batch_op.drop_column('public_categories')
        batch_op.drop_column('approval_categories')
