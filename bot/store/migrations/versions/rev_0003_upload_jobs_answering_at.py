"""upload_jobs.answering_at: when the holder of a job began to post its answer.

A job run again after its holder died looks in the thread for that answer before
analysing, so that a crash between posting and recording does not answer twice.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("upload_jobs") as batch:
        batch.add_column(sa.Column("answering_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("upload_jobs") as batch:
        batch.drop_column("answering_at")
