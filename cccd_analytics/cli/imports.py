"""`cccd ingest` and `cccd sample`: files (or folders) imported, each checked whole and
written in one transaction or refused with its reasons."""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path

from cccd_analytics.cli import EXIT_REFUSED, cli_user

# Performance: nothing heavy at the top.  `cccd ingest` of one big per-record export
# starts Arrow's parse of it (ingest.read_ahead) before pandas, SQLAlchemy and the store
# are imported, so the imports and the parse overlap.


def __getattr__(name: str):
    if name == "REFUSALS":  # what cli.main reports as a refusal, asked only on an error
        from cccd_analytics.analytics.campaigns import CampaignError

        return (CampaignError,)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def files_of(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")))
        else:
            out.append(path)
    return out


def ingest_files(args) -> int:
    # Performance: the imports below make ~0,5M objects that live as long as the process,
    # and Python's cycle collector walked them over and over while they were made (and
    # again at each full collection after): collection is paused for the imports, and what
    # they made is then set aside for good (`gc.freeze`), ~0,06-0,09 s of a 1M-row export's
    # ~1,3 s.  Collection is on again for the import's own work.
    gc.disable()
    paths = files_of(args.paths)
    if len(paths) == 1:
        # Several files go through ingest.batch's forked worker, which must not inherit a
        # parse in flight; one file is read here.
        from cccd_analytics.ingest import read_ahead

        read_ahead.start(paths[0])
    from cccd_analytics.ingest import batch
    from cccd_analytics.store import Store

    gc.freeze()
    gc.enable()
    store = Store.open(args.db)
    # Who imported it: --user, else the OS account, as the audit log records it (the list of
    # uploads showed a blank "Người nhập" for every import from the command line).
    user = cli_user(args.user)
    audit = {"username": user, "via": "cli"}
    # In the order given, each file its own upload; the next file is read and checked in a
    # second process while one is written (ingest.batch).
    reports = batch.import_files(store, args.db, paths, uploaded_by=user, dry_run=args.dry_run, audit=audit)
    if any(r.status == "imported" for r in reports) and store.campaign_definitions():
        # The campaigns' figures for the new data, computed once here rather than by the
        # first person who opens the dashboard (cccd_analytics.shared).  Without a campaign
        # there is nothing to compute, and the analytics (scipy, the forecaster) are not
        # even imported: a cron job loading files into a fresh store starts faster.
        from cccd_analytics import shared

        shared.refresh(store)
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
                mark = {"error": "LỖI", "info": "lưu ý"}.get(problem.severity, "cảnh báo")
                details.append(f"  • {mark}: {problem.describe(report.file_name)}")
            if details:
                print("\n".join(details), file=stream)
    return 0 if all(r.ok for r in reports) else EXIT_REFUSED


def sample(args) -> int:
    from cccd_analytics.sample import load_sample
    from cccd_analytics.store import Store

    gc.freeze()
    gc.enable()
    store = Store.open(args.db)
    reports = load_sample(store, audit={"username": cli_user(None), "via": "cli", "sample": True})
    for report in reports:
        print(report.summary(), file=sys.stdout if report.ok else sys.stderr)
    if all(r.ok for r in reports):
        print("Đã nạp dữ liệu mẫu: " + "; ".join(c["name"] for c in store.campaign_definitions()))
        return 0
    return EXIT_REFUSED
