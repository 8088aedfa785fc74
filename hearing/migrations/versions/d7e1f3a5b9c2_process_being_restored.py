"""processes: the restore job that is still putting a process in (hidden until it is complete)

Revision ID: d7e1f3a5b9c2
Revises: f2b7d9e4a1c6
Create Date: 2026-12-04 22:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7e1f3a5b9c2'
down_revision = 'f2b7d9e4a1c6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('processes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('restoring_job_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_processes_restoring_job_id', ['restoring_job_id'], unique=False)


def downgrade():
    with op.batch_alter_table('processes', schema=None) as batch_op:
        batch_op.drop_index('ix_processes_restoring_job_id')
        batch_op.drop_column('restoring_job_id')
