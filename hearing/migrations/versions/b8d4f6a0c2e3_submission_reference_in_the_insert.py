"""a submission's reference number made from its id in the INSERT itself

The answer path stored a placeholder and then UPDATEd the reference once the id was known: one
statement more for every answer. A reference written as ``<prefix>{id}`` (e.g. ``H-2026-{id}``) now
gets the id, zero-padded to six digits, from the database as the row goes in: on PostgreSQL in a
BEFORE INSERT trigger (the sequence's value is already in NEW.id), on SQLite in an AFTER INSERT
trigger of the same transaction. Any other reference (imports, restores, demo data) is kept as given.

A batch ALTER of ``submissions`` on SQLite rebuilds the table without its triggers: such a migration
must make this one again (tests/test_answer_path.py fails without it).

Revision ID: b8d4f6a0c2e3
Revises: a7c3e5f9b1d2
Create Date: 2026-12-04 18:10:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b8d4f6a0c2e3'
down_revision = 'a7c3e5f9b1d2'
branch_labels = None
depends_on = None

POSTGRESQL = [
    r"""
    CREATE OR REPLACE FUNCTION submissions_reference_from_id() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.reference LIKE '%{id}' THEN
            NEW.reference := left(NEW.reference, -4)
                || CASE WHEN NEW.id >= 100000 THEN NEW.id::text ELSE lpad(NEW.id::text, 6, '0') END;
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER submissions_reference_from_id BEFORE INSERT ON submissions
    FOR EACH ROW EXECUTE FUNCTION submissions_reference_from_id()
    """,
]

SQLITE = [
    """
    CREATE TRIGGER submissions_reference_from_id AFTER INSERT ON submissions
    WHEN NEW.reference LIKE '%{id}'
    BEGIN
        UPDATE submissions SET reference = substr(NEW.reference, 1, length(NEW.reference) - 4) || printf('%06d', NEW.id)
        WHERE id = NEW.id;
    END
    """,
]


def upgrade():
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS submissions_reference_from_id" +
               (" ON submissions" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS submissions_reference_from_id()")
