"""content in several languages: the process's language and translations of titles and descriptions

Revision ID: c22a0b1d2e3f
Revises: c4d8e2f1a7b9
Create Date: 2026-12-04 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import hearing.models.base


revision = 'c22a0b1d2e3f'
down_revision = 'c4d8e2f1a7b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('processes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), server_default='nb', nullable=False))
    op.create_table('content_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('object_type', sa.String(length=20), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('lang', sa.String(length=5), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_dt', hearing.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_translations')),
    sa.UniqueConstraint('object_type', 'object_id', 'field', 'lang', name=op.f('uq_content_translations_object_type_object_id_field_lang'))
    )
    with op.batch_alter_table('content_translations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_content_translations_object_id'), ['object_id'], unique=False)


def downgrade():
    with op.batch_alter_table('content_translations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_content_translations_object_id'))
    op.drop_table('content_translations')
    with op.batch_alter_table('processes', schema=None) as batch_op:
        batch_op.drop_column('language')
