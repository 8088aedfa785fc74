"""frozen report versions: publishing stores what the report says; public files per version and language

Revision ID: c17b1e4f6a02
Revises: ec1fcc9af4fa
Create Date: 2026-12-04 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c17b1e4f6a02'
down_revision = 'ec1fcc9af4fa'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('published_dt', sa.DateTime(), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('snapshot', sa.JSON(), nullable=False),
        sa.CheckConstraint('number > 0', name=op.f('ck_report_versions_number_positive')),
        sa.ForeignKeyConstraint(['report_id'], ['hearing_reports.id'], name=op.f('fk_report_versions_report_id_hearing_reports'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_report_versions_published_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_versions')),
        sa.UniqueConstraint('report_id', 'number', name=op.f('uq_report_versions_report_id_number')),
    )
    op.create_index(op.f('ix_report_versions_report_id'), 'report_versions', ['report_id'], unique=False)
    with op.batch_alter_table('export_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_version_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('lang', sa.String(length=5), nullable=True))
        batch_op.create_index(batch_op.f('ix_export_files_report_version_id'), ['report_version_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_export_files_report_version_id_report_versions'), 'report_versions',
                                    ['report_version_id'], ['id'], ondelete='CASCADE')
    # Public files made before versions existed were made from the live report: they are made anew from the
    # first version when a reader asks for them.
    op.execute("DELETE FROM export_files WHERE public_report_id IS NOT NULL")


def downgrade():
    with op.batch_alter_table('export_files', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_export_files_report_version_id_report_versions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_export_files_report_version_id'))
        batch_op.drop_column('lang')
        batch_op.drop_column('report_version_id')
    op.drop_index(op.f('ix_report_versions_report_id'), table_name='report_versions')
    op.drop_table('report_versions')
