"""near-duplicates found by a run's job, and rejected duplicate suggestions as decisions

Revision ID: e5a9c1d3f7b2
Revises: b8d4f6a0c2e3
Create Date: 2026-12-04 21:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5a9c1d3f7b2'
down_revision = 'b8d4f6a0c2e3'
branch_labels = None
depends_on = None

OLD_KINDS = "'rename', 'guidance', 'move', 'pin', 'unpin', 'confirm', 'merge', 'split'"
NEW_KINDS = OLD_KINDS + ", 'not_duplicate'"


def upgrade():
    op.create_table('duplicate_candidates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('input_id', sa.Integer(), nullable=False),
    sa.Column('original_id', sa.Integer(), nullable=False),
    sa.Column('similarity', sa.Double(), nullable=False),
    sa.CheckConstraint('input_id <> original_id', name=op.f('ck_duplicate_candidates_not_itself')),
    sa.CheckConstraint('similarity >= 0 AND similarity <= 1', name=op.f('ck_duplicate_candidates_similarity_range')),
    sa.ForeignKeyConstraint(['input_id'], ['inputs.id'], name=op.f('fk_duplicate_candidates_input_id_inputs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['original_id'], ['inputs.id'], name=op.f('fk_duplicate_candidates_original_id_inputs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['theme_runs.id'], name=op.f('fk_duplicate_candidates_run_id_theme_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_candidates')),
    sa.UniqueConstraint('run_id', 'input_id', name=op.f('uq_duplicate_candidates_run_id_input_id'))
    )
    with op.batch_alter_table('duplicate_candidates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duplicate_candidates_input_id'), ['input_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duplicate_candidates_original_id'), ['original_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duplicate_candidates_run_id'), ['run_id'], unique=False)
    with op.batch_alter_table('theme_decisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_theme_decisions_kind_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_theme_decisions_kind_valid'), sa.text(f'kind IN ({NEW_KINDS})'))


def downgrade():
    op.execute("DELETE FROM theme_decisions WHERE kind = 'not_duplicate'")
    with op.batch_alter_table('theme_decisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_theme_decisions_kind_valid'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_theme_decisions_kind_valid'), sa.text(f'kind IN ({OLD_KINDS})'))
    with op.batch_alter_table('duplicate_candidates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duplicate_candidates_run_id'))
        batch_op.drop_index(batch_op.f('ix_duplicate_candidates_original_id'))
        batch_op.drop_index(batch_op.f('ix_duplicate_candidates_input_id'))
    op.drop_table('duplicate_candidates')
