"""Text as Vietnamese readers write it and as the product shows it: the ground floor, with
nothing of the project imported."""

from __future__ import annotations


def thousands(number: int) -> str:
    """A whole number with dots between thousands, as Vietnamese write it: 87000 → "87.000"."""
    return f"{number:,}".replace(",", ".")
