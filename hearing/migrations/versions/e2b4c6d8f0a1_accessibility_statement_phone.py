"""accessibility statement: a telephone number for feedback (Danish statements must give one)

Revision ID: e2b4c6d8f0a1
Revises: d7e1f3a5b9c2
Create Date: 2026-12-04 22:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e2b4c6d8f0a1'
down_revision = 'd7e1f3a5b9c2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('accessibility_statements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=40), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('accessibility_statements', schema=None) as batch_op:
        batch_op.drop_column('contact_phone')
