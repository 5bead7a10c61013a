"""How a stylised picture compares with its photo: detail kept, lines drawn, artefacts made.

The five figures of the style issue, on grey (luma) images, each with one fixed definition so
numbers from different runs compare:

* fine detail    mean |x - Gaussian(x, sigma 1.5)|, output / input, at long side 512
* strong edges   share of pixels with Sobel magnitude > 40, output / input, at long side 512
* specks / MP    8-connected dark components (luma < median - 40) of <= 12 px, per megapixel, at 768
* false contours share of pixels where the input is smooth (Sobel of the sigma-1 blurred input < 6,
                 eroded 5x5) and the output has a step (Sobel > 24), at 768
* black lift     1st-percentile luma, output - input, at 768
* SSIM to photo  mean structural similarity (Wang et al. 2004: Gaussian window sigma 1.5,
                 K1 0.01, K2 0.03) of the grey output to the grey photo, at long side 512: near 1
                 means the photo came back filtered, not redrawn

and two descriptive ones: colour flatness (share of pixels whose 5x5 colour spread is under 3
levels: flat fills) and line coverage (share of pixels 40+ levels darker than their 5x5 closing:
thin dark strokes). Reported, not judged: both reward some looks over others.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

DETAIL_SIDE = 512
ARTEFACT_SIDE = 768


@dataclass(frozen=True)
class StyleFigures:
    fine_detail: float  # ratio output / input
    strong_edges: float  # ratio output / input
    specks_per_mp: float
    false_contours_pct: float
    black_lift: float
    colour_flatness: float  # share of pixels, output
    line_coverage: float  # share of pixels, output
    ssim_to_photo: float

    def as_dict(self) -> dict[str, float]:
        return {k: round(float(v), 4) for k, v in asdict(self).items()}


# The guards of the drawn look (cel v3): changed, not filtered (SSIM), not mush (strong edges), and
# none of the known artefacts. The look itself is judged by eye (docs/judging); `eval style --json`
# reports pass / fail against these.
TARGETS: dict[str, tuple[str, float]] = {
    "ssim_to_photo": ("<=", 0.85),
    "strong_edges": (">=", 0.60),
    "specks_per_mp": ("<=", 500.0),
    "false_contours_pct": ("<=", 0.10),
    "black_lift_abs": ("<=", 8.0),
}
# cel v2's targets (keep the photo's detail): the light "beautify" look of cel-v2 is measured by them.
V2_TARGETS: dict[str, tuple[str, float]] = {
    "fine_detail": (">=", 0.80),
    "strong_edges": (">=", 0.85),
    "specks_per_mp": ("<=", 500.0),
    "false_contours_pct": ("<=", 0.10),
    "black_lift_abs": ("<=", 8.0),
}


def at_long_side(image: np.ndarray, side: int) -> np.ndarray:
    h, w = image.shape[:2]
    s = side / max(h, w)
    if abs(s - 1.0) < 1e-6:
        return image
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)


def luma(rgb: np.ndarray) -> np.ndarray:
    """Rec. 601 luma, float32 in 0..255."""
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)


def sobel_magnitude(grey: np.ndarray) -> np.ndarray:
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_REFLECT)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_REFLECT)
    return np.sqrt(gx * gx + gy * gy)


def fine_detail(grey: np.ndarray) -> float:
    return float(np.abs(grey - cv2.GaussianBlur(grey, (0, 0), 1.5, borderType=cv2.BORDER_REFLECT)).mean())


def strong_edge_share(grey: np.ndarray) -> float:
    return float((sobel_magnitude(grey) > 40).mean())


def specks_per_mp(grey: np.ndarray) -> float:
    dark = (grey < np.median(grey) - 40).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    small = int((stats[1:, cv2.CC_STAT_AREA] <= 12).sum()) if n > 1 else 0
    return small / (grey.size / 1e6)


def false_contour_share(grey_in: np.ndarray, grey_out: np.ndarray) -> float:
    smooth = sobel_magnitude(cv2.GaussianBlur(grey_in, (0, 0), 1.0, borderType=cv2.BORDER_REFLECT)) < 6
    smooth = cv2.erode(smooth.astype(np.uint8), np.ones((5, 5), np.uint8), borderType=cv2.BORDER_REFLECT).astype(bool)
    return float((smooth & (sobel_magnitude(grey_out) > 24)).mean())


def colour_flatness(rgb: np.ndarray) -> float:
    x = rgb.astype(np.float32)
    mean = cv2.blur(x, (5, 5))
    var = cv2.blur(x * x, (5, 5)) - mean * mean
    return float((np.sqrt(np.maximum(var, 0)).max(axis=2) < 3).mean())


def line_coverage(grey: np.ndarray) -> float:
    closed = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    return float((closed - grey > 40).mean())


def ssim(grey_a: np.ndarray, grey_b: np.ndarray) -> float:
    """Mean SSIM of two grey images in 0..255 (Gaussian window, sigma 1.5)."""
    a, b = grey_a.astype(np.float64), grey_b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(x: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(x, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)

    mu_a, mu_b = blur(a), blur(b)
    var_a, var_b, cov = blur(a * a) - mu_a**2, blur(b * b) - mu_b**2, blur(a * b) - mu_a * mu_b
    index = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return float(index.mean())


def style_figures(photo: np.ndarray, output: np.ndarray) -> StyleFigures:
    """All figures for one (photo, stylised output) pair of uint8 RGB images."""
    if output.shape[:2] != photo.shape[:2]:
        output = cv2.resize(output, (photo.shape[1], photo.shape[0]), interpolation=cv2.INTER_AREA)
    p5, o5 = luma(at_long_side(photo, DETAIL_SIDE)), luma(at_long_side(output, DETAIL_SIDE))
    p7_rgb, o7_rgb = at_long_side(photo, ARTEFACT_SIDE), at_long_side(output, ARTEFACT_SIDE)
    p7, o7 = luma(p7_rgb), luma(o7_rgb)
    return StyleFigures(
        fine_detail=fine_detail(o5) / max(fine_detail(p5), 1e-6),
        strong_edges=strong_edge_share(o5) / max(strong_edge_share(p5), 1e-6),
        specks_per_mp=specks_per_mp(o7),
        false_contours_pct=100.0 * false_contour_share(p7, o7),
        black_lift=float(np.percentile(o7, 1) - np.percentile(p7, 1)),
        colour_flatness=colour_flatness(o7_rgb),
        line_coverage=line_coverage(o7),
        ssim_to_photo=ssim(p5, o5),
    )


def medians(figures: list[StyleFigures]) -> dict[str, float]:
    """Median of every figure over a set of images."""
    if not figures:
        return {}
    rows = [f.as_dict() for f in figures]
    return {k: round(float(np.median([r[k] for r in rows])), 4) for k in rows[0]}


def check_targets(summary: dict[str, float], targets: dict[str, tuple[str, float]] | None = None) -> dict[str, dict[str, object]]:
    """Each target (the v3 guards unless told): the measured median, the bound, and whether it is met."""
    values = dict(summary)
    if "black_lift" in values:
        values["black_lift_abs"] = abs(values["black_lift"])
    out: dict[str, dict[str, object]] = {}
    for key, (op, bound) in (TARGETS if targets is None else targets).items():
        if key in values:
            v = values[key]
            out[key] = {"value": v, "target": f"{op} {bound:g}", "met": v >= bound if op == ">=" else v <= bound}
    return out
