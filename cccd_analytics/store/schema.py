"""Tables of the store (SQLAlchemy Core) and their versioned migrations.

Each migration is a function run once, in order, inside one transaction, and then
recorded in `schema_version`.  A hand-written runner rather than Alembic: the store
is embedded, migrations run on open with no config files or CLI, and the schema is
small.  Never edit a released migration; append a new one.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("applied_at", sa.DateTime, nullable=False),
)

units = sa.Table(
    "units",
    metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("code", sa.String(20)),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("level", sa.String(10), nullable=False),  # province | district | commune
    sa.Column("unit_type", sa.Text),
    sa.Column("parent_key", sa.String(40)),
    sa.Column("province_key", sa.String(40)),
    sa.Column("district_key", sa.String(40)),
    sa.Column("hierarchy", sa.String(1), nullable=False),  # "3" levels (<2025) | "2" levels
    sa.Column("population", sa.BigInteger),
    sa.Column("eligible_estimate", sa.BigInteger),
    sa.Column("official", sa.Boolean, nullable=False),
    # For units not in the registry: the names as the file gave them.
    sa.Column("province_name", sa.Text),
    sa.Column("district_name", sa.Text),
)

unit_tags = sa.Table(
    "unit_tags",
    metadata,
    sa.Column("unit_key", sa.String(40), sa.ForeignKey("units.key", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag", sa.String(100), primary_key=True),
)

uploads = sa.Table(
    "uploads",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("report_date", sa.Date),
    sa.Column("uploaded_by", sa.Text),
    sa.Column("uploaded_at", sa.DateTime, nullable=False),
    sa.Column("rows_read", sa.Integer, nullable=False),
    sa.Column("warnings", sa.Text, nullable=False, default="[]"),  # JSON list of issues
    sa.Column("kind", sa.String(20)),  # canonical | report | records
    sa.Column("layout", sa.Text),
    sa.Column("encoding", sa.Text),
    sa.Column("status", sa.String(10), nullable=False, default="active"),  # active | undone
    sa.Column("undone_at", sa.DateTime),
    sa.Column("undone_by", sa.Text),
)

observations = sa.Table(
    "observations",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id", ondelete="CASCADE"), nullable=False),
    sa.Column("unit_key", sa.String(40), sa.ForeignKey("units.key"), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    # collected | returned (cumulative at the end of the day) | eligible | collected_day
    sa.Column("metric", sa.String(20), nullable=False),
    sa.Column("value", sa.BigInteger, nullable=False),
    sa.Index("ix_observations_unit_metric_date", "unit_key", "metric", "date"),
    sa.Index("ix_observations_upload", "upload_id"),
)

campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("start", sa.Date),
    sa.Column("deadline", sa.Date, nullable=False),
    sa.Column("target", sa.Text, nullable=False),  # "100%" or "87000", as written
    sa.Column("scope", sa.Text, nullable=False, default="[]"),  # JSON list of names/codes
    sa.Column("definition", sa.Text, nullable=False),  # the whole campaign as JSON
    sa.Column("updated_at", sa.DateTime, nullable=False),
)


# A column mapping the user chose on the upload page, remembered by the shape of the
# header (its folded texts) so the next file of the same shape needs no mapping.
column_mappings = sa.Table(
    "column_mappings",
    metadata,
    sa.Column("signature", sa.String(64), primary_key=True),
    sa.Column("mapping", sa.Text, nullable=False),  # JSON {field: column index}
    sa.Column("headers", sa.Text, nullable=False),  # JSON list of the header texts
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.Text),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(100), nullable=False, unique=True),
    sa.Column("full_name", sa.Text),
    sa.Column("password_hash", sa.Text),  # argon2/bcrypt; null for SSO-only accounts
    sa.Column("role", sa.String(20), nullable=False),  # leader | analyst | admin
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("failed_attempts", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_login", sa.DateTime),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False, index=True),
    sa.Column("username", sa.Text),
    sa.Column("action", sa.String(40), nullable=False),  # upload | undo | campaign | login | …
    sa.Column("detail", sa.Text, nullable=False, default="{}"),  # JSON
)

quality_notes = sa.Table(
    "quality_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("unit_key", sa.String(40), nullable=False),
    sa.Column("date", sa.Date),
    sa.Column("check_name", sa.String(40), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, default="open"),  # open | resolved
    sa.Column("author", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
)


def _v1(conn: sa.Connection) -> None:
    metadata.create_all(conn, tables=[units, unit_tags, uploads, observations, campaigns])


def _v2(conn: sa.Connection) -> None:
    metadata.create_all(conn, tables=[column_mappings, users, audit_log, quality_notes])


MIGRATIONS: list[Callable[[sa.Connection], None]] = [_v1, _v2]
