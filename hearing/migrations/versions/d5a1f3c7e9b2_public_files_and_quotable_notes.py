"""public files of a hearing made in the background (published set, hearing document); workshop notes approved for quoting

Revision ID: d5a1f3c7e9b2
Revises: b7e3a91c5d20
Create Date: 2026-12-04 12:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5a1f3c7e9b2'
down_revision = 'b7e3a91c5d20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('export_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_activity_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('content_key', sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_export_files_public_activity_id'), ['public_activity_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_export_files_public_activity_id_activities'), 'activities',
                                    ['public_activity_id'], ['id'], ondelete='CASCADE')
    with op.batch_alter_table('inputs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quote_approved_dt', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('quote_approved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_inputs_quote_approved_by_id_users'), 'users',
                                    ['quote_approved_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('inputs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_inputs_quote_approved_by_id_users'), type_='foreignkey')
        batch_op.drop_column('quote_approved_by_id')
        batch_op.drop_column('quote_approved_dt')
    with op.batch_alter_table('export_files', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_export_files_public_activity_id_activities'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_export_files_public_activity_id'))
        batch_op.drop_column('content_key')
        batch_op.drop_column('public_activity_id')
