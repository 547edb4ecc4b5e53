"""How the briefing looks, the same in the deck, the PDF and the projector: colours (of the
figures and of each status), fonts (Arial in PowerPoint; Liberation Sans, shipped in
data/fonts, in the PDF) and the 16:9 slide size."""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path(__file__).resolve().parents[1] / "data" / "fonts"


COLORS = {
    "collected": "1565C0",
    "target": "B71C1C",
    "forecast": "6A1B9A",
    "returned": "2E7D32",
    "required": "E65100",
    "pace": "0D47A1",
    "bar": "90CAF9",
    "top": "2E7D32",
    "bottom": "C62828",
    "ink": "1F2933",
    "muted": "5F6B7A",
    "brand": "0D3B66",
    "accent": "C62828",
    "header": "DDE7F3",
    "stripe": "F4F7FB",
}


STATUS_COLORS = {
    "done": "2E7D32",
    "on_track": "43A047",
    "at_risk": "F57C00",
    "behind": "E53935",
    "missed": "8E0000",
    "no_data": "757575",
}


PPT_FONT = "Arial"  # on every Office install, covers Vietnamese


SLIDE_W, SLIDE_H = 13.333, 7.5


PDF_FONT, PDF_FONT_BOLD = "LiberationSans", "LiberationSans-Bold"
