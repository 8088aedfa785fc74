"""report builder: per report, each theme's place, name, "dere sa", "vi gjorde" and quotes; the merknadsskjema

Revision ID: c17c2f5a7b03
Revises: a19c0de5e002
Create Date: 2026-12-04 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c17c2f5a7b03'
down_revision = 'a19c0de5e002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_themes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('theme_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=True),
        sa.Column('is_hidden', sa.Boolean(), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('said', sa.Text(), nullable=False),
        sa.Column('did', sa.Text(), nullable=False),
        sa.Column('quote_input_ids', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['hearing_reports.id'], name=op.f('fk_report_themes_report_id_hearing_reports'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_report_themes_theme_id_themes'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_themes')),
        sa.UniqueConstraint('report_id', 'theme_id', name=op.f('uq_report_themes_report_id_theme_id')),
    )
    op.create_index(op.f('ix_report_themes_report_id'), 'report_themes', ['report_id'], unique=False)
    op.create_index(op.f('ix_report_themes_theme_id'), 'report_themes', ['theme_id'], unique=False)
    op.create_table(
        'report_statements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('plan_ref', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['hearing_reports.id'],
                                name=op.f('fk_report_statements_report_id_hearing_reports'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'],
                                name=op.f('fk_report_statements_submission_id_submissions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_statements')),
        sa.UniqueConstraint('report_id', 'submission_id', name=op.f('uq_report_statements_report_id_submission_id')),
    )
    op.create_index(op.f('ix_report_statements_report_id'), 'report_statements', ['report_id'], unique=False)
    op.create_index(op.f('ix_report_statements_submission_id'), 'report_statements', ['submission_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_report_statements_submission_id'), table_name='report_statements')
    op.drop_index(op.f('ix_report_statements_report_id'), table_name='report_statements')
    op.drop_table('report_statements')
    op.drop_index(op.f('ix_report_themes_theme_id'), table_name='report_themes')
    op.drop_index(op.f('ix_report_themes_report_id'), table_name='report_themes')
    op.drop_table('report_themes')
