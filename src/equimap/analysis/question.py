"""An access question: residents beyond a time threshold from a service category by one travel mode."""

from __future__ import annotations

import math
from dataclasses import dataclass

from equimap import settings
from equimap._errors import DataError
from equimap.region.manifest import Region
from equimap.settings import Mode


@dataclass(frozen=True)
class Question:
    """One access question: residents beyond `threshold_min` minutes from `category` by `mode`."""

    mode: Mode
    category: str
    threshold_min: float

    @property
    def key(self) -> str:
        """Return the column prefix of this analysis, e.g. ``"walk_health_15min"``."""
        return f"{self.mode}_{self.category}_{self.threshold_min:g}min".replace(".", "_")

    @property
    def threshold_s(self) -> float:
        """Return the threshold in seconds."""
        return 60.0 * self.threshold_min

    def col(self, name: str) -> str:
        """Return the name of this analysis' column `name` (``"walk_health_15min_beyond_T"``)."""
        return f"{self.key}_{name}"


#: The report's default questions: health services on foot in 15 min, a hospital by car in 20 min.
DEFAULT_ANALYSES: tuple[Question, ...] = (
    Question("walk", "health", 15.0),
    Question("drive", "hospital_official", 20.0),
)


def region_analyses(region: Region) -> tuple[Question, ...]:
    """Return a region's default questions: its manifest's ``default_analyses``, else ones it can answer.

    The fallback is health services on foot in 15 minutes, and by car in 20 minutes the
    region's first official list (``[[services]]``) if it has one, else hospitals of the
    map (the taxonomy's ``hospital``). Malta's fallback is :data:`DEFAULT_ANALYSES`.
    """
    if region.analyses:
        return tuple(parse_analysis(s) for s in region.analyses)
    drive = region.services[0].key if region.services else "hospital"
    return (Question("walk", "health", 15.0), Question("drive", drive, 20.0))


def parse_analysis(spec: str) -> Question:
    """Return the analysis written ``MODE:CATEGORY:MINUTES`` (``"walk:health:15"``)."""
    parts = spec.split(":")
    ok = len(parts) == 3 and parts[0] in settings.MODES and parts[1] != ""
    minutes = math.nan
    if ok:
        try:
            minutes = float(parts[2])
        except ValueError:
            ok = False
    if not ok or not (math.isfinite(minutes) and minutes > 0):
        msg = f"Question `{spec}` is not MODE:CATEGORY:MINUTES with MODE one of {list(settings.MODES)}; write e.g. `walk:health:15`."
        raise DataError(msg)
    return Question(parts[0], parts[1], minutes)  # type: ignore[arg-type]
