"""accessibility statement: the country whose rules it follows (Norway or Denmark)

Revision ID: c0a1d2e3f4a5
Revises: e5a9c1d3f7b2
Create Date: 2026-12-04 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c0a1d2e3f4a5'
down_revision = 'e5a9c1d3f7b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('accessibility_statements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('country', sa.String(length=2), nullable=False, server_default='no'))


def downgrade():
    with op.batch_alter_table('accessibility_statements', schema=None) as batch_op:
        batch_op.drop_column('country')
