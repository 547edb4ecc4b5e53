"""Cached loaders: the store, its frames, snapshots and quality findings, each computed once
per data version (`Store.data_version`) and shared by every page and session.

Snapshots and data ranges are also shared between processes and replicas through the
database (`cccd_analytics.shared`): a replica that starts, or that sees an upload made on
the other one, reads the figures the first viewer's process computed."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from cccd_analytics import i18n, shared
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import metrics
from cccd_analytics.store import Store, default_url
from cccd_analytics.ui.frozen import figure_once, styled_once


@st.cache_resource(show_spinner=False)
def get_store(url: str) -> Store:
    return Store.open(url)


def store() -> Store:
    return get_store(default_url())


_RUN_VERSION = "_cccd_data_version"  # on the script run's context: (run marker, version)


def data_version() -> tuple:
    """`Store.data_version()`, asked once per script run (a page run keys a dozen caches on
    it: one round trip each was most of a PostgreSQL rerun's own time).

    The run is told apart by Streamlit's per-run cursor map, which every run (and every
    fragment rerun) starts afresh; the memo holds it, so a later run's map can never be
    mistaken for it.  The next run asks the database again: an upload or undo made by any
    session, process or replica is seen at every viewer's next rerun.  A write made by this
    run forgets the memo (`forget_data_version`)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return store().data_version()
    memo = getattr(ctx, _RUN_VERSION, None)
    if memo is not None and memo[0] is ctx.cursors:
        return memo[1]
    version = store().data_version()
    setattr(ctx, _RUN_VERSION, (ctx.cursors, version))
    return version


def forget_data_version() -> None:
    """After a write in this run: the next `data_version()` asks the database again."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is not None and hasattr(ctx, _RUN_VERSION):
        delattr(ctx, _RUN_VERSION)


# The campaigns (frozen dataclasses) and data ranges every page run's shared filters read:
# one object for every session, not a copy unpickled per run.
@st.cache_resource(show_spinner=False, max_entries=8)
def campaigns(url: str, version: tuple) -> tuple[camp.Campaign, ...]:
    return tuple(camp.from_definition(d) for d in get_store(url).campaign_definitions())


def campaign(url: str, version: tuple, name: str) -> camp.Campaign:
    return next(c for c in campaigns(url, version) if c.name == name)


@st.cache_data(show_spinner=False, max_entries=4)
def frames(url: str, version: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    s = get_store(url)
    return s.current_observations(), s.units()


# Snapshots are handed to every session as the same object (cache_resource: no copy per
# page run, which cost as much as drawing the page); pages and the library only read them.
@st.cache_resource(show_spinner="Đang tính toán…", max_entries=32)
def snapshot(url: str, version: tuple, name: str, as_of: date | None) -> metrics.Snapshot:
    return shared.snapshot(get_store(url), campaign(url, version, name), as_of, version)


@st.cache_resource(show_spinner="Đang tính toán…", max_entries=64)
def unit_snapshot(url: str, version: tuple, name: str, as_of: date | None, key: str) -> metrics.Snapshot:
    """One unit's figures: computed from that unit's observations only (its communes for a
    district), and shared like the campaign's."""
    from cccd_analytics.analytics import drilldown

    whole = snapshot(url, version, name, as_of)
    return shared.snapshot(get_store(url), drilldown.unit_campaign(whole, key), whole.as_of.date(), version)


@st.cache_data(show_spinner="Đang kiểm tra số liệu…", max_entries=16)
def quality_findings(url: str, version: tuple, name: str, as_of: date | None):
    from cccd_analytics.analytics import quality

    chosen = campaign(url, version, name)
    obs, units = frames(url, version)
    uploads = get_store(url).list_uploads()
    return (
        quality.findings(obs, units, chosen, as_of, uploads=uploads),
        quality.completeness(obs, units, chosen, as_of),
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def data_range(url: str, version: tuple, name: str) -> tuple[date | None, date | None]:
    return shared.data_range(get_store(url), campaign(url, version, name), version)


@st.cache_resource(show_spinner=False, max_entries=32)
def complete_day(url: str, version: tuple, name: str, last: date) -> date:
    """The day the campaign's figures are shown at by default (`freshness.complete_day`)."""
    from cccd_analytics.analytics import freshness

    return freshness.complete_day(snapshot(url, version, name, last).units, last).date()


@st.cache_data(show_spinner=False, max_entries=8)
def briefing_file(url: str, version: tuple, name: str, as_of: date | None, kind: str) -> bytes:
    from cccd_analytics import briefing

    obs, units = frames(url, version)
    store_ = get_store(url)
    content = briefing.from_frames(
        obs,
        units,
        campaign(url, version, name),
        as_of,
        uploads=store_.list_uploads(),
        parts=store_.current_parts(as_of=as_of),
        denominators=store_.denominator_rows(),
    )
    if kind == "pptx":
        return briefing.pptx_bytes(content)
    if kind == "pdf":
        return briefing.pdf_bytes(content)
    return briefing.xlsx_bytes(content)


def refresh_shared() -> None:
    """After an upload, an undo, or a campaign or tag saved on this page: the campaigns'
    figures for the new data version, computed in the background and kept for every viewer
    (cccd_analytics.shared).  A campaign or a tag changes the data version too: without
    this, the first leader to open any campaign after an edit waited for its figures."""
    forget_data_version()
    shared.refresh_in_background(store())


# -- what every viewer of the same figures sees, built once per process -------------------
# A page run under twenty viewers spent most of its time rebuilding the same plotly figures
# and sorting the same ten thousand communes.  These are built once per data version,
# campaign, day, language and option, and handed to every session as they are (read only:
# st.plotly_chart and st.dataframe copy what they send).  The snapshot is passed unhashed
# (`_snap`): the key already says which one it is.


def view_key(snap: metrics.Snapshot) -> tuple:
    """What identifies a snapshot's renders: database, data version, campaign (a unit's
    narrowed campaign names the unit), as-of day and language."""
    return (default_url(), data_version(), snap.campaign.name, str(snap.as_of), i18n.language())


@st.cache_resource(show_spinner=False, max_entries=256)
def figure(kind: str, key: tuple, options: tuple = (), _snap: metrics.Snapshot | None = None):
    """A chart of `_snap`: "cumulative" (cumulative vs target), "daily" (collections per
    day), "funnel" (options: the unit's key; collected → returned) or "map" (options:
    layer, colour): (figure, the units' figures it shows), or None when the scope has no
    shipped boundaries.  Each ready to send (`frozen.figure_once`)."""
    from cccd_analytics import charts, geo, i18n
    from cccd_analytics import text as fmt

    if kind == "cumulative":
        return figure_once(charts.cumulative_vs_target(_snap))
    if kind == "daily":
        return figure_once(charts.daily_collections(_snap))
    if kind == "funnel":  # options: (unit key,)
        return figure_once(charts.funnel(_snap.units.set_index("key").loc[options[0]]))
    layer, color_by = options
    provinces = _snap.units.loc[_snap.units["level"] == "province", "key"].tolist()
    shapes = geo.boundaries(layer, provinces[0]) if provinces else None
    if shapes is None:
        return None
    figures = geo.map_units(_snap.units, layer)
    t = i18n.t
    what = t("Tỷ lệ thu nhận") if color_by == "coverage" else t("Trạng thái")
    where = t("theo huyện") if layer == "district" else t("theo xã, phường mới")
    title = t("{what} {where} — số liệu đến {d}", what=what, where=where, d=fmt.date_vn(_snap.as_of))
    drawn = charts.unit_map(figures, shapes, color_by, title, geo.label_points(layer, provinces[0]))
    return figure_once(drawn), figures


@st.cache_resource(show_spinner=False, max_entries=16)
def units(key: tuple) -> pd.DataFrame:
    """Every unit (Store.units), read once per data version (key: `view_key`)."""
    return get_store(key[0]).units()


@st.cache_resource(show_spinner=False, max_entries=256)
def attention(key: tuple, sort: str, limit: int, _snap: metrics.Snapshot | None = None):
    """The overview's attention list (tables.attention_rows), sorted once, its table as
    shown (formatted, the status coloured: `frozen.styled_once`) and its phone cards."""
    from cccd_analytics import tables

    rows = tables.attention_rows(_snap.units, sort, limit=limit)
    cards = [tables.attention_card(row) for _, row in rows.iterrows()]
    return rows, styled_once(tables.style_status(tables.attention_table(rows))), cards


@st.cache_resource(show_spinner=False, max_entries=64)
def freshness(key: tuple, _snap: metrics.Snapshot | None = None):
    """Who reported on the snapshot's day and who has been silent (`freshness.freshness`),
    with the silent communes' table as shown."""
    from cccd_analytics import tables
    from cccd_analytics.analytics import freshness as fresh_

    found = fresh_.freshness(_snap.units, _snap.as_of)
    return found, tables.silent_table(found.silent)


@st.cache_resource(show_spinner=False, max_entries=64)
def unit_filter_choices(key: tuple, level: str, _snap: metrics.Snapshot | None = None) -> tuple:
    """The units page's choices for one level: (districts, tags, statuses present)."""
    rows = _snap.units[_snap.units["level"] == level]
    districts = sorted(rows["district"].dropna().unique()) if level == "commune" else []
    tags = sorted({tag for tags in rows["tags"] for tag in (tags or ())})
    present = set(rows["status"])
    return districts, tags, [s for s in metrics.STATUS_ORDER if s in present]


@st.cache_resource(show_spinner=False, max_entries=256)
def unit_listing(
    key: tuple,
    level: str,
    districts: tuple,
    tags: tuple,
    statuses: tuple,
    _snap: metrics.Snapshot | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """The units page's table for these filters (formatted, the status coloured), the unit
    key of each of its rows, and how many rows have each status."""
    from cccd_analytics import tables

    rows = _snap.units[_snap.units["level"] == level]
    filtered = tables.filter_units(rows, districts=list(districts), tags=list(tags), statuses=list(statuses))
    table = styled_once(tables.style_status(tables.unit_table(filtered, level)))
    return (
        table,
        metrics.attention_order(filtered)["key"].tolist(),
        filtered["status"].value_counts().to_dict(),
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def unit_choices(key: tuple, _snap: metrics.Snapshot | None = None) -> dict[str, str]:
    """The unit page's chooser: every commune and district, most behind first, key → label
    ("name (district)" for a commune)."""
    units = _snap.units
    choices = metrics.attention_order(units[units["level"].isin(["commune", "district"])])
    return {
        key: (f"{name} ({district})" if level == "commune" and district else name)
        for key, name, district, level in zip(
            choices["key"], choices["name"], choices["district"], choices["level"]
        )
    }


@st.cache_resource(show_spinner=False, max_entries=256)
def unit_uploads(key: tuple, unit: str) -> pd.DataFrame:
    """A commune's upload history as the unit page shows it (`tables.unit_upload_history`)."""
    from cccd_analytics import tables
    from cccd_analytics.analytics import drilldown

    return tables.unit_upload_history(drilldown.upload_history(get_store(key[0]).observation_history(unit)))


@st.cache_resource(show_spinner=False, max_entries=8)
def track_record(language: str, stamp: tuple):
    """The overview's track record, made once per language from the shipped record
    (`stamp`: the file's size and time, so a new `cccd backtest --save` is seen):
    computed on, table, left-out table, cards, reliability table, summary."""
    from cccd_analytics import tables
    from cccd_analytics.analytics import backtest

    computed_on, record = backtest.shipped_track_record()
    return (
        computed_on,
        tables.track_record_table(record),
        tables.track_record_left_out_table(record),
        tables.track_record_cards(record),
        tables.reliability_table(record),
        tables.track_record_summary(record),
    )


def track_record_stamp() -> tuple:
    from cccd_analytics.analytics import backtest

    try:
        found = backtest.TRACK_RECORD.stat()
    except OSError:
        return ()
    return (found.st_size, found.st_mtime_ns)


@st.cache_resource(show_spinner=False, max_entries=64)
def breakdown_lines(key: tuple, as_of: date | None, dimensions: tuple, _context=None) -> list[str]:
    """The overview's card on priority groups and channels (`tables.breakdown_lines`) for
    the shared filters' campaign and day (`_context`; key: `view_key`)."""
    from cccd_analytics import tables

    found = {d: _context.breakdown(d) for d in dimensions}
    return tables.breakdown_lines(_context.group_targets(), found)


@st.cache_resource(show_spinner=False, max_entries=256)
def unit_parts_table(key: tuple, as_of: date | None, unit: str, level: str, dimension: str, _context=None):
    """One unit's figures per group or channel as shown (`tables.parts_table`), for the
    shared filters' campaign and day (`_context`; key: `view_key`)."""
    from cccd_analytics import dimensions, tables

    found = _context.breakdown(dimension)
    table = tables.parts_table(found.rows[found.rows["key"] == unit], dimensions.LABELS[dimension], level)
    # One unit's page: its name and district are the page's heading, not a column on every row
    # (on a phone they pushed the figures off the screen).
    return table.drop(columns=[c for c in (i18n.t("Đơn vị"), i18n.t("Huyện")) if c in table.columns])


# -- breakdowns (parts by priority group, channel, residence …) ------------------------------


def _scope(url: str, version: tuple, name: str):
    chosen = campaign(url, version, name)
    units = get_store(url).units()
    return chosen, units, (camp.scope_communes(chosen, units) if chosen.scope else None)


# Breakdowns and their milestones are handed to every session as the same objects, like the
# snapshots (a copy per page run, st.cache_data's unpickling, was a tenth of a page run);
# pages and the library only read them.
@st.cache_resource(show_spinner=False, max_entries=32)
def part_dimensions(url: str, version: tuple, name: str, as_of: date | None) -> list[str]:
    """The dimensions the campaign's reports split their figures by, in display order."""
    from cccd_analytics import dimensions

    _, _, scope = _scope(url, version, name)
    found = set(get_store(url).current_parts(as_of=as_of, unit_keys=scope)["dimension"])
    return [d for d in dimensions.DIMENSIONS if d in found]


@st.cache_resource(show_spinner="Đang tính toán…", max_entries=64)
def breakdown(url: str, version: tuple, name: str, as_of: date, dimension: str):
    """`breakdowns.breakdown` of the campaign's scope on `as_of` (the snapshot's day)."""
    from cccd_analytics.analytics import breakdowns

    chosen, units, scope = _scope(url, version, name)
    store_ = get_store(url)
    parts = store_.current_parts(as_of=as_of, unit_keys=scope, dimension=dimension)
    return breakdowns.breakdown(
        parts, store_.denominator_rows(unit_keys=scope), units, chosen, dimension, as_of
    )


@st.cache_resource(show_spinner="Đang tính toán…", max_entries=32)
def group_targets(url: str, version: tuple, name: str, as_of: date) -> pd.DataFrame:
    """The campaign's group milestones (`breakdowns.targets`), judged on `as_of`."""
    from cccd_analytics.analytics import breakdowns

    chosen, units, scope = _scope(url, version, name)
    if not chosen.group_targets:
        return pd.DataFrame(columns=breakdowns.TARGET_FIELDS)
    store_ = get_store(url)
    snap = snapshot(url, version, name, as_of)
    eligible = snap.units.loc[snap.units["level"] == "commune"].set_index("key")["eligible"]
    parts = store_.current_parts(as_of=as_of, unit_keys=scope)
    return breakdowns.targets(
        parts, store_.denominator_rows(unit_keys=scope), units, chosen, as_of, eligible=eligible
    )


@st.cache_data(show_spinner=False, max_entries=64)
def unit_parts(url: str, version: tuple, name: str, as_of: date, key: str, dimension: str) -> pd.DataFrame:
    """One unit's parts day by day (`breakdowns.unit_series`)."""
    from cccd_analytics.analytics import breakdowns

    chosen, units, _ = _scope(url, version, name)
    store_ = get_store(url)
    members = [key] if units.at[key, "level"] == "commune" else None
    parts = store_.current_parts(as_of=as_of, unit_keys=members, dimension=dimension)
    return breakdowns.unit_series(parts, units, key, dimension, as_of, chosen.start)


@st.cache_data(show_spinner="Đang tính toán…", max_entries=16)
def parts_section(url: str, version: tuple, name: str, as_of: date):
    """The briefing's part on priority groups and channels (`briefing.parts`), or None."""
    from cccd_analytics.briefing import parts as parts_

    chosen, units, scope = _scope(url, version, name)
    store_ = get_store(url)
    parts = store_.current_parts(as_of=as_of, unit_keys=scope)
    snap = snapshot(url, version, name, as_of)
    eligible = snap.units.loc[snap.units["level"] == "commune"].set_index("key")["eligible"]
    return parts_.from_frames(parts, store_.denominator_rows(unit_keys=scope), units, chosen, as_of, eligible)


@st.cache_data(show_spinner=False, max_entries=16)
def denominator_history(url: str, version: tuple, name: str, dimension: str) -> pd.DataFrame:
    """The scope's denominators of one dimension as they changed: per value and date, the
    total in force from that day (communes summed), the change and the files behind it."""
    from cccd_analytics.analytics import breakdowns

    _, _, scope = _scope(url, version, name)
    history = breakdowns.denominator_history(get_store(url).denominator_rows(unit_keys=scope), dimension)
    if history.empty:
        return history
    return (
        history.groupby(["value", "date"], as_index=False)
        .agg(
            count=("count", "sum"),
            change=("change", lambda c: c.sum(min_count=1)),
            units=("unit_key", "nunique"),
            kind=("kind", "last"),
            file_name=("file_name", lambda f: ", ".join(sorted(set(f)))),
        )
        .sort_values(["value", "date"], kind="stable")
    )
