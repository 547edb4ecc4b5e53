"""The two sample campaigns in sample_data/ (Huyện Kỳ Anh 2021, Nghệ An 2023): their data
and their campaign definitions, loaded by `cccd sample`, `./dev dashboard` and the tests."""

from __future__ import annotations

from pathlib import Path

from cccd_analytics import ingest
from cccd_analytics.analytics import campaigns as camp
from cccd_analytics.store import Store

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample_data"
SAMPLE_CAMPAIGNS = ("ky_anh_2021", "nghe_an_2023")


def load_sample(store: Store, sample_dir: Path = SAMPLE_DIR) -> list[ingest.ImportReport]:
    """Import the bundled sample campaigns: their data, then their definitions."""
    reports = []
    for name in SAMPLE_CAMPAIGNS:
        folder = sample_dir / name
        reports.append(ingest.import_file(store, folder / "observations.csv", uploaded_by="mẫu"))
        campaign = camp.parse_toml((folder / "campaign.toml").read_text(encoding="utf-8"))
        store.save_campaign(campaign.to_definition())
    return reports
