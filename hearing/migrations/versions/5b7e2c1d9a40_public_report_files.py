"""public report files

Revision ID: 5b7e2c1d9a40
Revises: 38d80f66bafb
Create Date: 2026-11-24 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7e2c1d9a40'
down_revision = '38d80f66bafb'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('export_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_report_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_export_files_public_report_id'), ['public_report_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_export_files_public_report_id_hearing_reports'),
                                    'hearing_reports', ['public_report_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('export_files', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_export_files_public_report_id_hearing_reports'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_export_files_public_report_id'))
        batch_op.drop_column('public_report_id')
