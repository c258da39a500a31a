"""registration_questions and registration_answers: an event's own questions

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-05 10:00:00

Organizers add questions to an event's registration form (text, choices, yes/no,
country, date, document); answers are stored by type, documents as files under a
random name outside the web root (eventsapp.registration.documents).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'registration_questions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('short_text', 'long_text', 'single_choice', 'multiple_choice',
                                  'yes_no', 'country', 'date', 'file', name='questionkind',
                                  native_enum=False, create_constraint=False, length=32),
                  nullable=False),
        sa.Column('required', sa.Boolean(), nullable=False),
        sa.Column('categories', sa.JSON(), nullable=False),
        sa.Column('labels', sa.JSON(), nullable=False),
        sa.Column('help_texts', sa.JSON(), nullable=False),
        sa.Column('choices', sa.JSON(), nullable=False),
        sa.Column('document_kind', sa.Enum('note_verbale', 'nomination_letter', 'other',
                                           name='documentkind', native_enum=False,
                                           create_constraint=False, length=32), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], ondelete='CASCADE',
                                name=op.f('fk_registration_questions_event_id_events')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_questions')),
    )
    with op.batch_alter_table('registration_questions') as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_questions_event_id'), ['event_id'],
                              unique=False)
    op.create_table(
        'registration_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('value_text', sa.Text(), nullable=False),
        sa.Column('value_bool', sa.Boolean(), nullable=True),
        sa.Column('value_date', sa.Date(), nullable=True),
        sa.Column('file_key', sa.String(length=64), nullable=True),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('file_type', sa.String(length=64), nullable=False),
        sa.Column('file_size', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['registration_questions.id'], ondelete='CASCADE',
                                name=op.f('fk_registration_answers_question_id_registration_questions')),
        sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], ondelete='CASCADE',
                                name=op.f('fk_registration_answers_registration_id_registrations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_answers')),
        sa.UniqueConstraint('file_key', name=op.f('uq_registration_answers_file_key')),
        sa.UniqueConstraint('registration_id', 'question_id',
                            name=op.f('uq_registration_answers_registration_id_question_id')),
    )
    with op.batch_alter_table('registration_answers') as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_answers_question_id'), ['question_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('registration_answers') as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_answers_question_id'))
    op.drop_table('registration_answers')
    with op.batch_alter_table('registration_questions') as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_questions_event_id'))
    op.drop_table('registration_questions')
