"""The `cccd` command line (also `python -m cccd_analytics`).

Contracts (../shared/CONTRACTS.md): ingest, status, campaign add/list, sample.  Messages
are Vietnamese; no traceback reaches the user for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import pandas as pd

from cccd_analytics import exit_codes, ingest
from cccd_analytics import formatting as fmt
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.analytics import metrics
from cccd_analytics.exit_codes import UsageError
from cccd_analytics.store import Store, StoreError

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"
SAMPLE_CAMPAIGNS = ("ky_anh_2021", "nghe_an_2023")
EXIT_REFUSED = exit_codes.REFUSED


class ArgumentParser(argparse.ArgumentParser):
    """argparse exits with 2 on a usage error; here 2 means a refused file, so usage is 4."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(exit_codes.USAGE, f"{self.prog}: lỗi: {message}\n")


def _as_of(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--as-of phải có dạng YYYY-MM-DD, không phải «{text}».") from None


def _cli_user(given: str | None) -> str:
    """Who did it from the command line: --user, else the OS account (as `cccd user` records it)."""
    import getpass

    return given or f"cli:{getpass.getuser()}"


def _files(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")))
        else:
            out.append(path)
    return out


# -- ingest ----------------------------------------------------------------------------


def cmd_ingest(args) -> int:
    store = Store.open(args.db)
    audit = {"username": _cli_user(args.user), "via": "cli"}
    reports = [
        ingest.import_file(store, path, uploaded_by=args.user, dry_run=args.dry_run, audit=audit)
        for path in _files(args.paths)
    ]
    if args.json:
        print(
            json.dumps(
                {"ok": all(r.ok for r in reports), "files": [r.to_dict() for r in reports]},
                ensure_ascii=False,
                indent=2,
                default=str,
            )
        )
    else:
        for report in reports:
            stream = sys.stdout if report.ok else sys.stderr
            print(report.summary(), file=stream)
            details = [f"  • bố cục: {report.layout}"] if report.layout else []
            if report.encoding_repairs:
                details += [f"  • sửa phông: {r}" for r in report.encoding_repairs]
            for problem in report.problems:
                mark = "LỖI" if problem.severity == "error" else "cảnh báo"
                details.append(f"  • {mark}: {problem.describe(report.file_name)}")
            if details:
                print("\n".join(details), file=stream)
    return 0 if all(r.ok for r in reports) else EXIT_REFUSED


# -- status ----------------------------------------------------------------------------


def _json_value(value):
    if value is None:
        return None
    if isinstance(value, (pd.Timestamp, date)):
        return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()
    if isinstance(value, (float, int)) and not isinstance(value, bool):
        if pd.isna(value) or value in (float("inf"), float("-inf")):
            return None
        return value
    if isinstance(value, tuple):
        return list(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


INTEGER_FIELDS = ("eligible", "collected", "returned", "target", "remaining", "backlog")
ROUND = {
    "coverage": 4,
    "pace_7d": 1,
    "required_per_day": 1,
    "p_on_time": 3,
    "pace_ratio": 3,
    "pace_workday": 1,
    "coverage_7d_ago": 4,
    "coverage_gain_7d": 4,
    "return_rate": 4,
    "reported_share": 3,
    "working_days_left": 2,
}


def unit_records(table: pd.DataFrame) -> list[dict]:
    records = []
    for row in table.to_dict("records"):
        out = {}
        for key, value in row.items():
            value = _json_value(value)
            if value is not None and key in INTEGER_FIELDS:
                value = int(round(value))
            elif value is not None and key in ROUND:
                value = round(float(value), ROUND[key])
            out[key] = value
        out["status_label"] = metrics.STATUS_LABELS.get(out.get("status"))
        records.append(out)
    return records


def load_campaigns(store: Store) -> list[camp.Campaign]:
    return [camp.from_definition(d) for d in store.campaign_definitions()]


def find_campaign(store: Store, name: str) -> camp.Campaign:
    found = load_campaigns(store)
    for c in found:
        if c.name == name:
            return c
    folded = [c for c in found if camp.registry.fold(c.name) == camp.registry.fold(name)]
    if len(folded) == 1:
        return folded[0]
    names = "; ".join(f"«{c.name}»" for c in found) or "chưa có chiến dịch nào"
    raise UsageError(f"Không có chiến dịch «{name}». Có: {names}.")


def status_payload(store: Store, campaign_name: str | None, as_of: date | None, level: str) -> dict:
    units = store.units()
    obs = store.current_observations(as_of=as_of)
    if campaign_name:
        chosen = [find_campaign(store, campaign_name)]
    else:
        chosen = load_campaigns(store)
    tables, seen, days = [], set(), []
    for c in chosen:
        snap = metrics.snapshot(obs, units, c, as_of)
        if snap.data_through is None and not campaign_name:
            continue
        table = snap.units[snap.units["level"] == level]
        table = table[~table["key"].isin(seen)]
        seen.update(table["key"])
        tables.append(table.assign(campaign=c.name, as_of=snap.as_of))
        days.append(snap.as_of)
    if not campaign_name:
        # Units with data that no campaign covers: figures without a target.
        rest = sorted(set(obs["unit_key"]) - seen)
        if rest:
            open_campaign = camp.Campaign(
                name="", deadline=date(2100, 1, 1), target=camp.Target("share", 1.0), scope=tuple(rest)
            )
            snap = metrics.snapshot(obs, units, open_campaign, as_of)
            table = snap.units[snap.units["level"] == level]
            table = table[~table["key"].isin(seen)].copy()
            for column in (
                "target",
                "remaining",
                "required_per_day",
                "pace_ratio",
                "deadline",
                "days_left",
                "p_on_time",
                "days_behind",
            ):
                table[column] = None
            table["status"] = table["status"].where(table["status"] == "no_data", None)
            tables.append(table.assign(campaign=None, as_of=snap.as_of))
            days.append(snap.as_of)
    table = pd.concat(tables) if tables else pd.DataFrame(columns=metrics.UNIT_FIELDS)
    as_of_out = as_of or (max(days).date() if days else None)
    return {
        "as_of": as_of_out.isoformat() if as_of_out else None,
        "level": level,
        "units": unit_records(table),
    }


def cmd_status(args) -> int:
    store = Store.open(args.db)
    payload = status_payload(store, args.campaign, _as_of(args.as_of), args.level)
    if args.json:
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0

    print(f"Số liệu tính đến {fmt.date_vn(payload['as_of'])} — {len(payload['units'])} đơn vị")
    for u in payload["units"]:
        name = u.get("commune") or u.get("district") or u.get("province")
        print(
            f"  {name:<28} {fmt.number(u['collected']):>10} / {fmt.number(u['eligible']):>10}"
            f"  {fmt.percent(u['coverage']):>7}  {u['status_label'] or ''}"
        )
    return 0


# -- campaigns -------------------------------------------------------------------------


def cmd_campaign_add(args) -> int:
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise exit_codes.Refused(f"Không đọc được tệp chiến dịch «{path.name}»: {exc}") from None
    except OSError as exc:
        raise UsageError(f"Không đọc được tệp chiến dịch «{path.name}»: {exc}") from None
    campaign = camp.parse_toml(text, source=f"Tệp «{path.name}»")
    store = Store.open(args.db)
    units = store.units()
    with_data = set(store.current_observations()["unit_key"])
    scope = camp.scope_communes(campaign, units, with_data)  # fails early on an unknown scope
    camp.resolve_unit_targets(campaign, units, scope, strict=True)
    for m in campaign.milestones:
        camp.milestone_communes(m, scope, units)
    store.save_campaign(campaign.to_definition())
    store.audit("campaign", _cli_user(None), name=campaign.name, change="save", via="cli")
    print(f"Đã lưu chiến dịch «{campaign.name}» ({len(scope)} xã/phường, hạn {campaign.deadline:%d/%m/%Y}).")
    return 0


def cmd_campaign_list(args) -> int:
    store = Store.open(args.db)
    items = store.campaign_definitions()
    if args.json:
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    if not items:
        print("Chưa có chiến dịch nào. Thêm bằng: cccd campaign add TỆP.toml")
    for item in items:
        print(f"{item['name']} — chỉ tiêu {item['target']}, hạn {item['deadline']}")
    return 0


# -- sample ----------------------------------------------------------------------------


def load_sample(store: Store, sample_dir: Path = SAMPLE_DIR) -> list[ingest.ImportReport]:
    """Import the bundled sample campaigns: their data, then their definitions."""
    reports = []
    for name in SAMPLE_CAMPAIGNS:
        folder = sample_dir / name
        reports.append(ingest.import_file(store, folder / "observations.csv", uploaded_by="mẫu"))
        campaign = camp.parse_toml((folder / "campaign.toml").read_text(encoding="utf-8"))
        store.save_campaign(campaign.to_definition())
    return reports


def cmd_sample(args) -> int:
    store = Store.open(args.db)
    reports = load_sample(store)
    for report in reports:
        print(report.summary(), file=sys.stdout if report.ok else sys.stderr)
    if all(r.ok for r in reports):
        print("Đã nạp dữ liệu mẫu: " + "; ".join(c["name"] for c in store.campaign_definitions()))
        return 0
    return EXIT_REFUSED


def cmd_report(args) -> int:
    """Write the briefing (pptx, pdf or xlsx) for one campaign, or for every campaign with data."""
    from cccd_analytics import briefing

    store = Store.open(args.db)
    as_of = _as_of(args.as_of)
    obs, units, uploads = store.current_observations(), store.units(), store.list_uploads()
    chosen = [find_campaign(store, args.campaign)] if args.campaign else load_campaigns(store)
    if not chosen:
        raise exit_codes.Refused("Chưa có chiến dịch nào để báo cáo. Thêm bằng: cccd campaign add TỆP.toml")
    items = [briefing.from_frames(obs, units, c, as_of, uploads=uploads) for c in chosen]
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
    print(f"Đã ghi {out} ({', '.join(b.campaign for b in items)}).")
    return 0


def cmd_backtest(args) -> int:
    """Score the forecaster against real coverage campaigns (Italy, Germany)."""
    from cccd_analytics.analytics import backtest

    data_dir = Path(args.data_dir)
    if not data_dir.is_dir():
        raise UsageError(f"Không thấy thư mục số liệu kiểm định «{data_dir}».")
    series = backtest.load_backtest_series(data_dir)
    table = backtest.headline_table(backtest.summarise(backtest.run_backtest(series)))
    if args.save:
        from datetime import date as _date

        record = {
            "computed_on": _date.today().isoformat(),
            "data": str(data_dir.name),
            "rows": json.loads(table.to_json(orient="records")),
        }
        Path(args.save).write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.json:
        print(table.to_json(orient="records", force_ascii=False, indent=2))
    else:
        print(table.to_string(index=False))
    return 0


def cmd_uploads(args) -> int:
    store = Store.open(args.db)
    frame = store.list_uploads()
    if args.json:
        print(frame.to_json(orient="records", force_ascii=False, date_format="iso"))
        return 0
    for row in frame.itertuples():
        state = "" if row.status == "active" else " (đã hủy)"
        print(f"#{row.id} {fmt.moment_vn(row.uploaded_at)} {row.file_name} — {row.rows_read} dòng{state}")
    return 0


def cmd_undo(args) -> int:
    store = Store.open(args.db)
    if store.undo_upload(
        args.upload_id, who=args.user, audit={"username": _cli_user(args.user), "via": "cli"}
    ):
        print(f"Đã hủy lần nhập số {args.upload_id}; số liệu trước đó được dùng lại.")
        return 0
    print(f"Không có lần nhập số {args.upload_id} đang có hiệu lực.", file=sys.stderr)
    return EXIT_REFUSED


# -- wiring ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(prog="cccd", description="Theo dõi chiến dịch cấp CCCD gắn chíp.")
    sub = parser.add_subparsers(dest="command", required=True)

    def db(p):
        p.add_argument("--db", default=None, help="địa chỉ SQLAlchemy (mặc định: CCCD_DB_URL hoặc SQLite)")
        return p

    p = db(sub.add_parser("ingest", help="nhập tệp số liệu"))
    p.add_argument("paths", nargs="+")
    p.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không ghi")
    p.add_argument("--json", action="store_true")
    p.add_argument("--user", default=None, help="người nhập")
    p.set_defaults(func=cmd_ingest)

    p = db(sub.add_parser("status", help="tiến độ theo đơn vị"))
    p.add_argument("--campaign")
    p.add_argument("--as-of")
    p.add_argument("--level", choices=("commune", "district", "province"), default="commune")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("campaign", help="chiến dịch")
    csub = p.add_subparsers(dest="campaign_command", required=True)
    q = db(csub.add_parser("add", help="thêm hoặc thay chiến dịch từ tệp TOML"))
    q.add_argument("file")
    q.set_defaults(func=cmd_campaign_add)
    q = db(csub.add_parser("list", help="liệt kê chiến dịch"))
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_campaign_list)

    p = db(sub.add_parser("sample", help="nạp dữ liệu mẫu"))
    p.set_defaults(func=cmd_sample)

    p = db(sub.add_parser("report", help="xuất báo cáo giao ban (pptx, pdf, xlsx)"))
    p.add_argument("--format", choices=("pptx", "pdf", "xlsx"), required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--campaign")
    p.add_argument("--as-of")
    p.add_argument("--no-map", action="store_true", help="bỏ trang bản đồ (nhanh hơn)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("backtest", help="kiểm định dự báo trên số liệu chiến dịch thật")
    p.add_argument(
        "--data-dir", default=str(Path(__file__).resolve().parents[3] / "shared" / "backtest-data")
    )
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--save",
        help="write the track record (JSON) that the dashboard shows, e.g. "
        "cccd_analytics/data/track_record.json",
    )
    p.set_defaults(func=cmd_backtest)

    p = db(sub.add_parser("uploads", help="lịch sử nhập"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_uploads)

    p = db(sub.add_parser("undo", help="hủy một lần nhập"))
    p.add_argument("upload_id", type=int)
    p.add_argument("--user", default=None)
    p.set_defaults(func=cmd_undo)

    from cccd_analytics.cli import users as cli_users  # `cccd user …` (issue 7: login accounts)

    cli_users.register(sub, db)
    from cccd_analytics.cli import backup as cli_backup  # `cccd backup|restore|copy`

    cli_backup.register(sub, db)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (UsageError, exit_codes.Refused, camp.CampaignError, StoreError, PermissionError) as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return exit_codes.code_for(exc)


if __name__ == "__main__":
    sys.exit(main())
