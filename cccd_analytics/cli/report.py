"""`cccd report`: the briefing of one campaign, or of every campaign with data, as a deck
(pptx), a PDF or the tables (xlsx)."""

from __future__ import annotations

from pathlib import Path

from cccd_analytics import briefing
from cccd_analytics import text as fmt
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.cli import Refused, as_of_day
from cccd_analytics.cli.campaigns import find
from cccd_analytics.store import Store

REFUSALS = (camp.CampaignError,)


def report(args) -> int:
    """Write the briefing (pptx, pdf or xlsx) for one campaign, or for every campaign with data."""
    store = Store.open(args.db)
    as_of = as_of_day(args.as_of)
    obs, units, uploads = store.current_observations(), store.units(), store.list_uploads()
    # Breakdowns (priority groups, channels …), when the reports give them.
    parts, denominators = store.current_parts(as_of=as_of), store.denominator_rows()
    chosen = [find(store, args.campaign)] if args.campaign else camp.stored(store)
    if not chosen:
        raise Refused("Chưa có chiến dịch nào để báo cáo. Thêm bằng: cccd campaign add TỆP.toml")
    # Without --as-of, the day the dashboard opens on (most communes reported), not a
    # newer day a few communes have sent: the deck is what leadership reads.
    items = [
        briefing.from_frames(
            obs, units, c, as_of, uploads=uploads, parts=parts, denominators=denominators, usual_day=True
        )
        for c in chosen
    ]
    if not args.campaign:
        items = [b for b in items if b.snapshot.data_through is not None] or items[:1]
    content = items[0] if len(items) == 1 else items
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.format == "xlsx":
        briefing.write_xlsx(content, out)
    else:
        writer = briefing.write_pptx if args.format == "pptx" else briefing.write_pdf
        writer(content, out, include_map=not args.no_map)
    days = ", ".join(f"{b.campaign}: số liệu đến {fmt.date_vn(b.as_of)}" for b in items)
    print(f"Đã ghi {out} ({days}).")
    return 0
