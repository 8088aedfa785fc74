"""search finds the later parts of compounds: the stored stems of every input gain their compound tails

Revision ID: f2b7d9e4a1c6
Revises: c0a1d2e3f4a5
Create Date: 2026-12-04 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f2b7d9e4a1c6'
down_revision = 'c0a1d2e3f4a5'
branch_labels = None
depends_on = None

BATCH = 2000


def _restem(conn, with_tails: bool) -> None:
    from hearing.grouping.search import TAIL, search_stems

    last = 0
    while True:
        rows = conn.execute(sa.text("SELECT id, text_masked, lang, search_stems FROM inputs WHERE id > :last "
                                    "AND search_stems IS NOT NULL ORDER BY id LIMIT :n"), {"last": last, "n": BATCH}).all()
        if not rows:
            return
        for ident, text, lang, old in rows:
            new = search_stems(text, lang) if with_tails else " ".join(t for t in old.split() if not (t.startswith(TAIL) and t[1:].isalpha()))
            if new != old:
                conn.execute(sa.text("UPDATE inputs SET search_stems = :s WHERE id = :i"), {"s": new, "i": ident})
        last = rows[-1][0]


def upgrade():
    _restem(op.get_bind(), True)


def downgrade():
    _restem(op.get_bind(), False)
