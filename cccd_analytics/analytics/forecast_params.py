"""The forecaster's parameters: what the ``drain`` model runs with and where they live.

``ForecastParams`` is written by ``backtest.calibrate`` (through ``cccd backtest --save``)
to ``PARAMS_FILE``; ``load_params`` reads it back for the product.  The difficulty
features the predictive distribution's spread may use (``SPREADS``) are named here, so
the file can be checked against them when it is read.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

#: The difficulty features the predictive distribution's spread may use (the calibration
#: chooses coefficients for those named in ForecastParams.spread_features).  Each is
#: known on the day of the forecast.
SPREADS = {
    # how far the drain model's time departs from the steady pace's (the ruler's): the
    # two agree before a slowdown shows, when *when* it will come is the big unknown
    "disagreement": "|log(model time / ruler time)|",
    # a unit slowing while its campaign does not, or the reverse: the pooled evidence
    # and the unit's own say different things
    "out_of_step": "|log(unit phase / campaign phase)|",
}
#: Phases below this count as this (a stalled unit's phase is 0; its log is not useful).
PHASE_FLOOR = 0.05

PARAMS_FILE = Path(__file__).resolve().parents[1] / "data" / "forecast_params.json"


@dataclass(frozen=True)
class ForecastParams:
    """Everything the ``drain`` model runs with.  The product reads them from
    ``PARAMS_FILE``, which ``backtest.calibrate`` writes; nothing else sets them."""

    #: pace: weeks averaged, spike cap against the median of the last four weeks
    pace_weeks: int = 3
    spike_cap: float = 2.0
    #: slowdown: tail as a share of the peak 28-day pace, drain time constant (working
    #: days), and how far below its peak a pace must be for full evidence (1 - span)
    tail_share: float = 0.1
    drain_days: float = 28.0
    evidence_span: float = 0.5
    #: calibration of the median: log(model / ruler) + b0 + b1 * log1p(model days / 7),
    #: times ``shrink`` (0 = the robust ruler, 1 = the calibrated model)
    b0: float = 0.0
    b1: float = 0.0
    shrink: float = 0.6
    #: split-conformal predictive distribution: log(actual / median) = spread x s, where
    #: s has the quantiles ``quantiles`` at ``probs`` (one row per horizon bin: median
    #: days up to each edge, the last open; no edges, one row) and the spread of a unit
    #: is exp(sum of ``spread_coef`` x its difficulty features, each clipped to
    #: [0, ``spread_clip``]); the features are named in ``spread_features`` (SPREADS)
    bin_edges: tuple[float, ...] = ()
    probs: tuple[float, ...] = (0.1, 0.5, 0.9)
    quantiles: tuple[tuple[float, ...], ...] = ((-0.5, 0.0, 0.8),)
    spread_features: tuple[str, ...] = ()
    spread_coef: tuple[float, ...] = ()
    spread_clip: tuple[float, ...] = ()
    #: where the numbers came from (campaigns, thresholds, date); not used by the maths
    provenance: dict = field(default_factory=dict, compare=False)

    def to_json(self) -> dict:
        out = asdict(self)
        for key in ("bin_edges", "probs", "spread_features", "spread_coef", "spread_clip"):
            out[key] = list(getattr(self, key))
        out["quantiles"] = [list(q) for q in self.quantiles]
        return out

    @classmethod
    def from_json(cls, data: dict) -> ForecastParams:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown forecast parameters: {sorted(unknown)}")
        data = dict(data)
        for key in ("bin_edges", "probs", "spread_coef", "spread_clip"):
            if key in data:
                data[key] = tuple(float(x) for x in data[key])
        if "spread_features" in data:
            data["spread_features"] = tuple(str(x) for x in data["spread_features"])
        if "quantiles" in data:
            data["quantiles"] = tuple(tuple(float(x) for x in q) for q in data["quantiles"])
        params = cls(**data)
        params.check()
        return params

    def check(self) -> None:
        if len(self.quantiles) != len(self.bin_edges) + 1:
            raise ValueError("one row of quantiles per horizon bin is needed")
        probs = np.asarray(self.probs)
        if np.any(np.diff(probs) <= 0) or probs[0] <= 0 or probs[-1] >= 1:
            raise ValueError("probs must rise strictly inside (0, 1)")
        for row in self.quantiles:
            if len(row) != len(probs) or np.any(np.diff(row) < 0):
                raise ValueError("each row of quantiles must rise, one value per prob")
        for p in (0.1, 0.9):
            if not np.any(np.isclose(probs, p)):
                raise ValueError("probs must include 0.1 and 0.9 (the 80% range)")
        unknown = set(self.spread_features) - set(SPREADS)
        if unknown:
            raise ValueError(f"unknown spread features: {sorted(unknown)}; known: {sorted(SPREADS)}")
        if not len(self.spread_features) == len(self.spread_coef) == len(self.spread_clip):
            raise ValueError("one coefficient and one clip per spread feature")
        if any(c <= 0 for c in self.spread_clip):
            raise ValueError("spread clips must be > 0")


@functools.lru_cache(maxsize=4)
def _read_params(path: str, mtime: float) -> ForecastParams:
    return ForecastParams.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def load_params(path: Path | str = PARAMS_FILE) -> ForecastParams:
    """The calibrated parameters the product runs with (re-read when the file changes)."""
    path = Path(path)
    return _read_params(str(path), path.stat().st_mtime)
