"""Results computed once per data version and shared by every session, process and replica.

A campaign's snapshot (metrics and forecasts for every unit) takes seconds at national
scale; twenty people opening the overview, on two replicas, must not each compute it.
`snapshot(store, campaign, as_of)` looks for it in the database (`shared_results`, keyed
by what was computed, with the data version it was computed for), and computes and keeps
it there when it is missing.  The data version (`Store.data_version`) changes with every
upload, undo, campaign or tag edit, in that change's own transaction, so a result is
never used for data it was not computed from: an upload or undo is seen by every viewer
at their next rerun.  The key also holds a fingerprint of the analytics code, so a new
release never reads the figures of the one before.

Payloads are Arrow IPC streams (zstd) and JSON, never pickles: a row read back from a
shared database is data, not code.  Reading one back gives the frames exactly as they were
computed (tests/test_shared.py).
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import threading
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd

from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import metrics
from cccd_analytics.store import Store

MAGIC = b"CCCD-SHARED-1\n"
FRAMES = ("units", "daily", "milestones", "unit_milestones", "calendar")
_PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 of the code that shapes a snapshot: the analytics package, the forecaster's
    calibrated parameters, the registry and this module.  Part of every key, so results
    of other code (or of another calibration) are never read."""
    digest = hashlib.sha256()
    files = sorted((_PACKAGE / "analytics").glob("*.py")) + [
        _PACKAGE / "data" / "forecast_params.json",
        _PACKAGE / "registry.py",
        Path(__file__),
    ]
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def version_text(version: tuple) -> str:
    return json.dumps(list(version), default=str)


def _key(kind: str, *parts) -> str:
    text = json.dumps([kind, code_fingerprint(), *parts], ensure_ascii=False, default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


# -- payloads ---------------------------------------------------------------------------


def _frame_bytes(frame: pd.DataFrame) -> tuple[bytes, list[str]]:
    import pyarrow as pa

    tuples = [
        c
        for c in frame.columns
        if frame[c].dtype == object and frame[c].map(lambda v: isinstance(v, tuple)).any()
    ]
    table = pa.Table.from_pandas(frame)
    sink = io.BytesIO()
    options = pa.ipc.IpcWriteOptions(compression="zstd")
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return sink.getvalue(), tuples


def _frame_from(payload: bytes, tuples: list[str]) -> pd.DataFrame:
    import pyarrow as pa

    frame = pa.ipc.open_stream(payload).read_all().to_pandas()
    for column in tuples:
        frame[column] = frame[column].map(lambda v: tuple(v) if v is not None else None)
    return frame


def _pack(meta: dict, blobs: list[bytes]) -> bytes:
    head = json.dumps(meta, ensure_ascii=False).encode()
    out = [MAGIC, struct.pack("<Q", len(head)), head]
    for blob in blobs:
        out += [struct.pack("<Q", len(blob)), blob]
    return b"".join(out)


def _unpack(payload: bytes) -> tuple[dict, list[bytes]]:
    if not payload.startswith(MAGIC):
        raise ValueError("not a shared result")
    at = len(MAGIC)
    (size,) = struct.unpack_from("<Q", payload, at)
    meta = json.loads(payload[at + 8 : at + 8 + size])
    at += 8 + size
    blobs = []
    while at < len(payload):
        (size,) = struct.unpack_from("<Q", payload, at)
        blobs.append(payload[at + 8 : at + 8 + size])
        at += 8 + size
    return meta, blobs


def _stamp(value) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).isoformat()


def encode_snapshot(snap: metrics.Snapshot) -> bytes:
    blobs, tuples = [], {}
    for name in FRAMES:
        blob, columns = _frame_bytes(getattr(snap, name))
        blobs.append(blob)
        tuples[name] = columns
    meta = {
        "campaign": snap.campaign.to_definition(),
        "as_of": _stamp(snap.as_of),
        "data_through": _stamp(snap.data_through),
        "frames": list(FRAMES),
        "tuples": tuples,
    }
    return _pack(meta, blobs)


def decode_snapshot(payload: bytes, campaign: camp.Campaign | None = None) -> metrics.Snapshot:
    """The snapshot `encode_snapshot` wrote; `campaign`, when given, is the one it was
    computed for (the key says so), taken as it is rather than read back."""
    meta, blobs = _unpack(payload)
    frames = {
        name: _frame_from(blob, meta["tuples"].get(name, [])) for name, blob in zip(meta["frames"], blobs)
    }
    return metrics.Snapshot(
        campaign=campaign if campaign is not None else camp.from_definition(meta["campaign"]),
        as_of=pd.Timestamp(meta["as_of"]),
        data_through=pd.Timestamp(meta["data_through"]) if meta["data_through"] else None,
        **frames,
    )


# -- get or compute ----------------------------------------------------------------------


def _definition(campaign: camp.Campaign) -> str:
    return json.dumps(campaign.to_definition(), ensure_ascii=False, default=str, sort_keys=True)


def scope_observations(store: Store, campaign: camp.Campaign, units: pd.DataFrame, as_of: date | None):
    """The current observations a campaign's figures need (Store.figure_observations):
    its scope's units only (every unit with data when it has no scope), up to `as_of`.
    What metrics.snapshot keeps of them is the same as of every unit's (the scope depends
    on which units have data only through the units the scope names)."""
    keys = camp.scope_communes(campaign, units) if campaign.scope else None
    return store.figure_observations(as_of=as_of, unit_keys=keys)


def unit_spans(store: Store, version: tuple | None = None) -> pd.DataFrame:
    """Store.unit_spans (every unit with data: its first and last day), kept per data
    version: reading it scans every value in force."""
    version = version if version is not None else store.data_version()
    key = _key("unit_spans")
    payload = store.shared_result(key, version_text(version))
    if payload is not None:
        try:
            meta, (blob,) = _unpack(payload)
            frame = _frame_from(blob, [])
            for column in ("first", "last"):
                frame[column] = [
                    d.date() if d is not None and not pd.isna(d) else None for d in frame[column]
                ]
            return frame.set_index("unit_key")
        except (ValueError, KeyError, TypeError):
            pass
    spans = store.unit_spans()
    _keep_spans(store, version, spans)
    return spans


def _keep_spans(store: Store, version: tuple, spans: pd.DataFrame) -> None:
    stored = spans.reset_index().assign(
        first=pd.to_datetime(spans["first"].to_numpy()), last=pd.to_datetime(spans["last"].to_numpy())
    )
    _keep(store, _key("unit_spans"), "unit_spans", "", version, _pack({}, [_frame_bytes(stored)[0]]))


def data_range(store: Store, campaign: camp.Campaign, version: tuple | None = None) -> tuple:
    """First and last day with data in the campaign's scope (None, None without data).

    Not kept yet for this data version (the first view after a change): computed with
    the campaign's figures on that last day, from one read (`_last_day`): the page asks
    for the range, for its date filter, and then for those figures."""
    version = version if version is not None else store.data_version()
    found, snap = _range_or_last_day(store, campaign, version)
    if snap is not None and found[1] is not None:
        _hand(campaign, version, snap)
    return found


def _range_or_last_day(store: Store, campaign: camp.Campaign, version: tuple):
    """(the kept data range, None), else (`_last_day`'s range, its snapshot) computed by one
    thread at a time (`_one_flight`)."""
    found = _kept_range(store, campaign, version)
    if found is not None:
        return found, None
    with _one_flight(_range_key(campaign), version):
        found = _kept_range(store, campaign, version)  # kept by another thread meanwhile
        if found is not None:
            return found, None
        return _last_day(store, campaign, version)


def _range_key(campaign: camp.Campaign) -> str:
    return _key("data_range", _definition(campaign))


def _kept_range(store: Store, campaign: camp.Campaign, version: tuple) -> tuple | None:
    payload = store.shared_result(_range_key(campaign), version_text(version))
    if payload is None:
        return None
    first, last = json.loads(payload)
    return (date.fromisoformat(first) if first else None, date.fromisoformat(last) if last else None)


def _last_day(store: Store, campaign: camp.Campaign, version: tuple) -> tuple[tuple, metrics.Snapshot]:
    """The campaign's data range and its snapshot on the range's last day, from one read of
    its scope's values (no day limit): each kept for every other viewer, with the unit
    spans when the campaign covers every unit (the read holds every unit's first and
    last day then).

    The same as computing the range from Store.unit_spans and then the snapshot from a
    read up to that day (tests/test_shared.py): the scope depends on which units have
    data only through the units it names, and none of them has data after its last day.
    Performance: a nation's range took a scan of every value in force of its own."""
    units = store.units()
    obs = scope_observations(store, campaign, units, None)
    with_data = set(obs["unit_key"].unique()) if len(obs) else set()
    scope = camp.scope_communes(campaign, units, with_data)
    dates = obs["date"][obs["unit_key"].isin(scope).to_numpy()] if len(obs) else obs["date"]
    found = (dates.min().date(), dates.max().date()) if len(dates) else (None, None)
    _keep(
        store,
        _range_key(campaign),
        "data_range",
        campaign.name,
        version,
        json.dumps([d.isoformat() if d else None for d in found]).encode(),
    )
    if not campaign.scope:
        spans = obs.groupby("unit_key", observed=True)["date"].agg(["min", "max"])
        spans = spans.set_axis(spans.index.astype(object)).sort_index()
        _keep_spans(
            store,
            version,
            pd.DataFrame(
                {
                    # datetime64[D] to date objects in one call (a nation: 10,000 each)
                    "first": spans["min"].to_numpy().astype("datetime64[D]").tolist(),
                    "last": spans["max"].to_numpy().astype("datetime64[D]").tolist(),
                },
                index=pd.Index(spans.index, name="unit_key"),
            ),
        )
    as_of = found[1]
    key = _key("snapshot", _definition(campaign), as_of)
    with _one_flight(key, version):
        kept = _kept_snapshot(store, key, version, campaign)  # by another viewer meanwhile
        if kept is not None:
            return found, kept
        snap = metrics.snapshot(obs, units, campaign, as_of)
        _keep(store, key, "snapshot", f"{campaign.name} · {as_of}", version, encode_snapshot(snap))
    return found, snap


#: Snapshots computed with a data range, waiting for this process's next `snapshot` call
#: for them (the page asks for the figures on the last day right after the range): taken
#: once, so nothing stays held here, instead of reading back what was just kept.
_handed: dict[tuple[str, str], metrics.Snapshot] = {}
_handed_lock = threading.Lock()


def _hand(campaign: camp.Campaign, version: tuple, snap: metrics.Snapshot) -> None:
    key = (_key("snapshot", _definition(campaign), snap.as_of.date()), version_text(version))
    with _handed_lock:
        _handed[key] = snap
        while len(_handed) > 4:
            _handed.pop(next(iter(_handed)))


def _handed_to(key: str, version: tuple) -> metrics.Snapshot | None:
    with _handed_lock:
        return _handed.pop((key, version_text(version)), None)


def snapshot(
    store: Store, campaign: camp.Campaign, as_of: date | None = None, version: tuple | None = None
) -> metrics.Snapshot:
    """`metrics.snapshot` of the campaign on `as_of` (default: its last day with data), read
    from the database when this data version's was computed already, else computed from
    the scope's observations and kept there for every other viewer."""
    version = version if version is not None else store.data_version()
    if as_of is None:
        found, snap = _range_or_last_day(store, campaign, version)
        if snap is not None:
            return snap
        as_of = found[1]
    key = _key("snapshot", _definition(campaign), as_of)
    handed = _handed_to(key, version)
    if handed is not None:
        return handed
    kept = _kept_snapshot(store, key, version, campaign)
    if kept is not None:
        return kept
    with _one_flight(key, version):
        kept = _kept_snapshot(store, key, version, campaign)  # by another thread meanwhile
        if kept is not None:
            return kept
        units = store.units()
        obs = scope_observations(store, campaign, units, as_of)
        snap = metrics.snapshot(obs, units, campaign, as_of)
        _keep(store, key, "snapshot", f"{campaign.name} · {as_of}", version, encode_snapshot(snap))
    return snap


def _kept_snapshot(
    store: Store, key: str, version: tuple, campaign: camp.Campaign
) -> metrics.Snapshot | None:
    payload = store.shared_result(key, version_text(version))
    if payload is None:
        return None
    try:
        return decode_snapshot(payload, campaign)
    except (ValueError, KeyError, TypeError):  # written by other code: computed again
        return None


# One computation at a time of a result for a data version, in this process: whoever asks
# while another thread computes it (the refresh an upload starts in the background, beside
# the viewers' reruns; Streamlit's own per-key lock covers only its sessions) waits and
# reads what that thread kept.  Two computations side by side in one process share its
# interpreter lock, and each took about twice as long as one.  Replicas may still each
# compute once.
_flights: dict[tuple[str, str], list] = {}
_flights_lock = threading.Lock()


@contextmanager
def _one_flight(key: str, version: tuple):
    name = (key, version_text(version))
    with _flights_lock:
        entry = _flights.setdefault(name, [threading.Lock(), 0])
        entry[1] += 1
    try:
        with entry[0]:
            yield
    finally:
        with _flights_lock:
            entry[1] -= 1
            if not entry[1]:
                del _flights[name]


def _keep(store: Store, key: str, kind: str, label: str, version: tuple, payload: bytes) -> None:
    """Keep a result for the next reader; a database that takes no write now (a full disk,
    a read-only account, a lock held too long) only means the next reader computes it too."""
    import sqlalchemy as sa

    from cccd_analytics.store import StoreError

    try:
        store.put_shared_result(key, kind, label, version_text(version), payload)
    except (StoreError, sa.exc.SQLAlchemyError, OSError) as exc:
        import logging

        logging.getLogger(__name__).warning("shared result not kept (%s): %s", kind, exc)


def refresh(store: Store) -> list[str]:
    """Compute and keep every campaign's figures (at its last day with data) for the data as
    they are now: called by whoever just changed them (an import, an undo), so that the
    next viewer, in any process, reads them instead of computing them.  Figures kept
    already are only read.  The names of the campaigns whose figures are kept."""
    version = store.data_version()
    names = []
    for definition in store.campaign_definitions():
        try:
            snapshot(store, camp.from_definition(definition), None, version)
        except camp.CampaignError:  # a scope that names no unit: the pages say so themselves
            continue
        names.append(definition["name"])
    return names


def refresh_in_background(store: Store) -> None:
    """`refresh` in a thread of this process: the person who uploaded is not kept waiting,
    and viewers of this process arriving meanwhile wait for these figures (`_one_flight`)
    rather than compute them beside it."""
    import threading

    threading.Thread(target=refresh, args=(store,), name="cccd-shared-refresh", daemon=True).start()
