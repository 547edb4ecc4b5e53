"""`cccd campaign add` and `cccd campaign list`: campaigns from TOML files, checked against
the registry and the data before they are saved."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from cccd_analytics import shared
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.cli import Refused, UsageError, cli_user
from cccd_analytics.store import Store
from cccd_analytics.text import date_vn, fold, thousands

REFUSALS = (camp.CampaignError,)


def find(store: Store, name: str) -> camp.Campaign:
    found = camp.stored(store)
    for c in found:
        if c.name == name:
            return c
    folded = [c for c in found if fold(c.name) == fold(name)]
    if len(folded) == 1:
        return folded[0]
    names = "; ".join(f"«{c.name}»" for c in found) or "chưa có chiến dịch nào"
    raise UsageError(f"Không có chiến dịch «{name}». Có: {names}.")


def add(args) -> int:
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise Refused(f"Không đọc được tệp chiến dịch «{path.name}»: {exc}") from None
    except OSError as exc:
        raise UsageError(f"Không đọc được tệp chiến dịch «{path.name}»: {exc}") from None
    campaign = camp.parse_toml(text, source=f"Tệp «{path.name}»")
    store = Store.open(args.db)
    units = store.units()
    with_data = set(shared.unit_spans(store).index)  # kept per data version: not every value read
    scope = camp.scope_communes(campaign, units, with_data)  # fails early on an unknown scope
    camp.resolve_unit_targets(campaign, units, scope, strict=True)
    for m in campaign.milestones:
        camp.milestone_communes(m, scope, units)
    store.save_campaign(campaign.to_definition())
    store.audit("campaign", cli_user(None), name=campaign.name, change="save", via="cli")
    print(f"Đã lưu chiến dịch «{campaign.name}» ({len(scope)} xã/phường, hạn {date_vn(campaign.deadline)}).")
    # A saved campaign is a new data version for every campaign: their figures are computed
    # here and kept, as after an import, not by the first person who opens the dashboard.
    shared.refresh(store)
    return 0


def refresh(args) -> int:
    """`cccd refresh`: every campaign's figures for the data as they are, computed and kept
    where they are not yet (cccd_analytics.shared).  Imports, undos and campaign edits do it
    already; a new release cannot read the figures of the one before (they are keyed by the
    code), so a replica runs this before it serves (deploy/systemd), and the first leader
    after an upgrade does not wait for them."""
    import time

    store = Store.open(args.db)
    started = time.perf_counter()
    names = shared.refresh(store)
    took = f"{time.perf_counter() - started:.1f}".replace(".", ",")
    print(f"Số liệu của {len(names)} chiến dịch đã sẵn cho người xem ({took} giây).")
    return 0


def _target_vn(target) -> str:
    """A target as written ("87000", "100%") in Vietnamese figures: 87.000, 100%."""
    text = str(target).strip()
    return thousands(int(text)) if text.isdigit() else text


def _day_vn(day) -> str:
    """A stored deadline (ISO text or a date) as 10/6/2021."""
    try:
        return date_vn(day if isinstance(day, date) else date.fromisoformat(str(day)))
    except ValueError:
        return str(day)


def list_campaigns(args) -> int:
    store = Store.open(args.db)
    items = store.campaign_definitions()
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    if not items:
        print("Chưa có chiến dịch nào. Thêm bằng: cccd campaign add TỆP.toml")
    for item in items:
        print(f"{item['name']} — chỉ tiêu {_target_vn(item['target'])}, hạn {_day_vn(item['deadline'])}")
    return 0
