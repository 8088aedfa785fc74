"""submission ids never reused on SQLite

The reference number (H-2026-000123) is made from the submission's id. SQLite gives the highest id
again after that row is deleted, unless the table is AUTOINCREMENT; PostgreSQL's sequence never does,
so nothing changes there.

Revision ID: a19c0de5e002
Revises: 738ee30dd6b2
Create Date: 2026-12-04 09:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a19c0de5e002'
down_revision = '738ee30dd6b2'
branch_labels = None
depends_on = None


def _recreate(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # The partial unique index is not carried over by reflection: dropped and made again.
    op.drop_index("uq_submissions_one_per_invitation", table_name="submissions")
    with op.batch_alter_table("submissions", recreate="always",
                              table_kwargs={"sqlite_autoincrement": autoincrement}) as batch_op:
        pass
    op.create_index("uq_submissions_one_per_invitation", "submissions", ["invitation_id"], unique=True,
                    sqlite_where=sa.text("invitation_id IS NOT NULL AND is_withdrawn = 0"))
    if autoincrement:
        # One counter row, at the highest id there is (ids of responses deleted before today are unknown).
        op.execute("DELETE FROM sqlite_sequence WHERE name = 'submissions'")
        op.execute("INSERT INTO sqlite_sequence (name, seq) SELECT 'submissions', COALESCE(MAX(id), 0) FROM submissions")


def upgrade():
    _recreate(True)


def downgrade():
    _recreate(False)
