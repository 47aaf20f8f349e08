"""Map geometry for small offline maps: sites placed on a plane from their coordinates.

Pure; no tiles and no requests: the pages draw sites as dots on an SVG in this projection.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Box:
    width: float
    height: float
    pad: float = 20.0


def project(points: Sequence[tuple[float, float]], box: Box) -> list[tuple[float, float]]:
    """Place ``(latitude, longitude)`` points in ``box`` (x to the east, y to the south).

    An equirectangular projection around the points' mean latitude (east–west distances shrink
    by its cosine), scaled to fit inside the box's padding with the aspect kept, and centred.

    Args:
        points: latitudes and longitudes in degrees.
        box: the drawing's size and padding.

    Returns:
        One ``(x, y)`` per point, in order; a single point (or all at one place) sits in the
        middle; no points give an empty list.
    """
    if not points:
        return []
    mean_lat = sum(lat for lat, _ in points) / len(points)
    k = math.cos(math.radians(mean_lat))
    xs = [lon * k for _, lon in points]
    ys = [-lat for lat, _ in points]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    inner_w, inner_h = box.width - 2 * box.pad, box.height - 2 * box.pad
    scale = min(
        inner_w / span_x if span_x else math.inf,
        inner_h / span_y if span_y else math.inf,
    )
    if math.isinf(scale):
        return [(box.width / 2, box.height / 2) for _ in points]
    off_x = box.pad + (inner_w - span_x * scale) / 2
    off_y = box.pad + (inner_h - span_y * scale) / 2
    return [
        (round(off_x + (x - min(xs)) * scale, 1), round(off_y + (y - min(ys)) * scale, 1))
        for x, y in zip(xs, ys, strict=True)
    ]
