"""personal API tokens

Revision ID: bbff349c3405
Revises: a19c0de5e001
Create Date: 2026-12-04 08:45:19.107297

"""
from alembic import op
import sqlalchemy as sa

import hearing.models.base


# revision identifiers, used by Alembic.
revision = 'bbff349c3405'
down_revision = 'a19c0de5e001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', hearing.models.base.UTCDateTime(), nullable=False),
    sa.Column('expires_dt', hearing.models.base.UTCDateTime(), nullable=False),
    sa.Column('revoked_dt', hearing.models.base.UTCDateTime(), nullable=True),
    sa.Column('last_used_dt', hearing.models.base.UTCDateTime(), nullable=True),
    sa.CheckConstraint('expires_dt > created_dt', name=op.f('ck_api_tokens_expires_after_created')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_api_tokens_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
