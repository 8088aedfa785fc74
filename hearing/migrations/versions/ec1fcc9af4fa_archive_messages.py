"""archive messages (Fiks Arkiv) and the archive reference of a submission

Revision ID: ec1fcc9af4fa
Revises: c22a0b1d2e3f
Create Date: 2026-12-04 09:09:43.953395

"""
from alembic import op
import sqlalchemy as sa

import hearing.models.base


# revision identifiers, used by Alembic.
revision = 'ec1fcc9af4fa'
down_revision = 'c22a0b1d2e3f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('archive_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('transport', sa.String(length=40), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', hearing.models.base.UTCDateTime(), nullable=False),
    sa.Column('built_dt', hearing.models.base.UTCDateTime(), nullable=True),
    sa.Column('sent_dt', hearing.models.base.UTCDateTime(), nullable=True),
    sa.CheckConstraint("(kind = 'journalpost') = (submission_id IS NOT NULL)", name=op.f('ck_archive_messages_registration_has_submission')),
    sa.CheckConstraint("kind IN ('saksmappe', 'journalpost')", name=op.f('ck_archive_messages_kind_valid')),
    sa.CheckConstraint("status IN ('queued', 'ready', 'sent', 'failed')", name=op.f('ck_archive_messages_status_valid')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_archive_messages_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_archive_messages_job_id_jobs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_archive_messages_process_id_processes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_archive_messages_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_messages'))
    )
    with op.batch_alter_table('archive_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archive_messages_process_id'), ['process_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_archive_messages_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_archive_messages_submission_id'), ['submission_id'], unique=False)

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archive_reference', sa.String(length=100), nullable=True))



def downgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('archive_reference')

    with op.batch_alter_table('archive_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archive_messages_submission_id'))
        batch_op.drop_index(batch_op.f('ix_archive_messages_status'))
        batch_op.drop_index(batch_op.f('ix_archive_messages_process_id'))

    op.drop_table('archive_messages')
