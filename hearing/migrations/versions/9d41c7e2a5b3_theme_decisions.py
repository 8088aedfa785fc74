"""theme decisions: the review group's renames, guidance, moves, pins and confirmations

Revision ID: 9d41c7e2a5b3
Revises: 7c3e9a1f2b6d
Create Date: 2026-12-04 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import hearing.models.base


# revision identifiers, used by Alembic.
revision = '9d41c7e2a5b3'
down_revision = '7c3e9a1f2b6d'
branch_labels = None
depends_on = None

KINDS = "'rename', 'guidance', 'move', 'pin', 'unpin', 'confirm', 'merge', 'split'"


def upgrade():
    op.create_table('theme_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('input_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', hearing.models.base.UTCDateTime(), nullable=False),
    sa.CheckConstraint(f'kind IN ({KINDS})', name=op.f('ck_theme_decisions_kind_valid')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_theme_decisions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['input_id'], ['inputs.id'], name=op.f('fk_theme_decisions_input_id_inputs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_theme_decisions_process_id_processes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['theme_runs.id'], name=op.f('fk_theme_decisions_run_id_theme_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_theme_decisions_theme_id_themes'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme_decisions'))
    )
    with op.batch_alter_table('theme_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_theme_decisions_input_id'), ['input_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_theme_decisions_process_id'), ['process_id'], unique=False)


def downgrade():
    with op.batch_alter_table('theme_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_theme_decisions_process_id'))
        batch_op.drop_index(batch_op.f('ix_theme_decisions_input_id'))
    op.drop_table('theme_decisions')
