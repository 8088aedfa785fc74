"""search that finds word forms: stems of the masked text per input, FTS5 on SQLite, GIN on PostgreSQL

Revision ID: b6f1d2c3a4e5
Revises: 9d41c7e2a5b3
Create Date: 2026-12-05 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b6f1d2c3a4e5'
down_revision = '9d41c7e2a5b3'
branch_labels = None
depends_on = None

PG_CONFIG = ("CASE lang WHEN 'da' THEN 'danish'::regconfig WHEN 'en' THEN 'english'::regconfig "
             "ELSE 'norwegian'::regconfig END")

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE inputs_fts USING fts5(search_stems, content='inputs', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER inputs_fts_ai AFTER INSERT ON inputs BEGIN "
    "INSERT INTO inputs_fts(rowid, search_stems) VALUES (new.id, new.search_stems); END",
    "CREATE TRIGGER inputs_fts_ad AFTER DELETE ON inputs BEGIN "
    "INSERT INTO inputs_fts(inputs_fts, rowid, search_stems) VALUES ('delete', old.id, old.search_stems); END",
    "CREATE TRIGGER inputs_fts_au AFTER UPDATE OF search_stems ON inputs BEGIN "
    "INSERT INTO inputs_fts(inputs_fts, rowid, search_stems) VALUES ('delete', old.id, old.search_stems); "
    "INSERT INTO inputs_fts(rowid, search_stems) VALUES (new.id, new.search_stems); END",
]


def _backfill(conn) -> None:
    from hearing.grouping.search import search_stems

    rows = conn.execute(sa.text("SELECT id, text_masked, lang FROM inputs")).all()
    for ident, text, lang in rows:
        conn.execute(sa.text("UPDATE inputs SET search_stems = :s WHERE id = :i"),
                     {"s": search_stems(text, lang), "i": ident})


def upgrade():
    conn = op.get_bind()
    with op.batch_alter_table('inputs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_stems', sa.Text(), nullable=True))
    _backfill(conn)
    if conn.dialect.name == 'sqlite':
        for sql in SQLITE_FTS:
            op.execute(sql)
        op.execute("INSERT INTO inputs_fts(inputs_fts) VALUES ('rebuild')")
    elif conn.dialect.name == 'postgresql':
        op.execute("CREATE INDEX ix_inputs_search_stems_fts ON inputs "
                   "USING gin (to_tsvector('simple'::regconfig, coalesce(search_stems, '')))")
        op.execute(f"CREATE INDEX ix_inputs_text_masked_fts ON inputs USING gin (to_tsvector({PG_CONFIG}, text_masked))")


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == 'sqlite':
        for name in ('inputs_fts_ai', 'inputs_fts_ad', 'inputs_fts_au'):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS inputs_fts")
    elif conn.dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_inputs_text_masked_fts")
        op.execute("DROP INDEX IF EXISTS ix_inputs_search_stems_fts")
    with op.batch_alter_table('inputs', schema=None) as batch_op:
        batch_op.drop_column('search_stems')
