"""What withdrawing an upload leaves behind (`cccd undo`, the upload page's undo)."""

from __future__ import annotations

from cccd_analytics import text as fmt
from cccd_analytics.store import Store

#: At most this many falling running totals are named after an undo (then a count).
FALLS_SHOWN = 10


def falls_after(store: Store, upload_id: int) -> list[str]:
    """The running totals that fall once an upload is withdrawn, named: the figures it
    corrected come back (a district's typo the commune's own report had replaced), and may
    lie above days reported since.  An import would have refused such figures; the undo is
    the user's choice, so it is done and said, with the uploads to look at.

    Never raises: the undo is already done when this is asked, and a note that cannot be
    made must not read as a failed undo (nor skip the refresh that follows it)."""
    try:
        return _falls(store, upload_id)
    except Exception:  # noqa: BLE001 - a note after a done undo must not undo its success
        return [
            "Lưu ý: chưa kiểm tra được lũy kế sau khi hủy; xem trang Chất lượng số liệu "
            "(lũy kế giảm giữa các ngày)."
        ]


def _falls(store: Store, upload_id: int) -> list[str]:
    """Each fall found on the current figures of the upload's units, per unit and metric:
    the day's row and the same metric's previous day, each with the upload it came from
    (matching a fall back by date and value alone named the wrong metric when both
    running totals of a day held the same number)."""
    from cccd_analytics import registry
    from cccd_analytics.analytics.quality_checks import METRIC_LABELS, falling_rows

    keys = store.upload_unit_keys(upload_id)
    if not keys:
        return []
    found = falling_rows(store.current_observations(unit_keys=keys))
    if found.empty:
        return []
    names = store.list_uploads()
    named = dict(zip(names["id"].astype(int), names["file_name"]))
    lines = [
        f"Lưu ý: sau khi hủy, lũy kế của {fmt.number(found['unit_key'].nunique())} đơn vị giảm giữa các ngày "
        "(số cũ được dùng lại cao hơn số các ngày sau); kiểm tra lại các lần nhập này:"
    ]
    reg = registry.load_registry()

    def upload_of(upload) -> str:
        upload = int(upload)
        return f"lần nhập #{upload}" + (f" «{named[upload]}»" if upload in named else "")

    for row in found.head(FALLS_SHOWN).itertuples():
        key = row.unit_key
        label = registry.label_of(key) if key in reg.index else key
        lines.append(
            f"  «{label}»: {METRIC_LABELS[row.metric]} ngày {fmt.date_vn(row.date)} {fmt.number(row.value)} "
            f"({upload_of(row.upload_id)}) thấp hơn ngày {fmt.date_vn(row.prev_date)} "
            f"{fmt.number(row.prev_value)} ({upload_of(row.prev_upload_id)})."
        )
    if len(found) > FALLS_SHOWN:
        lines.append(
            f"  … và {fmt.number(len(found) - FALLS_SHOWN)} chỗ khác (xem trang Chất lượng số liệu)."
        )
    return lines
