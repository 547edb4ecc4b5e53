"""The two sample campaigns in sample_data/ (Huyện Kỳ Anh 2021, Nghệ An 2023): their data
and their campaign definitions, loaded by `cccd sample`, `./dev dashboard` and the tests."""

from __future__ import annotations

from pathlib import Path

from cccd_analytics import ingest
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.store import Store

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data"
SAMPLE_CAMPAIGNS = ("ky_anh_2021", "nghe_an_2023")


def sample_files(folder: Path) -> list[Path]:
    """A sample's data files in import order: the commune totals, then the illustrative
    breakdowns (parts by group, channel …), citizens served outside the province and the
    denominator lists (school rolls, the elderly, surveys)."""
    return [
        folder / "observations.csv",
        *sorted((folder / "phan_chia").glob("*.csv")),
        *sorted(folder.glob("ngoai_tinh.csv")),
        *sorted((folder / "mau_so").glob("*.csv")),
    ]


def load_sample(
    store: Store, sample_dir: Path = SAMPLE_DIR, audit: dict | None = None
) -> list[ingest.ImportReport]:
    """Import the bundled sample campaigns: their data, then their definitions.

    `audit` ({"username": …, "via": …}): each import and campaign written to the audit log,
    as `cccd ingest` and `cccd campaign add` write theirs (the administrator who loaded
    the samples into a store is on record)."""
    reports = []
    for name in SAMPLE_CAMPAIGNS:
        folder = sample_dir / name
        for path in sample_files(folder):
            reports.append(ingest.import_file(store, path, uploaded_by="mẫu", audit=audit))
        campaign = camp.parse_toml((folder / "campaign.toml").read_text(encoding="utf-8"))
        store.save_campaign(campaign.to_definition())
        if audit is not None:
            store.audit(
                "campaign", audit.get("username"), name=campaign.name, change="save", via=audit.get("via")
            )
    return reports
