"""`cccd uploads` and `cccd undo`: the upload history, and withdrawing a whole upload."""

from __future__ import annotations

import sys

from cccd_analytics import text as fmt
from cccd_analytics.cli import EXIT_REFUSED, cli_user
from cccd_analytics.store import Store

REFUSALS = ()


def uploads(args) -> int:
    store = Store.open(args.db)
    if args.json:  # pandas' JSON of the frame, as this command has always printed it
        print(store.list_uploads().to_json(orient="records", force_ascii=False, date_format="iso"))
        return 0
    for row in store.upload_records():
        state = "" if row["status"] == "active" else " (đã hủy)"
        print(
            f"#{row['id']} {fmt.moment_vn(row['uploaded_at'])} {row['file_name']} — {fmt.number(row['rows_read'])} dòng{state}"
        )
    return 0


def undo(args) -> int:
    store = Store.open(args.db)
    if store.undo_upload(
        args.upload_id, who=args.user, audit={"username": cli_user(args.user), "via": "cli"}
    ):
        print(f"Đã hủy lần nhập số {args.upload_id}; số liệu trước đó được dùng lại.")
        from cccd_analytics.undo import falls_after

        for line in falls_after(store, args.upload_id):
            print(line)
        from cccd_analytics import shared  # the figures without it, for the next viewer

        shared.refresh(store)
        return 0
    print(f"Không có lần nhập số {args.upload_id} đang có hiệu lực.", file=sys.stderr)
    return EXIT_REFUSED
