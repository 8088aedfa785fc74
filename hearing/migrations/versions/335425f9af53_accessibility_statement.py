"""accessibility statement: the organisation's statement, status per WCAG criterion, replies to reports

Revision ID: 335425f9af53
Revises: c17b1e4f6a02
Create Date: 2026-12-04 09:36:08.222565

"""
from alembic import op
import sqlalchemy as sa

import hearing.models.base


# revision identifiers, used by Alembic.
revision = '335425f9af53'
down_revision = 'c17b1e4f6a02'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('accessibility_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('deviation', sa.Text(), nullable=False),
    sa.Column('consequence', sa.Text(), nullable=False),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.Column('updated_dt', hearing.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accessibility_criteria')),
    sa.UniqueConstraint('number', name=op.f('uq_accessibility_criteria_number'))
    )
    op.create_table('accessibility_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('org_number', sa.String(length=20), nullable=False),
    sa.Column('covered_url', sa.String(length=500), nullable=False),
    sa.Column('uustatus_url', sa.String(length=500), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('reply_days', sa.Integer(), nullable=False),
    sa.Column('complaint_body', sa.String(length=40), nullable=False),
    sa.Column('last_tested', sa.Date(), nullable=True),
    sa.Column('test_notes', sa.Text(), nullable=False),
    sa.Column('updated_dt', hearing.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accessibility_statements'))
    )
    op.create_table('accessibility_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('emailed', sa.Boolean(), nullable=False),
    sa.Column('created_dt', hearing.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_accessibility_replies_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['accessibility_reports.id'], name=op.f('fk_accessibility_replies_report_id_accessibility_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accessibility_replies'))
    )
    with op.batch_alter_table('accessibility_replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accessibility_replies_report_id'), ['report_id'], unique=False)

    with op.batch_alter_table('accessibility_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lang', sa.String(length=5), nullable=True))



def downgrade():
    with op.batch_alter_table('accessibility_reports', schema=None) as batch_op:
        batch_op.drop_column('lang')

    with op.batch_alter_table('accessibility_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accessibility_replies_report_id'))

    op.drop_table('accessibility_replies')
    op.drop_table('accessibility_statements')
    op.drop_table('accessibility_criteria')
