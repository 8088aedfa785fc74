"""search on SQLite: the FTS5 triggers made again (a batch ALTER of inputs rebuilt the table without them)

SQLite's batch mode (a new foreign key on inputs, migration d5a1f3c7e9b2) copies the table into a new one,
and the triggers that keep inputs_fts in step go with the old table: inputs added later were not found.
The triggers are made again if missing and the index rebuilt from the stored stems.

Revision ID: e3f9a2b7c1d4
Revises: d5a1f3c7e9b2
Create Date: 2026-12-04 13:55:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e3f9a2b7c1d4'
down_revision = 'd5a1f3c7e9b2'
branch_labels = None
depends_on = None

TRIGGERS = {
    "inputs_fts_ai": "CREATE TRIGGER inputs_fts_ai AFTER INSERT ON inputs BEGIN "
                     "INSERT INTO inputs_fts(rowid, search_stems) VALUES (new.id, new.search_stems); END",
    "inputs_fts_ad": "CREATE TRIGGER inputs_fts_ad AFTER DELETE ON inputs BEGIN "
                     "INSERT INTO inputs_fts(inputs_fts, rowid, search_stems) VALUES ('delete', old.id, old.search_stems); END",
    "inputs_fts_au": "CREATE TRIGGER inputs_fts_au AFTER UPDATE OF search_stems ON inputs BEGIN "
                     "INSERT INTO inputs_fts(inputs_fts, rowid, search_stems) VALUES ('delete', old.id, old.search_stems); "
                     "INSERT INTO inputs_fts(rowid, search_stems) VALUES (new.id, new.search_stems); END",
}


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, sql in TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(sql)
    op.execute("INSERT INTO inputs_fts(inputs_fts) VALUES ('rebuild')")


def downgrade():
    pass  # the triggers belong to migration b6f1d2c3a4e5
