"""e-mail languages: an invitation's and a staff member's

Revision ID: b7e3a91c5d20
Revises: 8580e92a2275
Create Date: 2026-12-04 12:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e3a91c5d20'
down_revision = '8580e92a2275'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lang', sa.String(length=5), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lang', sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('lang')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('lang')
