"""index tasks name a document: its kind (practice or question) and id"""

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"


def upgrade() -> None:
    with op.batch_alter_table("index_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("doc_kind", sa.String(length=16), nullable=True))
        batch_op.drop_index(batch_op.f("ix_index_tasks_practice_id"))
        batch_op.alter_column("practice_id", new_column_name="doc_id", existing_type=sa.Uuid(), existing_nullable=False)
    # Pending tasks of questions were queued under 'practice_id': tell them apart by the table that holds the id.
    # An id in neither table was deleted; as a practice the worker removes its points like before.
    op.execute(
        "UPDATE index_tasks SET doc_kind = CASE WHEN doc_id IN (SELECT id FROM questions) "
        "THEN 'question' ELSE 'practice' END"
    )
    with op.batch_alter_table("index_tasks", schema=None) as batch_op:
        batch_op.alter_column("doc_kind", existing_type=sa.String(length=16), nullable=False)
        batch_op.create_index(batch_op.f("ix_index_tasks_doc_id"), ["doc_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("index_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_index_tasks_doc_id"))
        batch_op.alter_column("doc_id", new_column_name="practice_id", existing_type=sa.Uuid(), existing_nullable=False)
        batch_op.drop_column("doc_kind")
        batch_op.create_index(batch_op.f("ix_index_tasks_practice_id"), ["practice_id"], unique=False)
