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
    the user's choice, so it is done and said, with the uploads to look at."""
    from cccd_analytics import registry
    from cccd_analytics.analytics.quality_checks import falling

    keys = store.upload_unit_keys(upload_id)
    if not keys:
        return []
    current = store.current_observations(unit_keys=keys)
    found = falling(current)
    if found.empty:
        return []
    names = store.list_uploads()
    named = dict(zip(names["id"].astype(int), names["file_name"]))
    lines = [
        f"Lưu ý: sau khi hủy, lũy kế của {fmt.number(found['unit_key'].nunique())} đơn vị giảm giữa các ngày "
        "(số cũ được dùng lại cao hơn số các ngày sau); kiểm tra lại các lần nhập này:"
    ]
    reg = registry.load_registry()
    cumulative = current[current["metric"].isin(["collected", "returned"])].sort_values("date")

    def upload_of(row) -> str:
        upload = int(row.upload_id)
        return f"lần nhập #{upload}" + (f" «{named[upload]}»" if upload in named else "")

    for found_row in found.head(FALLS_SHOWN).itertuples():
        key = str(found_row.unit_key)
        label = registry.label_of(key) if key in reg.index else key
        mine = cumulative[cumulative["unit_key"] == found_row.unit_key]
        here = mine[(mine["date"] == found_row.date) & (mine["value"] == found_row.value)].iloc[0]
        same = mine[(mine["metric"] == here.metric) & (mine["date"] < found_row.date)]
        before = same.iloc[-1]
        what = "lũy kế thu nhận" if here.metric == "collected" else "lũy kế trả thẻ"
        lines.append(
            f"  «{label}»: {what} ngày {fmt.date_vn(here.date)} {fmt.number(here.value)} ({upload_of(here)}) "
            f"thấp hơn ngày {fmt.date_vn(before.date)} {fmt.number(before.value)} ({upload_of(before)})."
        )
    if len(found) > FALLS_SHOWN:
        lines.append(
            f"  … và {fmt.number(len(found) - FALLS_SHOWN)} chỗ khác (xem trang Chất lượng số liệu)."
        )
    return lines
