"""Create upload_jobs (durable, deduplicated analysis jobs) and notifications (cooldowns).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upload_jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("file_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("message_ts", sa.String(32), nullable=False),
        sa.Column("thread_ts", sa.String(32), nullable=False),
        sa.Column("channel_type", sa.String(16), nullable=True),
        sa.Column("kind", sa.String(32), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("worker_id", sa.String(128), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team_id", "file_id", name="uq_upload_jobs_team_file"),
        sa.CheckConstraint(
            "state IN ('waiting', 'pending', 'running', 'done', 'cancelled', 'failed')",
            name="ck_upload_jobs_state",
        ),
    )
    op.create_index("ix_upload_jobs_state_not_before", "upload_jobs", ["state", "not_before"])
    op.create_table(
        "notifications",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("business_number", sa.String(16), primary_key=True),
        sa.Column("status_code", sa.String(8), primary_key=True),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_index("ix_upload_jobs_state_not_before", table_name="upload_jobs")
    op.drop_table("upload_jobs")
