"""moderation before publication: a state per response, staff's redaction beside the original text,
attachments approved for publication

Revision ID: c17a0d3e5f01
Revises: eda84c484d32
Create Date: 2026-12-04 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c17a0d3e5f01'
down_revision = 'eda84c484d32'
branch_labels = None
depends_on = None


def upgrade():
    # Existing responses wait for a decision like new ones: nothing is public before staff approve it.
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moderation', sa.String(length=20), server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('moderation_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('moderated_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('moderated_dt', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_submissions_moderation'), ['moderation'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_submissions_moderated_by_id_users'), 'users', ['moderated_by_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_check_constraint(
            op.f('ck_submissions_moderation_valid'), "moderation IN ('pending', 'approved', 'redacted', 'hidden')")
        batch_op.create_check_constraint(
            op.f('ck_submissions_hidden_has_reason'), "moderation <> 'hidden' OR length(moderation_reason) > 0")
    # Plain ADD COLUMN (no table copy): the inputs table carries the search triggers on SQLite.
    op.add_column('inputs', sa.Column('text_redacted', sa.Text(), nullable=True))
    op.add_column('attachments', sa.Column('is_public', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':  # no table copy: it would drop the search triggers on inputs
        op.execute("ALTER TABLE inputs DROP COLUMN text_redacted")
    else:
        op.drop_column('inputs', 'text_redacted')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_column('is_public')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_submissions_hidden_has_reason'), type_='check')
        batch_op.drop_constraint(op.f('ck_submissions_moderation_valid'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_submissions_moderated_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_submissions_moderation'))
        batch_op.drop_column('moderated_dt')
        batch_op.drop_column('moderated_by_id')
        batch_op.drop_column('moderation_reason')
        batch_op.drop_column('moderation')
