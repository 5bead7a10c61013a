"""The "cel" v3 teacher: a renderer that draws the photo instead of filtering it.

v2 kept the photo's fine detail and judges rated it a smoothed photo (1.7 of 10). v3 throws the
texture away and redraws what is left, in CIE Lab:

1. structure - bilateral passes, then L0 gradient smoothing (Xu et al. 2011): texture goes, the
               picture becomes flat patches with sharp borders (foliage into clumps, ground,
               water and snow into fills)
2. colour    - each patch keeps its own flat colour; lightness inside it is drawn in up to three
               cel tones (shadow / base / light) from the smoothed photo's shading, so a face or
               a wall gets a shadow shape, not a gradient
3. sky       - sky found from colour, brightness, low texture and connection to the top edge is
               repainted: a smooth vertical gradient with flat, crisp clouds and a light shade
4. ink       - lines only where two patches of clearly different colour meet (never from the
               photo's texture), anti-aliased, short fragments dropped, dark in the patch's own hue
5. palette   - blacks pulled down, saturation up, no grey haze

All steps are dense filters or global solves on the whole picture (no tiles, no random seeds), so
a one-pixel shift of the photo shifts the drawing by one pixel, up to border effects.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Sequence

import cv2
import numpy as np
import scipy.fft as sfft

from training.data.filters import small_components, to_float, to_uint8
from training.teacher.cel import face_mask, from_lab, to_lab
from vidanime.anime_face import anime_faces, face_boxes, face_ovals, find_faces

Boxes = Sequence[tuple[int, int, int, int]]  # face boxes (x, y, w, h)


@dataclass(frozen=True)
class CelV3Params:
    pre_passes: int = 2  # bilateral passes before L0: noise and fine texture out
    pre_diameter: int = 7
    pre_sigma_colour: float = 14.0  # Lab units
    l0_lambda: float = 0.01  # L0 weight on non-zero gradients: larger = bigger, flatter patches
    l0_beta_max: float = 1e5
    l0_kappa: float = 2.0
    shape_median: int = 3  # px (3 or 5): median window after L0
    face_lambda: float = 0.004  # inside faces: smaller patches, so eyes and mouths survive
    tone_sigma: float = 4.0  # px, smoothing of the shading that decides the cel tones
    tone_step: float = 9.0  # L units of shading that switch a pixel to the shadow / light tone
    tone_sharpness: float = 3.0  # softness of the switch (anti-aliased tone borders)
    shadow_depth: float = 10.0  # L units the shadow tone sits below the patch's base
    shadow_blue: float = 4.0  # shadows lean cool (b* down), as painted shadows do
    light_lift: float = 7.0
    tone_min_area: int = 150  # px: smaller tone islands are painted over
    ink_threshold: float = 4.0  # Lab step across a coarse border that may continue a line
    ink_full: float = 8.0  # ... and that starts one
    ink_sigma: float = 0.8  # px: the anti-aliasing blur of the one-pixel line
    ink_gain: float = 3.5  # ... and its gain: lines about two and a half pixels wide, soft-edged
    ink_min_length: int = 24  # px: strokes shorter than this (bounding box) are dropped
    # px: > 0 traces each stroke, smooths it along its length (``ink_smooth``, px) and draws it at this
    # even width, as a pen would; 0 blurs the one-pixel edge instead (``ink_sigma``, ``ink_gain``)
    ink_width: float = 0.0
    ink_smooth: float = 2.5
    draw_faces: bool = False  # faces the frontal-face detector finds are drawn the anime way (anime_face)
    # also the faces a lenient detector pass finds with a pair of eyes (anime_face.face_boxes); and a
    # close-up (a face 0.2 of the picture's width or wider) gets no sky: its bright, soft background
    # is a backdrop, and painting its bluish bits as sky left blue blots around a head
    more_faces: bool = False
    coarse_lambda: float = 0.018  # L0 weight of the coarse picture the lines are drawn from
    face_coarse_lambda: float | None = None  # ... inside faces (None: face_lambda)
    ink_lightness: float = 0.45  # ink = patch colour with its L scaled by this (its own hue, dark)
    ink_chroma: float = 0.8
    sky: bool = True
    sky_texture: float = 6.0  # L units of local deviation under which a top region may be sky
    cloud_step: float = 6.0  # L units above the sky's gradient that make a cloud
    sky_a: float = -4.0  # the painted sky's hue (Lab a*, b*): a clear anime blue
    sky_b: float = -38.0
    saturation: float = 1.5
    midtone_gamma: float = 0.85  # < 1 lifts the mid tones: painted backgrounds are bright
    black_point: float = 0.8  # percentile of L pulled to the darkest paint
    ink_black: float = 6.0  # L of the darkest paint: rich, not crushed to pure black
    white_point: float = 99.7  # percentile of L pushed to near white

    def as_dict(self) -> dict[str, object]:
        """The parameters that shape the picture (teacher caches are keyed on them): the pen-stroke
        ones only while pen strokes are on, so pictures rendered before they existed stay valid."""
        params = asdict(self)
        if not self.ink_width:
            del params["ink_width"], params["ink_smooth"]
        if not self.draw_faces:
            del params["draw_faces"]
        if not self.more_faces:
            del params["more_faces"]
        return params


# Pen-drawn lines: thinner, darker, of even width, and harder tone borders (real anime frames have
# about twice the thin dark strokes of the default teacher's output; docs/cel_v3.md)
CRISP = CelV3Params(ink_width=1.6, ink_smooth=2.5, ink_lightness=0.2, ink_chroma=0.6, tone_sharpness=8.0)
# ... and faces drawn, not traced: eyes, brows, nose and mouth as pen shapes on two skin tones
FACES = replace(CRISP, draw_faces=True)
# ... and the faces a strict detector misses (a quarter of the judging photos' faces) found, drawn
# and kept from being flattened like a wall
PEOPLE = replace(FACES, more_faces=True)


def _gradient_otf(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Real-input Fourier transforms of the forward-difference kernels (circular), for the L0 solve."""
    h, w = shape
    fx = np.zeros((h, w), np.float32)
    fx[0, 0], fx[0, -1] = -1.0, 1.0
    fy = np.zeros((h, w), np.float32)
    fy[0, 0], fy[-1, 0] = -1.0, 1.0
    return sfft.rfft2(fx), sfft.rfft2(fy)


def l0_smooth(image: np.ndarray, lam: float | np.ndarray, beta_max: float = 1e5, kappa: float = 2.0) -> np.ndarray:
    """L0 gradient minimisation (Xu, Lu, Xu & Jia, SIGGRAPH Asia 2011) of an (H, W, C) float image.

    Keeps only gradients that pay for themselves: the result is piecewise flat with sharp steps.
    ``lam`` may be a per-pixel map (smaller inside faces). The image is mirror-padded so the
    circular FFT solve does not wrap one border onto the other; single-precision real FFTs.
    """
    pad = 16
    ih, iw = image.shape[:2]
    extra_h, extra_w = sfft.next_fast_len(ih + 2 * pad, real=True) - ih - pad, sfft.next_fast_len(iw + 2 * pad, real=True) - iw - pad
    x = cv2.copyMakeBorder(image, pad, extra_h, pad, extra_w, cv2.BORDER_REFLECT).reshape(ih + pad + extra_h, iw + pad + extra_w, -1)
    lam_map = np.broadcast_to(np.asarray(lam, np.float32), image.shape[:2])
    lam_map = cv2.copyMakeBorder(np.ascontiguousarray(lam_map), pad, extra_h, pad, extra_w, cv2.BORDER_REFLECT)
    h, w, _ = x.shape
    otf_x, otf_y = _gradient_otf((h, w))
    denom_grad = (np.abs(otf_x) ** 2 + np.abs(otf_y) ** 2)[..., None]
    cx, cy = np.conj(otf_x)[..., None], np.conj(otf_y)[..., None]
    f_image = sfft.rfft2(x, axes=(0, 1))
    s = x.copy()
    beta = 2.0 * float(lam_map.min())
    while beta < beta_max:
        gx = np.roll(s, -1, axis=1) - s
        gy = np.roll(s, -1, axis=0) - s
        keep = ((gx**2 + gy**2).sum(axis=2) > lam_map / beta)[..., None]
        gx *= keep
        gy *= keep
        numer = f_image + beta * (cx * sfft.rfft2(gx, axes=(0, 1)) + cy * sfft.rfft2(gy, axes=(0, 1)))
        s = sfft.irfft2(numer / (1.0 + beta * denom_grad), s=(h, w), axes=(0, 1)).astype(np.float32)
        beta *= kappa
    return s[pad : pad + ih, pad : pad + iw].reshape(image.shape)


def l0_lab(lab: np.ndarray, lam: float, face_lam: float, faces: np.ndarray, p: CelV3Params) -> np.ndarray:
    """L0 smoothing of a Lab picture, weight ``lam`` (``face_lam`` inside faces). Lab is divided by
    100 for the solve, so one weight fits lightness and colour alike."""
    weights = lam + (face_lam - lam) * faces
    return (l0_smooth((lab / 100.0).astype(np.float32), weights, p.l0_beta_max, p.l0_kappa) * 100.0).astype(np.float32)


def structure(lab: np.ndarray, p: CelV3Params, faces: np.ndarray) -> np.ndarray:
    """Flat patches with sharp borders: bilateral passes, L0 smoothing, a 3x3 median."""
    out = lab
    for _ in range(p.pre_passes):
        out = cv2.bilateralFilter(out, p.pre_diameter, p.pre_sigma_colour, p.pre_diameter / 2, borderType=cv2.BORDER_REFLECT)
    flat = l0_lab(out, p.l0_lambda, p.face_lambda, faces, p)
    # L0 keeps a lone outlier pixel whose contrast pays for its four edges: a median takes the specks
    # out, and a wider one rounds the patches' ragged borders into drawn shapes
    return cv2.medianBlur(flat, p.shape_median)


def cel_tones(flat: np.ndarray, shading: np.ndarray, p: CelV3Params) -> tuple[np.ndarray, np.ndarray]:
    """Lightness in up to three tones per patch: the patch's flat L, a shadow where the photo's
    smoothed shading is ``tone_step`` darker than the patch, a light tone where it is lighter."""
    dev = cv2.GaussianBlur(shading - flat, (0, 0), p.tone_sigma, borderType=cv2.BORDER_REFLECT)
    s = p.tone_sharpness
    shadow = 0.5 + 0.5 * np.tanh(s * (-dev - p.tone_step) / p.tone_step)
    light = 0.5 + 0.5 * np.tanh(s * (dev - p.tone_step) / p.tone_step)
    for mask in (shadow, light):  # islands of tone smaller than a brush stroke are painted over
        mask[small_components(mask > 0.5, p.tone_min_area)] = 0.0
    return shadow.astype(np.float32), light.astype(np.float32)


def high_parts_touching_top(mask: np.ndarray) -> list[np.ndarray]:
    """Components of a 0/1 uint8 mask (opened 5x5) that touch the top band and lie in the upper
    part of the picture: sky candidates, never a wall or road running down."""
    h = mask.shape[0]
    band = max(2, h // 50)
    opened = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    _, comp = cv2.connectedComponents(opened, connectivity=4)
    parts = [comp == label for label in np.unique(comp[:band][opened[:band] > 0])]
    return [r for r in parts if r[: int(0.6 * h)].sum() >= 0.85 * r.sum()]


def with_enclosed_holes(sky: np.ndarray) -> np.ndarray:
    """The sky with clouds and birds inside it: every non-sky component that touches neither the
    bottom nor a side and is small, all labels in one lookup (a 0/1 float mask)."""
    h, w = sky.shape
    _, holes, stats, _ = cv2.connectedComponentsWithStats((~sky).astype(np.uint8), connectivity=4)
    x, y, bw, bh, area = (stats[:, k] for k in range(5))
    enclosed = (y + bh < h) & (x > 0) & (x + bw < w) & (area < 0.05 * h * w)
    enclosed[0] = False  # label 0: the sky itself
    return (sky | enclosed[holes]).astype(np.float32)


def sky_mask(lab: np.ndarray, texture: np.ndarray, p: CelV3Params) -> np.ndarray:
    """Sky: bright or blue, low texture, and connected to the top edge (a 0/1 float mask)."""
    h, w = texture.shape
    L, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    bluish = ((b < -5) & (a < 10) & (L > 45) & (texture < p.sky_texture)).astype(np.uint8)
    pale = ((L > 72) & (np.hypot(a, b) < 14) & (texture < 1.7 * p.sky_texture)).astype(np.uint8)  # clouds are textured
    # blue sky is found on its own (a pale neighbour - a white wall, an elephant's head - must not
    # ride in on it); clouds inside it are its holes, filled below; with no blue sky, a pale
    # region spanning the top is an overcast one
    sky = np.zeros((h, w), bool)
    for region in high_parts_touching_top(bluish):
        sky |= region
    if not sky.any():
        for region in high_parts_touching_top(pale):
            if region[0].mean() > 0.6:
                sky |= region
    if sky.sum() < 0.03 * h * w:
        return np.zeros((h, w), np.float32)
    return with_enclosed_holes(sky)


def fitted_sky_gradient(smooth: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """The photo's own sky as a quadratic in the row, per Lab channel, fitted on its clearest
    (least bright) pixels: where the sky would be without clouds, as an (H, W, 3) picture."""
    h, w = inside.shape
    ys = np.arange(h, dtype=np.float32)[:, None] * np.ones((1, w), np.float32)
    L = smooth[..., 0]
    clear = inside & (L <= np.percentile(L[inside], 60))
    if clear.sum() < 50:
        clear = inside
    yn = ys[clear] / h
    basis = np.stack([np.ones_like(yn), yn, yn * yn], axis=1)
    yall = ys / h
    gradient = np.empty_like(smooth)
    for c in range(3):
        coef, *_ = np.linalg.lstsq(basis, smooth[..., c][clear], rcond=None)
        gradient[..., c] = coef[0] + coef[1] * yall + coef[2] * yall * yall
    return gradient


def cloud_cover(lightness: np.ndarray, clear_sky: np.ndarray, sky: np.ndarray, step: float) -> np.ndarray:
    """Clouds: where the photo is ``step`` L brighter than its clear sky, smoothed so their borders
    are long curves, not noise (0..1, inside the sky only)."""
    lift = cv2.GaussianBlur(lightness - clear_sky, (0, 0), 3.0)
    return (0.5 + 0.5 * np.tanh((lift - step) / 2.0)) * sky


def paint_sky(lab: np.ndarray, flat: np.ndarray, sky: np.ndarray, p: CelV3Params) -> np.ndarray:
    """A vertical gradient fitted to the sky's clear part, flat clouds with one soft shade."""
    smooth = cv2.GaussianBlur(lab, (0, 0), 2.0)
    L = smooth[..., 0]
    gradient = fitted_sky_gradient(smooth, sky > 0.5)
    # painted skies are a clean blue whatever the camera saw: hue pulled toward a sky blue, lightness
    # kept from the photo's own gradient but never grey
    gradient[..., 1] = 0.5 * gradient[..., 1] + 0.5 * p.sky_a
    gradient[..., 2] = np.minimum(0.5 * gradient[..., 2] + 0.5 * p.sky_b, -12.0)
    gradient[..., 0] = np.clip(gradient[..., 0], 55.0, 92.0)
    cloud = cloud_cover(L, gradient[..., 0], sky, p.cloud_step)
    cloud_body = cv2.GaussianBlur(L, (0, 0), 6.0)
    inner = 0.5 + 0.5 * np.tanh((cloud_body - (gradient[..., 0] + 3 * p.cloud_step)) / 2.5)
    cloud_col = np.empty_like(lab)
    cloud_col[..., 0] = np.clip(gradient[..., 0] + 10, 88, 99) * inner + np.clip(gradient[..., 0] + 4, 78, 92) * (1 - inner)
    cloud_col[..., 1] = 1.0 + 2.0 * (1 - inner)  # white clouds with a cool lavender shade
    cloud_col[..., 2] = -2.0 - 8.0 * (1 - inner)
    return blend_sky(gradient * (1 - cloud[..., None]) + cloud_col * cloud[..., None], flat, sky)


def blend_sky(painted: np.ndarray, flat: np.ndarray, sky: np.ndarray) -> np.ndarray:
    """The painted sky over the drawing, through a slightly softened mask (no stair-stepped rim)."""
    soft = cv2.GaussianBlur(sky, (0, 0), 1.5)[..., None]
    return (painted * soft + flat * (1 - soft)).astype(np.float32)


def short_strokes(mask: np.ndarray, min_length: int) -> np.ndarray:
    """Pixels of 8-connected strokes whose bounding box is shorter than ``min_length`` on its
    long side: dots and the small closed loops texture leaves behind."""
    _, comp, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    extent = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    short = extent < min_length
    short[0] = False
    return short[comp]


def ink(coarse: np.ndarray, p: CelV3Params, sky: np.ndarray) -> np.ndarray:
    """Thin anti-aliased lines in [0, 1] on the borders of the coarse structure's patches.

    Edges are found once (non-maximum suppressed, hysteresis, so one pixel wide) on the coarse
    picture, where only large patches survive: texture gets no outline at all.
    """
    gradients = []
    for c, weight in ((0, 1.0), (1, 0.8), (2, 0.8)):
        ch = cv2.GaussianBlur(coarse[..., c], (0, 0), 0.7) * weight
        gradients.append((cv2.Sobel(ch, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(ch, cv2.CV_32F, 0, 1, ksize=3)))
    mags = np.stack([gx * gx + gy * gy for gx, gy in gradients])
    pick = mags.argmax(axis=0)
    dx = np.choose(pick, [g[0] for g in gradients])
    dy = np.choose(pick, [g[1] for g in gradients])
    scale = 2.0  # Sobel of a unit step is 4; int16 keeps a quarter unit
    edges = cv2.Canny(np.clip(dx * scale, -32767, 32767).astype(np.int16), np.clip(dy * scale, -32767, 32767).astype(np.int16),
                      4 * scale * p.ink_threshold, 4 * scale * p.ink_full, L2gradient=True) > 0
    edges &= sky < 0.5  # the painted sky keeps no photo lines
    edges[short_strokes(edges, p.ink_min_length)] = False
    if p.ink_width > 0:
        return pen_strokes(edges, p.ink_width, p.ink_smooth)
    line = cv2.GaussianBlur(edges.astype(np.float32), (0, 0), p.ink_sigma)
    return np.clip(line * p.ink_gain, 0.0, 1.0).astype(np.float32)


def pen_strokes(edges: np.ndarray, width: float, smooth: float, supersample: int = 4) -> np.ndarray:
    """One-pixel edges redrawn as pen strokes in [0, 1]: each traced, its points smoothed along the
    trace (Gaussian, ``smooth`` px) so pixel stairs and small wobbles go, and drawn at one even
    ``width``, anti-aliased by drawing ``supersample`` times larger and averaging down."""
    h, w = edges.shape
    contours, hierarchy = cv2.findContours(edges.astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    # outer traces only: the trace inside a closed loop runs over the same pixels, a second stroke
    contours = [c for c, (_, _, _, parent) in zip(contours, hierarchy[0] if hierarchy is not None else []) if parent < 0]
    radius = max(1, int(3 * smooth))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / smooth) ** 2)
    kernel /= kernel.sum()
    strokes = []
    for contour in contours:  # a trace runs along one side of an open stroke and back: a loop too
        points = contour[:, 0, :].astype(np.float64)
        if len(points) > 2 * radius:
            looped = np.concatenate([points[-radius:], points, points[:radius]])
            points = np.stack([np.convolve(looped[:, i], kernel, mode="valid") for i in range(2)], axis=1)
        strokes.append(np.round((points + 0.5) * supersample - 0.5).astype(np.int32))
    canvas = np.zeros((h * supersample, w * supersample), np.uint8)
    cv2.polylines(canvas, strokes, True, 255, thickness=max(1, round(width * supersample)), lineType=cv2.LINE_8)
    return cv2.resize(canvas, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0


def palette(lab: np.ndarray, p: CelV3Params, haze: float = 20.0) -> np.ndarray:
    """Rich blacks, near whites and more saturation: the picture's own range, stretched. Darks up
    to L ``haze`` count as a haze to take away; a picture with none darker is not stretched into black."""
    L = lab[..., 0]
    lo, hi = np.percentile(L, [p.black_point, p.white_point])
    lo, hi = min(lo, haze), max(hi, 80.0)
    out = lab.copy()
    stretched = np.clip((L - lo) / max(hi - lo, 1.0), 0.0, 1.0)
    out[..., 0] = p.ink_black + (98.0 - p.ink_black) * stretched**p.midtone_gamma
    out[..., 1:] *= p.saturation
    return out


def tone_shading(lab: np.ndarray) -> np.ndarray:
    """The photo's lightness with texture smoothed out but shading kept: what decides the cel tones."""
    return cv2.bilateralFilter(lab[..., 0], 9, 10.0, 4.0)


CLOSE_UP = 0.2  # a face box this share of the picture's width or wider makes a close-up


def find_sky(lab: np.ndarray, p: CelV3Params, boxes: Boxes = ()) -> np.ndarray:
    """The sky mask (all zeros when ``p.sky`` is off, no sky is found, or, with ``p.more_faces``,
    ``boxes`` hold a close-up's face): skies are smooth, clouds a little less, everything else more."""
    close_up = p.more_faces and any(w >= CLOSE_UP * lab.shape[1] for _, _, w, _ in boxes)
    if not p.sky or close_up:
        return np.zeros(lab.shape[:2], np.float32)
    return sky_mask(lab, local_texture(lab[..., 0]), p)


def local_texture(lightness: np.ndarray) -> np.ndarray:
    """Standard deviation of lightness over a 3 px Gaussian window."""
    return np.sqrt(np.maximum(cv2.GaussianBlur(lightness**2, (0, 0), 3) - cv2.GaussianBlur(lightness, (0, 0), 3) ** 2, 0))


def coarse_structure(flat: np.ndarray, faces: np.ndarray, p: CelV3Params) -> np.ndarray:
    """A second, coarser L0 pass over the patches: only the borders of large ones get a line."""
    face_coarse = p.face_lambda if p.face_coarse_lambda is None else p.face_coarse_lambda
    return l0_lab(flat, p.coarse_lambda, face_coarse, faces, p)


def inked(drawn: np.ndarray, lines: np.ndarray, p: CelV3Params) -> np.ndarray:
    """Lines laid over the painted Lab picture, each in its patch's own hue, darker and duller."""
    ink_colour = drawn.copy()
    ink_colour[..., 0] = drawn[..., 0] * p.ink_lightness
    ink_colour[..., 1:] = drawn[..., 1:] * p.ink_chroma
    return drawn + lines[..., None] * (ink_colour - drawn)


def patches_and_tones(image: np.ndarray, p: CelV3Params) -> tuple[np.ndarray, Boxes, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What every v3 renderer starts from: the photo in Lab, its face boxes and face mask, its flat
    patches and their shadow and light tone masks."""
    lab = to_lab(to_float(image))
    boxes = face_boxes(image, more=p.more_faces)
    faces = np.clip(face_mask(image, boxes), 0.0, 1.0)
    flat = structure(lab, p, faces)
    shadow, light = cel_tones(flat[..., 0], tone_shading(lab), p)
    return lab, boxes, faces, flat, shadow, light


def with_drawn_faces(image: np.ndarray, lab: np.ndarray, boxes: Boxes, painted: np.ndarray, lines: np.ndarray,
                     p: CelV3Params) -> tuple[np.ndarray, np.ndarray]:
    """The painted Lab picture and its line mask, with the faces in ``boxes`` drawn and no traced
    line across them when ``p.draw_faces`` is on (unchanged otherwise)."""
    if not p.draw_faces:
        return painted, lines
    layouts = find_faces(image, lab, boxes)
    return anime_faces(painted, lab, layouts), lines * (1.0 - face_ovals(lines.shape, layouts))


def cel_v3_shade(image: np.ndarray, params: CelV3Params | None = None) -> np.ndarray:
    """uint8 RGB (H, W, 3) -> drawn uint8 RGB of the same size."""
    p = params or CelV3Params()
    lab, boxes, faces, flat, shadow, light = patches_and_tones(image, p)
    drawn = flat.copy()
    drawn[..., 0] += -p.shadow_depth * shadow + p.light_lift * light
    drawn[..., 2] -= p.shadow_blue * shadow
    sky = find_sky(lab, p, boxes)
    if sky.any():
        drawn = paint_sky(lab, drawn, sky, p)
    lines = ink(coarse_structure(flat, faces, p), p, sky)
    painted, lines = with_drawn_faces(image, lab, boxes, palette(drawn, p), lines, p)
    return to_uint8(from_lab(inked(painted, lines, p)))
