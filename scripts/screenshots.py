"""Screenshots of every page at desktop (1440×900) and phone (390×844) sizes, for looking at.

    python scripts/screenshots.py [--out screenshots] [--url http://127.0.0.1:8501]

Without --url it serves the dashboard on a fresh copy of the sample data itself.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser_support import launch_chromium, start_dashboard, wait_for_app  # noqa: E402

SIZES = {"desktop": (1440, 900), "phone": (390, 844)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "screenshots"))
    parser.add_argument("--url")
    parser.add_argument("--pages", nargs="*")
    parser.add_argument("--lang", default="vi")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from cccd_analytics.sample import load_sample
    from cccd_analytics.store import Store

    sys.path.insert(0, str(ROOT / "scripts"))
    import dashboard_pages

    proc = None
    url = args.url
    if not url:
        db = f"sqlite:///{tempfile.mkdtemp()}/shots.sqlite"
        load_sample(Store.open(db))
        proc, url = start_dashboard(db)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pages = args.pages or dashboard_pages.names()
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            for size, (width, height) in SIZES.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                for name in pages:
                    path = "" if name == "overview" else name  # the default page lives at /
                    page.goto(f"{url}/{path}" + ("?lang=en" if args.lang == "en" else ""))
                    wait_for_app(page)
                    page.wait_for_timeout(1500)  # maps and charts draw after the script ends
                    path = out / f"{name}_{size}_{args.lang}.png"
                    page.screenshot(path=str(path))
                    print(path)
                page.close()
            browser.close()
    finally:
        if proc:
            proc.terminate()


if __name__ == "__main__":
    main()
