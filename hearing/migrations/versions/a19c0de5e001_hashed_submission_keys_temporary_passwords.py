"""hashed submission keys; temporary passwords

Submission keys of web answers are kept as SHA-256 only (with the app secret a key gives the edit link),
and users get must_change_password (a password set by an administrator is replaced at next login).

Revision ID: a19c0de5e001
Revises: 5cbe53754c89
Create Date: 2026-12-04 09:00:00

"""
import hashlib

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a19c0de5e001'
down_revision = '5cbe53754c89'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))

    # Keys of web answers become their hash (hearing.participation.services.key_hash); imported rows keep
    # their content-derived key, which is no secret and which the importer looks up by prefix.
    submissions = sa.table('submissions', sa.column('id', sa.Integer), sa.column('submission_key', sa.String),
                           sa.column('source', sa.String))
    conn = op.get_bind()
    rows = conn.execute(sa.select(submissions.c.id, submissions.c.submission_key)
                        .where(submissions.c.source != 'import')).all()
    for sid, key in rows:
        conn.execute(submissions.update().where(submissions.c.id == sid)
                     .values(submission_key=hashlib.sha256(f"submission:{key}".encode()).hexdigest()))


def downgrade():
    # The keys cannot be un-hashed; a replay of a form sent before the upgrade then makes a new answer.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
