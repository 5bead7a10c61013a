"""The "shinkai" v3 teacher: a painted anime background, drawn on the cel v3 machinery.

The bundled shinkai (v2) filters the photo and judges called it "a smoothed photo". v3 draws it
the way a Makoto Shinkai background is painted, in CIE Lab, from cel v3's parts:

1. structure - cel v3's bilateral + L0 patches: texture out, foliage into clumps, water and snow
               into fills
2. light     - cel v3's tones per patch (shadow / base / light), but lit: shadows cool teal-blue,
               light warm; greens get deeper shadows, so foliage reads as painted clumps
3. sky       - cel v3's sky finder, repainted as a designed gradient (deep blue at the top, pale
               near the horizon, the photo's own hue kept a little so a sunset stays warm), its
               clouds bright and crisp with a warm lit side and a soft lavender shade, and a warm
               glow near the horizon and round the sun
4. ink       - cel v3's lines, fewer and thinner (only borders of large, clearly different patches):
               Shinkai backgrounds are painted, mostly without outlines
5. palette   - cel v3's stretch (rich darks, no grey haze), then rich colour: blues and greens
               more saturated than the rest, a warm-highlight / teal-shadow grade, a soft bloom of
               the brightest light

Dense filters and global solves only: a one-pixel shift of the photo shifts the painting.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

from training.data.filters import to_uint8
from training.teacher.cel import from_lab
from training.teacher.cel_v3 import (
    Boxes,
    CelV3Params,
    blend_sky,
    cloud_cover,
    coarse_structure,
    find_sky,
    fitted_sky_gradient,
    high_parts_touching_top,
    ink,
    inked,
    local_texture,
    palette,
    patches_and_tones,
    with_drawn_faces,
    with_enclosed_holes,
)
from training.teacher.shinkai import hue_weights


@dataclass(frozen=True)
class ShinkaiV3Params(CelV3Params):
    """cel v3's parameters with a painter's defaults, and the light and sky a Shinkai frame has."""

    # fewer, thinner, softer lines than cel: only the borders of large patches that differ clearly
    ink_threshold: float = 7.0
    ink_full: float = 13.0
    ink_gain: float = 2.2
    ink_sigma: float = 0.7
    ink_min_length: int = 40
    coarse_lambda: float = 0.03
    ink_lightness: float = 0.6
    ink_chroma: float = 0.9
    # light: tones per patch, shadows cool, light warm
    shadow_depth: float = 12.0
    shadow_blue: float = 8.0  # b* taken from shadows (toward blue)
    shadow_teal: float = 4.0  # a* taken from shadows (toward teal)
    light_lift: float = 9.0
    light_warm: float = 7.0  # b* added to the light tone (toward a warm yellow)
    foliage_shadow: float = 6.0  # extra L units of shadow on greens: clumps with a dark side
    # the painted sky: (L, a*, b*) at the top of the picture and at the horizon
    # painted sky, (L, a*, b*) at the top of the picture, part way down (``sky_middle_at`` of the
    # way to the horizon) and at the horizon: deep azure, a bright cerulean, a pale cyan-white
    zenith: tuple[float, float, float] = (46.0, 6.0, -58.0)
    sky_middle: tuple[float, float, float] = (66.0, -3.0, -43.0)
    horizon: tuple[float, float, float] = (90.0, -6.0, -10.0)
    sky_middle_at: float = 0.55
    sky_hue_kept: float = 0.25  # share of the photo's own sky hue kept (a sunset stays warm)
    day_sky: float = 100.0  # L + 1.5 chroma (photo) of the clear sky at and above which it is painted as day
    night_sky_light: float = 0.5  # the darkest a dusk or night sky is painted, as a share of the day's L
    horizon_glow: float = 10.0  # b* (warm) added just above the horizon
    cloud_lit: tuple[float, float, float] = (98.0, 1.0, 6.0)  # sunlit side: white, a touch warm
    cloud_mid: tuple[float, float, float] = (91.0, 2.0, -5.0)
    cloud_shade: tuple[float, float, float] = (76.0, 3.0, -18.0)  # the soft lavender-blue underside
    cloud_light: float = 66.0  # L (photo) above which a low-chroma area next to the sky may be cloud
    cloud_texture: float = 14.0  # L units of local deviation under which it may be (clouds are textured)
    sky_min_share: float = 0.06  # of the picture: less blue sky than this is left as drawn (cel: 0.03)
    sky_texture: float = 8.0  # a little rougher than cel's 6: streaky skies count
    cloud_tone_span: float = 12.0  # L units of the photo's cloud that go from shade to lit
    # colour
    saturation: float = 1.35
    blue_saturation: float = 1.3  # on top of ``saturation``, for blue hues (skies, water)
    green_saturation: float = 1.1  # ... and greens (foliage)
    highlight_warm: float = 8.0  # b* toward yellow in the highlights
    shadow_cool: float = 9.0  # b* toward blue (and half as much a* toward teal) in the shadows
    bloom_threshold: float = 90.0  # L above which light glows
    bloom_sigma: float = 12.0  # px
    bloom_strength: float = 0.35
    midtone_gamma: float = 0.8
    haze: float = 32.0  # L: a photo whose darkest paint is this light is hazy; its darks become rich (cel: 20)


# cel-v3-crisp's pen lines on the painting: more of them (lower thresholds), thin, darker, with
# harder tone borders (docs/shinkai_v3.md)
CRISP = replace(
    ShinkaiV3Params(), ink_width=1.4, ink_lightness=0.3, ink_chroma=0.7, ink_threshold=5.0, ink_full=10.0, ink_min_length=30, tone_sharpness=6.0
)
FACES = replace(CRISP, draw_faces=True)  # ... and faces drawn the anime way (vidanime/anime_face.py)
PEOPLE = replace(FACES, more_faces=True)  # ... and the faces a strict detector misses (cel_v3.PEOPLE)


def shinkai_sky(lab: np.ndarray, faces: np.ndarray, boxes: Boxes, p: ShinkaiV3Params) -> np.ndarray:
    """cel v3's sky, widened the way a background painter sees it: a deep blue too dark for cel's
    finder (a clear high-altitude sky) counts, and so do the clouds on it, even where they run
    off the picture's side or sit on the mountains (cel takes only clouds enclosed by blue). A
    cloud is never larger than the blue it sits on and never on a face: white hair beside a
    patch of sky is no cumulus."""
    h, w = lab.shape[:2]
    L, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    texture = local_texture(L)
    sky = find_sky(lab, p, boxes) > 0.5
    deep = ((b < -10) & (a < -0.6 * b) & (L > 12) & (texture < p.sky_texture)).astype(np.uint8)
    for region in high_parts_touching_top(deep):
        sky |= region
    sky &= faces < 0.1
    if sky.sum() < p.sky_min_share * h * w:  # a few blue patches of a portrait's background are no sky to paint
        return np.zeros((h, w), np.float32)
    pale = ((L > p.cloud_light) & (np.hypot(a, b) < 22) & (texture < p.cloud_texture) & (faces < 0.1) & ~sky).astype(np.uint8)
    pale = cv2.morphologyEx(pale, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    near_sky = cv2.dilate(sky.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    _, comp, stats, _ = cv2.connectedComponentsWithStats(pale, connectivity=4)
    upper = np.bincount(comp[: int(0.6 * h)].ravel(), minlength=len(stats))
    touching = np.bincount(comp[near_sky].ravel(), minlength=len(stats))
    bottom = stats[:, cv2.CC_STAT_TOP] + stats[:, cv2.CC_STAT_HEIGHT] >= h
    area = stats[:, cv2.CC_STAT_AREA]
    cloud = (touching > 0) & (upper >= 0.85 * area) & (area <= sky.sum()) & ~bottom
    cloud[0] = False
    return with_enclosed_holes(sky | cloud[comp])


def lit_tones(flat: np.ndarray, shadow: np.ndarray, light: np.ndarray, green: np.ndarray, p: ShinkaiV3Params) -> np.ndarray:
    """The patches with their shadow and light tones painted in: shadows cool, light warm."""
    drawn = flat.copy()
    drawn[..., 0] += -(p.shadow_depth + p.foliage_shadow * green) * shadow + p.light_lift * light
    drawn[..., 1] -= p.shadow_teal * shadow
    drawn[..., 2] += -p.shadow_blue * shadow + p.light_warm * light
    return drawn


def mix(low: tuple[float, float, float], high: tuple[float, float, float], t: np.ndarray) -> np.ndarray:
    """(H, W, 3) Lab colours from ``low`` (t = 0) to ``high`` (t = 1)."""
    lo, hi = np.asarray(low, np.float32), np.asarray(high, np.float32)
    return (lo + (hi - lo) * t[..., None]).astype(np.float32)


def sky_gradient(t: np.ndarray, p: ShinkaiV3Params) -> np.ndarray:
    """The designed sky colour at depth ``t`` (0 top, 1 horizon): zenith, middle, horizon stops."""
    at = (0.0, p.sky_middle_at, 1.0)
    stops = np.array([p.zenith, p.sky_middle, p.horizon], np.float32)
    return np.stack([np.interp(t, at, stops[:, c]) for c in range(3)], axis=-1).astype(np.float32)


def horizon_depth(sky: np.ndarray) -> np.ndarray:
    """0 at the top of the picture, 1 at the sky's lowest rows (its horizon), per pixel."""
    h, w = sky.shape
    rows = np.nonzero(sky.max(axis=1) > 0.5)[0]
    bottom = max(float(np.percentile(rows, 97)), 1.0)  # a lone tall sky pixel must not set the horizon
    t = np.clip(np.arange(h, dtype=np.float32) / bottom, 0.0, 1.0)
    return np.repeat(t[:, None], w, axis=1)


def daylight(clear_sky: np.ndarray, p: ShinkaiV3Params) -> float:
    """How much of the day's light the painted sky gets (``night_sky_light``..1), from the photo's
    clear-sky Lab pixels (N, 3): a deep blue day sky is dark but saturated, a night sky dark and dull."""
    L, chroma = np.median(clear_sky[:, 0]), np.median(np.hypot(clear_sky[:, 1], clear_sky[:, 2]))
    return float(np.clip((L + 1.5 * chroma) / p.day_sky, p.night_sky_light, 1.0))


def paint_shinkai_sky(lab: np.ndarray, drawn: np.ndarray, sky: np.ndarray, p: ShinkaiV3Params) -> np.ndarray:
    """The sky as a painter does it: a deep-to-pale gradient, lit clouds, a warm glow low down."""
    smooth = cv2.GaussianBlur(lab, (0, 0), 2.0)
    L = smooth[..., 0]
    clear = fitted_sky_gradient(smooth, sky > 0.5)
    t = horizon_depth(sky)
    gradient = sky_gradient(t, p)
    gradient[..., 1:] += p.sky_hue_kept * (clear[..., 1:] - gradient[..., 1:])
    gradient[..., 0] *= daylight(clear[sky > 0.5], p)  # a dusk or night sky stays dark
    gradient[..., 2] += p.horizon_glow * t**6
    # clouds: the photo's own cloud lightness decides lit / mid / shade, in soft painted steps
    cloud = cloud_cover(L, clear[..., 0], sky, p.cloud_step)
    body = (cv2.GaussianBlur(L, (0, 0), 3.0) - clear[..., 0] - p.cloud_step) / p.cloud_tone_span
    lit = 0.5 + 0.5 * np.tanh(4.0 * (body - 1.0))
    mid = 0.5 + 0.5 * np.tanh(4.0 * (body - 0.35))
    colour = mix(p.cloud_shade, p.cloud_mid, mid)
    colour = colour + lit[..., None] * (mix(p.cloud_mid, p.cloud_lit, np.ones_like(lit)) - colour)
    colour[..., 0] *= np.sqrt(daylight(clear[sky > 0.5], p))
    colour[..., 2] += 0.5 * p.horizon_glow * t**6 * lit  # clouds low down catch the warm light
    painted = gradient + cloud[..., None] * (colour - gradient)
    return blend_sky(painted, drawn, sky)


def colour_grade(lab: np.ndarray, p: ShinkaiV3Params) -> np.ndarray:
    """Rich colour and crisp light: blues and greens deeper, warm highlights, teal shadows, bloom."""
    out = lab.copy()
    blue, green, _ = hue_weights(lab[..., 1], lab[..., 2])
    gain = 1.0 + (p.blue_saturation - 1.0) * blue + (p.green_saturation - 1.0) * green
    out[..., 1:] *= gain[..., None]
    tone = np.clip(lab[..., 0] / 100.0, 0.0, 1.0)
    out[..., 2] += p.highlight_warm * tone**3 - p.shadow_cool * (1.0 - tone) ** 2
    out[..., 1] -= 0.5 * p.shadow_cool * (1.0 - tone) ** 2
    bloom = p.bloom_strength * cv2.GaussianBlur(np.maximum(lab[..., 0] - p.bloom_threshold, 0.0), (0, 0), p.bloom_sigma)
    out[..., 0] = np.minimum(out[..., 0] + bloom, 100.0)
    out[..., 2] += 0.5 * bloom  # the glow is warm light
    return out


def shinkai_v3_shade(image: np.ndarray, params: ShinkaiV3Params | None = None) -> np.ndarray:
    """uint8 RGB (H, W, 3) -> a painted uint8 RGB background of the same size."""
    p = params or ShinkaiV3Params()
    lab, boxes, faces, flat, shadow, light = patches_and_tones(image, p)
    _, green, _ = hue_weights(flat[..., 1], flat[..., 2])
    drawn = colour_grade(palette(lit_tones(flat, shadow, light, green, p), p, p.haze), p)
    sky = shinkai_sky(lab, faces, boxes, p) if p.sky else np.zeros(lab.shape[:2], np.float32)
    if sky.any():  # painted after the grade: its colours are the painter's, final
        drawn = paint_shinkai_sky(lab, drawn, sky, p)
    drawn, lines = with_drawn_faces(image, lab, boxes, drawn, ink(coarse_structure(flat, faces, p), p, sky), p)
    return to_uint8(from_lab(inked(drawn, lines, p)))
