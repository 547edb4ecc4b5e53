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


@lru_cache(maxsize=8)
def neighbouring_districts(province_key: str) -> dict[str, frozenset[str]]:
    """The districts of a province that border each other, by key, from the shipped outlines:
    two districts whose outlines share two or more points (the outlines come from one
    source, so a common border is drawn through the same points); empty when no outlines
    are shipped for the province."""
    shapes = boundaries("district", province_key)
    if shapes is None:
        return {}
    points = {
        f["properties"]["key"]: {
            (round(float(x), 5), round(float(y), 5)) for ring in _rings(f["geometry"]) for x, y in ring
        }
        for f in shapes["features"]
    }
    return {
        key: frozenset(other for other, theirs in points.items() if other != key and len(mine & theirs) >= 2)
        for key, mine in points.items()
    }


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


# -- labels and drill-down --------------------------------------------------------------------

_PREFIXES = (
    ("Thành phố ", "TP "),
    ("Thị xã ", "TX "),
    ("Thị trấn ", "TT "),
    ("Huyện ", ""),
    ("Phường ", ""),
    ("Xã ", ""),
)


def short_name(name: str) -> str:
    """A unit's name as a map label: "Huyện Quỳnh Lưu" → "Quỳnh Lưu", "Thành phố Vinh" → "TP Vinh"."""
    for prefix, short in _PREFIXES:
        if name.startswith(prefix):
            return short + name[len(prefix) :]
    return name


def _rings(geometry: dict) -> list[np.ndarray]:
    """Outer rings of a Polygon or MultiPolygon, as (n, 2) lon/lat arrays."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [np.asarray(polygon[0], dtype=float)[:, :2] for polygon in polygons]


def area(geometry: dict) -> float:
    """A shape's area in square degrees (its outer rings'): to rank shapes by size."""
    return sum(_area(ring) for ring in _rings(geometry))


def _area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _inside(points: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """Even-odd rule, all points against all edges at once."""
    x, y = points[:, :1], points[:, 1:]
    x0, y0 = ring[:-1, 0][None, :], ring[:-1, 1][None, :]
    x1, y1 = ring[1:, 0][None, :], ring[1:, 1][None, :]
    crosses = (y0 > y) != (y1 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        at = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
    return (crosses & (x < at)).sum(axis=1) % 2 == 1


def _edge_distance(points: np.ndarray, ring: np.ndarray, scale: float) -> np.ndarray:
    """Distance of each point to the ring's nearest edge (x scaled by cos(lat))."""
    p = points[:, None, :] * [scale, 1.0]
    a, b = ring[:-1][None, :, :] * [scale, 1.0], ring[1:][None, :, :] * [scale, 1.0]
    ab = b - a
    length = np.maximum((ab**2).sum(axis=2), 1e-18)
    u = np.clip(((p - a) * ab).sum(axis=2) / length, 0, 1)
    nearest = a + u[..., None] * ab
    return np.sqrt(((p - nearest) ** 2).sum(axis=2)).min(axis=1)


def label_point(geometry: dict, grid: int = 24) -> tuple[float, float]:
    """Where a shape's label goes: the point of its largest part farthest from its edges
    (on a grid), so that a label sits inside a crescent- or L-shaped district, where the
    centroid may fall outside.  Written here because the shapes are small and fixed and
    no geometry library is needed for anything else."""
    ring = max(_rings(geometry), key=_area)
    if len(ring) > 240:  # a label needs no survey-grade outline
        ring = np.vstack([ring[:: len(ring) // 200], ring[:1]])
    lon0, lat0 = ring.min(axis=0)
    lon1, lat1 = ring.max(axis=0)
    xs, ys = np.linspace(lon0, lon1, grid), np.linspace(lat0, lat1, grid)
    points = np.array([(x, y) for x in xs for y in ys])
    inside = points[_inside(points, ring)]
    if not len(inside):
        return float(ring[:, 0].mean()), float(ring[:, 1].mean())
    scale = float(np.cos(np.radians((lat0 + lat1) / 2)))
    best = inside[int(np.argmax(_edge_distance(inside, ring, scale)))]
    return float(best[0]), float(best[1])


@lru_cache(maxsize=8)
def shape_names(layer: str, province_key: str) -> dict[str, str]:
    """Key → name of a layer's shapes (the boundary file's names)."""
    shapes = boundaries(layer, province_key)
    return {f["properties"]["key"]: f["properties"]["name"] for f in shapes["features"]} if shapes else {}


@lru_cache(maxsize=8)
def label_points(layer: str, province_key: str) -> dict[str, tuple[float, float]]:
    """Label positions of a layer's shapes (computed once per process)."""
    shapes = boundaries(layer, province_key)
    if shapes is None:
        return {}
    return {f["properties"]["key"]: label_point(f["geometry"]) for f in shapes["features"]}


def district_communes_2025(
    units: pd.DataFrame, registry: pd.DataFrame, district_key: str
) -> tuple[pd.DataFrame, dict] | None:
    """The 2025 communes a district's (older) communes became, with their figures summed
    from that district's communes only (`units`: a snapshot's unit table; `registry`: the
    store's units, which know each commune's district and province), and their
    boundaries; None when no boundary is known.  A 2025 commune made partly of another
    district's communes is marked `partial` by `map_units`."""
    members = registry[registry["district_key"].astype(str) == str(district_key)]
    communes = units[(units["level"] == "commune") & units["key"].isin(members["key"])]
    if communes.empty or not members["province_key"].notna().any():
        return None
    shapes = boundaries("commune_2025", str(members["province_key"].dropna().iloc[0]))
    if shapes is None:
        return None
    figures = map_units(communes, "commune_2025")
    shapes["features"] = [f for f in shapes["features"] if f["properties"]["key"] in set(figures["key"])]
    if not shapes["features"]:
        return None
    return figures, shapes


def land_mask(features: list, frame: tuple[float, float, float, float], cells: int = 160):
    """Where the shapes lie within `frame` (x0, y0, x1, y1), on a grid of `cells` columns:
    a function telling whether a box (x0, y0, x1, y1) touches any shape.  For a label
    moved away from its point, which is read as the shape's it lies on; each shape is tested
    only on the grid points within its bounding box."""
    x0, y0, x1, y1 = frame
    step = (x1 - x0) / cells
    xs = np.arange(x0, x1 + step, step)
    ys = np.arange(y0, y1 + step, step)
    land = np.zeros((len(ys), len(xs)), dtype=bool)
    for feature in features:
        for ring in _rings(feature["geometry"]):
            (rx0, ry0), (rx1, ry1) = ring.min(axis=0), ring.max(axis=0)
            ci = np.nonzero((xs >= rx0) & (xs <= rx1))[0]
            ri = np.nonzero((ys >= ry0) & (ys <= ry1))[0]
            if not len(ci) or not len(ri):
                continue
            grid = np.array([(xs[c], ys[r]) for r in ri for c in ci])
            land[np.ix_(ri, ci)] |= _inside(grid, ring).reshape(len(ri), len(ci))

    def touches(box) -> bool:
        c0, c1 = np.searchsorted(xs, box[0]), np.searchsorted(xs, box[2], side="right")
        r0, r1 = np.searchsorted(ys, box[1]), np.searchsorted(ys, box[3], side="right")
        return bool(land[r0:r1, c0:c1].any())

    return touches
