"""The page names dashboard.py registers (read from its PAGES list without running Streamlit)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def names() -> list[str]:
    tree = ast.parse((ROOT / "dashboard.py").read_text(encoding="utf-8"))
    pages = next(
        n.value for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "PAGES"
    )
    return [
        ast.literal_eval(e.elts[0])
        for e in pages.elts
        if (ROOT / f"pages/{ast.literal_eval(e.elts[0])}.py").exists()
    ]
