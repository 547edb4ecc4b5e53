"""Shipped boundaries (GeoJSON in data/vn_admin) and the figures to colour them with.

Districts come from the pre-2025 polygons; communes from the 1/7/2025 units.  Data kept
in the older communes is summed into the new units through the official old → new
mapping (each old commune belongs to exactly one new unit).
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache

import numpy as np
import pandas as pd

from cccd_analytics.registry import DATA_DIR, key_2025

DISTRICT_FILES = {"40": "nghe_an_2023_districts.geojson", "42": "ha_tinh_2021_districts.geojson"}
COMMUNE_2025_FILES = {"40": "nghe_an_2025_07_communes.geojson", "42": "ha_tinh_2025_07_communes.geojson"}
MAPPING_FILES = ("nghe_an_2023_to_2025_07_mapping.csv", "ky_anh_2021_to_2025_07_mapping.csv")


@lru_cache(maxsize=8)
def _load(name: str, key_field: str, two_level: bool) -> dict:
    data = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    for feature in data["features"]:
        code = str(feature["properties"][key_field])
        feature["properties"]["key"] = key_2025(code) if two_level else code
        feature["properties"]["name"] = feature["properties"].get(
            "district_name" if not two_level else "commune_name"
        )
    return data


def boundaries(layer: str, province_key: str) -> dict | None:
    """GeoJSON of a province's districts ("district") or 2025 communes ("commune_2025")."""
    if layer == "district" and province_key in DISTRICT_FILES:
        return copy.deepcopy(_load(DISTRICT_FILES[province_key], "district_code", False))
    if layer == "commune_2025" and province_key in COMMUNE_2025_FILES:
        return copy.deepcopy(_load(COMMUNE_2025_FILES[province_key], "commune_code", True))
    return None


@lru_cache(maxsize=1)
def old_to_new() -> pd.Series:
    """Old (three-level) commune key → the 2025 unit key it became."""
    frames = [
        pd.read_csv(DATA_DIR / name, dtype=str, usecols=["commune_code_old", "new_code_2025_07"])
        for name in MAPPING_FILES
    ]
    mapping = pd.concat(frames).drop_duplicates("commune_code_old")
    return pd.Series(mapping["new_code_2025_07"].map(key_2025).to_numpy(), index=mapping["commune_code_old"])


def bounds(geojson: dict) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of every coordinate."""
    coords = []

    def walk(item):
        if isinstance(item[0], (int, float)):
            coords.append(item[:2])
        else:
            for sub in item:
                walk(sub)

    for feature in geojson["features"]:
        walk(feature["geometry"]["coordinates"])
    arr = np.asarray(coords)
    return float(arr[:, 0].min()), float(arr[:, 1].min()), float(arr[:, 0].max()), float(arr[:, 1].max())


def map_units(units: pd.DataFrame, layer: str) -> pd.DataFrame:
    """Figures per map feature: key, name, collected, eligible, target, coverage, status, parts.

    For "district": the snapshot's district rows.  For "commune_2025": the snapshot's
    two-level communes as they are, or its older communes summed into their 2025 unit
    (`parts` counts them; `partial` marks a new unit only partly covered by the data).
    """
    if layer == "district":
        rows = units[units["level"] == "district"]
        return rows.assign(parts=1, partial=False)[
            ["key", "name", "collected", "eligible", "target", "coverage", "status", "parts", "partial"]
        ]
    communes = units[units["level"] == "commune"]
    direct = communes[communes["key"].str.startswith("2025:")]
    older = communes[~communes["key"].str.startswith("2025:")]
    mapping = old_to_new()
    older = older.assign(new_key=older["key"].map(mapping)).dropna(subset=["new_key"])
    summed = older.groupby("new_key").agg(
        collected=("collected", "sum"),
        eligible=("eligible", "sum"),
        target=("target", "sum"),
        parts=("key", "size"),
        worst=("status", lambda s: _worst(s)),
    )
    expected = mapping.value_counts()
    summed["partial"] = summed["parts"] < expected.reindex(summed.index).fillna(0)
    summed = summed.reset_index().rename(columns={"new_key": "key", "worst": "status"})
    summed["coverage"] = summed["collected"] / summed["eligible"]
    direct = direct.assign(parts=1, partial=False)
    out = pd.concat(
        [
            direct[
                ["key", "name", "collected", "eligible", "target", "coverage", "status", "parts", "partial"]
            ],
            summed,
        ],
        ignore_index=True,
    )
    return out


def _worst(statuses: pd.Series) -> str:
    from cccd_analytics.analytics.metrics import STATUS_ORDER

    ranked = [s for s in STATUS_ORDER if s in set(statuses)]
    return ranked[0] if ranked else "no_data"
