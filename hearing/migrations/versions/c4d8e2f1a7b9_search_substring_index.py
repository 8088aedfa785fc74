"""search on PostgreSQL: a trigram index for the substring test (pg_trgm), when the server allows it

Revision ID: c4d8e2f1a7b9
Revises: c17a0d3e5f01
Create Date: 2026-12-04 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d8e2f1a7b9'
down_revision = 'c17a0d3e5f01'
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    if conn.dialect.name != 'postgresql':
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+); a server that refuses it still searches,
    # only the substring test reads every text.
    try:
        with conn.begin_nested():
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        return
    op.execute("CREATE INDEX IF NOT EXISTS ix_inputs_text_masked_trgm ON inputs USING gin (text_masked gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_inputs_text_masked_trgm")
