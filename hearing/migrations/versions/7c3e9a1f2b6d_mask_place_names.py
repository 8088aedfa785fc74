"""mask personal data in place names already stored

Revision ID: 7c3e9a1f2b6d
Revises: 5b7e2c1d9a40
Create Date: 2026-11-25 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e9a1f2b6d'
down_revision = '5b7e2c1d9a40'
branch_labels = None
depends_on = None


def upgrade():
    # Input.place_name is now stored masked (it is shown to reviewers as is); mask what came before.
    from hearing.privacy import mask

    conn = op.get_bind()
    inputs = sa.table('inputs', sa.column('id', sa.Integer), sa.column('place_name', sa.String))
    rows = conn.execute(sa.select(inputs.c.id, inputs.c.place_name).where(inputs.c.place_name.is_not(None))).all()
    for row_id, place in rows:
        masked = mask(place)
        if masked != place:
            conn.execute(inputs.update().where(inputs.c.id == row_id).values(place_name=masked))


def downgrade():
    pass  # the originals are gone, as intended
