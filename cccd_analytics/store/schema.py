"""Tables of the store (SQLAlchemy Core) and their versioned migrations.

Each migration is a function run once, in order, inside one transaction, and then
recorded in `schema_version`.  A hand-written runner rather than Alembic: the store
is embedded, migrations run on open with no config files or CLI, and the schema is
small.  Never edit a released migration; append a new one.

Every table here is backed up, copied and checked by store.backup / store.copy without
being named there.  A table whose rows are computed from the others (an index of values in
force, a change log, a cache) says so with `info={"derived": True}`: it is still copied,
but its rows alone do not make a store "hold data" that a restore or a copy would replace.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

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

# The metrics a report gives, each a column of `observations`, and the bit of `in_force`
# that marks its value in force.
METRICS = ("collected", "returned", "eligible", "collected_day")
METRIC_BITS = {metric: 1 << i for i, metric in enumerate(METRICS)}

# Every value ever reported: one row per (unit, date, upload) with the metrics it gave as
# columns (collected and returned: cumulative at the end of the day; eligible;
# collected_day), never updated but for `in_force`, whose bit for a metric (METRIC_BITS)
# marks the row of the newest active upload that gave that metric for that unit and day —
# the value the figures show (read through the view `current_values`).  Kept by the
# upload's and the undo's own transaction (Store.write_upload, undo_upload).
#
# A row per unit and day, not per value (migration 8): a report gives two to four metrics
# for each unit and day, and every row is one more entry in the key's B-tree, which was
# most of a write's cost on either engine (a nation's 3.5M values: PostgreSQL's COPY took
# 7.8 s with the key and 2.3 s without it).  A later report that gives only some metrics
# of a unit's day takes only their bits; the older row keeps the others.  For each unit,
# day and metric, at most one row holds the bit, so the marks of any rows of one unit and
# day never overlap (their sum is their bitwise or).
#
# Since migration 6 a value is written once (before, a second table held every value in
# force again); a later report of the same key turns the older row's mark off (a few
# rows), and an undo turns it back on.  In key order (SQLite: the rows stored in it, no
# rowid), so a scope's values and a unit's history are read sequentially.  A key given
# twice in one upload keeps its last row.
#
# upload_id → uploads.id and unit_key → units.key are kept by the one writer (the upload's
# row and its new units first, then one check of all its unit keys) rather than by declared
# foreign keys: a per-row check of both keys was four fifths of PostgreSQL's time to write
# an upload (measured on a province's 56,000 values: 1.7 s of 2.1 s).
observations = sa.Table(
    "observations",
    metadata,
    sa.Column("unit_key", sa.String(40), primary_key=True),
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("upload_id", sa.Integer, primary_key=True, autoincrement=False),
    *(sa.Column(metric, sa.BigInteger) for metric in METRICS),
    sa.Column("in_force", sa.Integer, nullable=False),
    sqlite_with_rowid=False,
)

# The units each upload gave values for, with its first and last day of them: what an undo
# and the list of uploads need of an upload's rows, found without an index of observations
# in upload order (a second B-tree written for every value).  Derived from observations.
upload_units = sa.Table(
    "upload_units",
    metadata,
    sa.Column("upload_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("unit_key", sa.String(40), primary_key=True),
    sa.Column("first_day", sa.Date, nullable=False),
    sa.Column("last_day", sa.Date, nullable=False),
    info={"derived": True},
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


# The value in force for every (unit, metric, date): a view of the values of `observations`
# marked in force, a row per value (since migration 6; a table of its own before).  The
# store's own fast reads (store.current) read `observations` itself, a row per unit and day.  Not in `metadata`: no
# table is created, backed up or copied for it.  Reads name it as before.
views = sa.MetaData()
current_values = sa.Table(
    "current_values",
    views,
    sa.Column("unit_key", sa.String(40)),
    sa.Column("metric", sa.String(20)),
    sa.Column("date", sa.Date),
    sa.Column("value", sa.BigInteger),
    sa.Column("upload_id", sa.Integer),
)
CURRENT_VALUES_VIEW = "CREATE VIEW current_values AS " + " UNION ALL ".join(
    f"SELECT unit_key, '{metric}' AS metric, date, {metric} AS value, upload_id "
    f"FROM observations WHERE (in_force & {bit}) <> 0"
    for metric, bit in METRIC_BITS.items()
)

# One row per change of what the pages show (an upload, an undo, a campaign or tag edit),
# written in that change's transaction: Store.data_version() is read from it.
data_revisions = sa.Table(
    "data_revisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("change", sa.String(40), nullable=False),
    info={"derived": True},
)

# Results computed from the data (a campaign's snapshot …), kept for one data version and
# shared by every session, process and replica (cccd_analytics.shared).  Never a source of
# truth: a row whose data version is not the current one is ignored and replaced.
shared_results = sa.Table(
    "shared_results",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),  # sha256 of what was computed
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("label", sa.Text, nullable=False),  # readable: campaign, as-of day …
    sa.Column("data_version", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),
    info={"derived": True},
)

# Parts of a commune-day (cccd_analytics.dimensions): the applications of one priority
# group, channel, residence class, application type or shift, as a report gave them.  Kept
# beside `observations` so that the commune totals are read as before; written and undone
# in the same transaction as the upload's observations.  Never updated but for `in_force`.
#
# Stored as the values are (migration 6, then 7 for the parts): one row per (unit,
# dimension, metric, date, value, upload), `in_force` marking the rows of the newest active
# upload that gave that (unit, dimension, metric, date) — its whole split, a later report
# replaces the split rather than adding values to it (read through the view
# `current_breakdowns`).  Until migration 7 each part was written twice, here (with a
# surrogate id, two indexes and two declared foreign keys checked on every row) and to a
# table of the parts in force: for a 1M-row export's 72,000 parts that was ~0,15 s of the
# import's CPU more than one keyed table.  A key given twice in one upload keeps its last
# row.  upload_id and unit_key are kept by the one writer, as for observations (its units
# are written first).  An upload's parts are found through its units (`upload_part_units`)
# rather than an index in upload order, a second B-tree written for every part (~0,07 s of
# CPU for those 72,000 parts): parts of a unit the upload gave no value for — citizens
# served elsewhere — are not in upload_units.
breakdowns = sa.Table(
    "breakdowns",
    metadata,
    sa.Column("unit_key", sa.String(40), primary_key=True),
    sa.Column("dimension", sa.String(20), primary_key=True),  # group | channel | residence | …
    # collected (cumulative at the end of the day) | collected_day | elsewhere: citizens of
    # this (home) commune served outside the province, cumulative — counted toward the home
    # commune, not within the total its own reports give
    sa.Column("metric", sa.String(20), primary_key=True),
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("value", sa.String(200), primary_key=True),  # the label (dimensions.canonical)
    sa.Column("upload_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("count", sa.BigInteger, nullable=False),
    sa.Column("in_force", sa.Boolean(create_constraint=False), nullable=False),
    sqlite_with_rowid=False,
)

# The units each upload gave parts for (an undo's and a later upload's way to its parts).
# Derived from breakdowns.
upload_part_units = sa.Table(
    "upload_part_units",
    metadata,
    sa.Column("upload_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("unit_key", sa.String(40), primary_key=True),
    info={"derived": True},
)

# The parts in force: a view of the rows of `breakdowns` so marked (a table of its own
# until migration 7).  Not in `metadata`, like current_values.
current_breakdowns = sa.Table(
    "current_breakdowns",
    views,
    sa.Column("unit_key", sa.String(40)),
    sa.Column("dimension", sa.String(20)),
    sa.Column("metric", sa.String(20)),
    sa.Column("date", sa.Date),
    sa.Column("value", sa.String(200)),
    sa.Column("count", sa.BigInteger),
    sa.Column("upload_id", sa.Integer),
)
CURRENT_BREAKDOWNS_VIEW = (
    "CREATE VIEW current_breakdowns AS SELECT unit_key, dimension, metric, date, value, count, upload_id "
    "FROM breakdowns WHERE in_force"
)

# Dated denominators of parts: pupils of a school and grade, the elderly of a commune, the
# residents a survey (rà soát) found without a card.  In force from `date` until a later one
# for the same (unit, dimension, value).  `kind`: population (the people of the group) or
# remaining (those still to serve on that day, as a survey counts them).
denominators = sa.Table(
    "denominators",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("upload_id", sa.Integer, sa.ForeignKey("uploads.id", ondelete="CASCADE"), nullable=False),
    sa.Column("unit_key", sa.String(40), sa.ForeignKey("units.key"), nullable=False),
    sa.Column("dimension", sa.String(20), nullable=False),
    sa.Column("value", sa.String(200), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("count", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False, default="population"),
    sa.Column("detail", sa.Text),  # where the count came from: a school, a grade
    sa.Index("ix_denominators_unit", "unit_key", "dimension"),
    sa.Index("ix_denominators_upload", "upload_id"),
)


# -- the tables as migrations 1 to 5 made them ----------------------------------------------
# Frozen here so that those migrations make, on a new store, exactly what they made when
# released (migration 6 then turns them into the tables above).
legacy = sa.MetaData()

_observations_v5 = sa.Table(
    "observations",
    legacy,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("upload_id", sa.Integer, nullable=False),
    sa.Column("unit_key", sa.String(40), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("metric", sa.String(20), nullable=False),
    sa.Column("value", sa.BigInteger, nullable=False),
    sa.Index("ix_observations_upload_key", "upload_id", "unit_key", "metric", "date"),
)

_current_values_v3 = sa.Table(
    "current_values",
    legacy,
    sa.Column("unit_key", sa.String(40), primary_key=True),
    sa.Column("metric", sa.String(20), primary_key=True),
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
    sa.Column("upload_id", sa.Integer, nullable=False),
    sqlite_with_rowid=False,
)

# observations and its view as migrations 6 and 7 left them: a row per value (unit, metric,
# date, upload), `in_force` a boolean.  Migration 8 turns them into the tables above.
_observations_v7 = sa.Table(
    "observations",
    sa.MetaData(),  # not `legacy`, which holds migration 1's table of the same name
    sa.Column("unit_key", sa.String(40), primary_key=True),
    sa.Column("metric", sa.String(20), primary_key=True),
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("upload_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("value", sa.BigInteger, nullable=False),
    sa.Column("in_force", sa.Boolean(create_constraint=False), nullable=False),
    sqlite_with_rowid=False,
)
_CURRENT_VALUES_VIEW_V7 = (
    "CREATE VIEW current_values AS SELECT unit_key, metric, date, value, upload_id "
    "FROM observations WHERE in_force"
)

# Migration 3: the newest active upload's row for each (unit, metric, date) of the observations
# of then, which filled the table of values in force.  Ties within one upload: its last row.
NEWEST_ACTIVE = """
SELECT o.unit_key, o.metric, o.date, o.value, o.upload_id
FROM observations o JOIN uploads u ON u.id = o.upload_id AND u.status = 'active'
WHERE NOT EXISTS (
    SELECT 1 FROM observations n JOIN uploads nu ON nu.id = n.upload_id AND nu.status = 'active'
    WHERE n.unit_key = o.unit_key AND n.metric = o.metric AND n.date = o.date
      AND (n.upload_id > o.upload_id OR (n.upload_id = o.upload_id AND n.id > o.id))
) AND NOT EXISTS (
    SELECT 1 FROM current_values c WHERE c.unit_key = o.unit_key AND c.metric = o.metric AND c.date = o.date
)
"""


# The parts and the parts in force as migration 4 made them (migration 7 turns them into
# `breakdowns` and the view `current_breakdowns`).
_breakdowns_v4 = sa.Table(
    "breakdowns",
    legacy,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("upload_id", sa.Integer, sa.ForeignKey(uploads.c.id, ondelete="CASCADE"), nullable=False),
    sa.Column("unit_key", sa.String(40), sa.ForeignKey(units.c.key), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("dimension", sa.String(20), nullable=False),  # group | channel | residence | …
    sa.Column("value", sa.String(200), nullable=False),  # the label (dimensions.canonical)
    # collected (cumulative at the end of the day) | collected_day | elsewhere: citizens of
    # this (home) commune served outside the province, cumulative — counted toward the home
    # commune, not within the total its own reports give
    sa.Column("metric", sa.String(20), nullable=False),
    sa.Column("count", sa.BigInteger, nullable=False),
    sa.Index("ix_breakdowns_unit_dimension_date", "unit_key", "dimension", "date"),
    sa.Index("ix_breakdowns_upload", "upload_id"),
)

_current_breakdowns_v4 = sa.Table(
    "current_breakdowns",
    legacy,
    sa.Column("unit_key", sa.String(40), primary_key=True),
    sa.Column("dimension", sa.String(20), primary_key=True),
    sa.Column("metric", sa.String(20), primary_key=True),
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("value", sa.String(200), primary_key=True),
    sa.Column("count", sa.BigInteger, nullable=False),
    sa.Column("upload_id", sa.Integer, nullable=False),
    info={"derived": True},
)


def _v1(conn: sa.Connection) -> None:
    metadata.create_all(conn, tables=[units, unit_tags, uploads, campaigns])
    _observations_v5.create(conn)


def _v2(conn: sa.Connection) -> None:
    metadata.create_all(conn, tables=[column_mappings, users, audit_log, quality_notes])


def _v3(conn: sa.Connection) -> None:
    metadata.create_all(conn, tables=[data_revisions, shared_results])
    if not sa.inspect(conn).has_table("current_values"):  # (a view of it since migration 6)
        _current_values_v3.create(conn)
        conn.execute(
            sa.text("INSERT INTO current_values (unit_key, metric, date, value, upload_id) " + NEWEST_ACTIVE)
        )
    conn.execute(
        data_revisions.insert().values(
            at=datetime.now(UTC).replace(tzinfo=None, microsecond=0), change="migrate"
        )
    )


def _v4(conn: sa.Connection) -> None:
    legacy.create_all(conn, tables=[_breakdowns_v4, _current_breakdowns_v4])
    metadata.create_all(conn, tables=[denominators])


def _v5(conn: sa.Connection) -> None:
    """observations: one index in the order an upload writes instead of (unit, metric, date)
    and (upload), and no declared foreign keys.  PostgreSQL drops the constraints; SQLite
    cannot, so the table is built anew and its rows copied (ids kept)."""
    conn.execute(sa.text("DROP INDEX IF EXISTS ix_observations_unit_metric_date"))
    conn.execute(sa.text("DROP INDEX IF EXISTS ix_observations_upload"))
    keys = sa.inspect(conn).get_foreign_keys("observations")
    if keys and conn.dialect.name == "sqlite":
        columns = ", ".join(c.name for c in _observations_v5.columns)
        conn.execute(sa.text("ALTER TABLE observations RENAME TO observations_v4"))
        conn.execute(sa.schema.CreateTable(_observations_v5))
        conn.execute(sa.text(f"INSERT INTO observations ({columns}) SELECT {columns} FROM observations_v4"))
        conn.execute(sa.text("DROP TABLE observations_v4"))
    else:
        for fk in keys:
            conn.execute(sa.text(f'ALTER TABLE observations DROP CONSTRAINT "{fk["name"]}"'))
    if "id" in {c["name"] for c in sa.inspect(conn).get_columns("observations")}:
        # Not on a store whose tables a later migration already made (a backup of a later
        # release with an older version number): that table has no such columns.
        for index in _observations_v5.indexes:
            index.create(conn, checkfirst=True)


def _v6(conn: sa.Connection) -> None:
    """Each value stored once: observations keyed by (unit, metric, date, upload) with the
    value in force marked on its row, instead of a surrogate id, an index in upload order
    and a second table holding every value in force again; that table becomes a view, and
    upload_units lists each upload's units and days.  Every row is kept (of a key given twice
    in one upload, its last row, the one that counted); in force is what the old table held."""
    conn.execute(sa.text("DROP INDEX IF EXISTS ix_observations_upload_key"))
    # Each step only where not done yet: a store whose tables are already these (a backup of
    # this release with an older version number) is left as it is.
    if "in_force" not in {c["name"] for c in sa.inspect(conn).get_columns("observations")}:
        conn.execute(sa.text("ALTER TABLE observations RENAME TO observations_v5"))
        _observations_v7.create(conn)
        conn.execute(
            sa.text(
                "INSERT INTO observations (unit_key, metric, date, upload_id, value, in_force) "
                "SELECT o.unit_key, o.metric, o.date, o.upload_id, o.value, c.upload_id IS NOT NULL "
                "FROM observations_v5 o LEFT JOIN current_values c ON c.unit_key = o.unit_key "
                "AND c.metric = o.metric AND c.date = o.date AND c.upload_id = o.upload_id "
                "WHERE o.id IN (SELECT max(id) FROM observations_v5 GROUP BY upload_id, unit_key, metric, date)"
            )
        )
        conn.execute(sa.text("DROP TABLE observations_v5"))
        conn.execute(sa.text("DROP TABLE current_values"))
    if not sa.inspect(conn).has_table("current_values"):
        conn.execute(sa.text(_CURRENT_VALUES_VIEW_V7))
    if not sa.inspect(conn).has_table("upload_units"):
        upload_units.create(conn)
        conn.execute(
            sa.text(
                "INSERT INTO upload_units (upload_id, unit_key, first_day, last_day) "
                "SELECT upload_id, unit_key, min(date), max(date) FROM observations GROUP BY upload_id, unit_key"
            )
        )


def _v7(conn: sa.Connection) -> None:
    """Each part stored once, as migration 6 did for the values: breakdowns keyed by (unit,
    dimension, metric, date, value, upload) with the parts in force marked on their rows,
    instead of a surrogate id, two indexes, declared foreign keys and a second table holding
    every part in force again; that table becomes a view.  Every row is kept (of a key given
    twice in one upload, its last row); in force is what the old table held, with its count;
    upload_part_units lists each upload's units of parts."""
    # Each step only where not done yet (a store already in this form with an older version
    # number — a test's or a backup's — is left as it is).
    if "in_force" not in {c["name"] for c in sa.inspect(conn).get_columns("breakdowns")}:
        # The old indexes' names would clash with the new table's on either engine.
        conn.execute(sa.text("DROP INDEX IF EXISTS ix_breakdowns_unit_dimension_date"))
        conn.execute(sa.text("DROP INDEX IF EXISTS ix_breakdowns_upload"))
        conn.execute(sa.text("ALTER TABLE breakdowns RENAME TO breakdowns_v6"))
        breakdowns.create(conn)
        same = " AND ".join(
            f"c.{k} = b.{k}" for k in ("unit_key", "dimension", "metric", "date", "value", "upload_id")
        )
        conn.execute(
            sa.text(
                "INSERT INTO breakdowns (unit_key, dimension, metric, date, value, upload_id, count, in_force) "
                "SELECT b.unit_key, b.dimension, b.metric, b.date, b.value, b.upload_id, "
                "COALESCE(c.count, b.count), c.upload_id IS NOT NULL "
                f"FROM breakdowns_v6 b LEFT JOIN current_breakdowns c ON {same} "
                "WHERE b.id IN (SELECT max(id) FROM breakdowns_v6 "
                "GROUP BY upload_id, unit_key, dimension, metric, date, value)"
            )
        )
        conn.execute(sa.text("DROP TABLE breakdowns_v6"))
    if not sa.inspect(conn).has_table("upload_part_units"):
        upload_part_units.create(conn)
        conn.execute(
            sa.text(
                "INSERT INTO upload_part_units (upload_id, unit_key) "
                "SELECT DISTINCT upload_id, unit_key FROM breakdowns"
            )
        )
    if "current_breakdowns" in sa.inspect(conn).get_table_names():
        conn.execute(sa.text("DROP TABLE current_breakdowns"))
    if "current_breakdowns" not in sa.inspect(conn).get_view_names():
        conn.execute(sa.text(CURRENT_BREAKDOWNS_VIEW))


def _v8(conn: sa.Connection) -> None:
    """observations: a row per (unit, date, upload) with the metrics as columns and a bit of
    `in_force` per metric, instead of a row per value; every value kept, the values in force
    the same.  The view current_values is made anew over it."""
    if "metric" in {c["name"] for c in sa.inspect(conn).get_columns("observations")}:
        # The view reads the old table (PostgreSQL follows it through the rename): it goes first.
        conn.execute(sa.text("DROP VIEW IF EXISTS current_values"))
        conn.execute(sa.text("ALTER TABLE observations RENAME TO observations_v7"))
        observations.create(conn)
        columns = ", ".join(METRICS)
        values = ", ".join(f"max(CASE WHEN metric = '{m}' THEN value END)" for m in METRICS)
        bits = " ".join(f"WHEN '{m}' THEN {b}" for m, b in METRIC_BITS.items())
        conn.execute(
            sa.text(
                f"INSERT INTO observations (unit_key, date, upload_id, {columns}, in_force) "
                f"SELECT unit_key, date, upload_id, {values}, "
                f"sum(CASE WHEN in_force THEN CASE metric {bits} ELSE 0 END ELSE 0 END) "
                "FROM observations_v7 GROUP BY unit_key, date, upload_id"
            )
        )
        conn.execute(sa.text("DROP TABLE observations_v7"))
    if "current_values" not in sa.inspect(conn).get_view_names():
        conn.execute(sa.text(CURRENT_VALUES_VIEW))


MIGRATIONS: list[Callable[[sa.Connection], None]] = [_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8]
