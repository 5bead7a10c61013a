"""The "cel" v2 teacher: a deterministic cel renderer that keeps detail and draws.

v1 (``cel_v1``) flattened with wide guided filters and superpixels: blurred, smeared, faces gone.
v2 only uses local, shift-equivariant operations (so a one-pixel move of the input moves the
output by one pixel, which is what keeps video steady), in CIE Lab:

1. surface  - two small bilateral passes: texture noise goes, edges and small details stay
2. shading  - lightness on a smooth staircase of a few bands (after Winnemöller et al. 2006's
              soft quantisation, made continuous): the steps are sharp where the photo has an
              edge and gentle where it is smooth, so skies keep their gradient instead of banding
3. paint    - a small median on the banded lightness: foliage and fine clutter become clumps
4. ink      - XDoG on the smoothed lightness, drawn only where the structure is strong (a
              coarser gradient gate), thin, with specks removed: outlines, windows, wires, text,
              eyes and mouths - no black speckle on foliage
5. colour   - chroma from the smoothed image, saturation lifted; blacks stay black

Everything is a pure function of the image and ``CelParams``; it runs on any size.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import cv2
import numpy as np

from training.data.filters import small_components, to_float, to_uint8


@dataclass(frozen=True)
class CelParams:
    bilateral_diameter: int = 5  # px window of each bilateral pass
    bilateral_sigma_colour: float = 10.0  # Lab units: differences above this are kept as edges
    bilateral_sigma_space: float = 2.0
    bilateral_passes: int = 1
    bands: int = 7  # lightness bands over L 0..100
    band_sharpness_flat: float = 3.0  # staircase sharpness where the photo is smooth (skies)
    band_sharpness_edge: float = 12.0  # ... and where it has structure
    gate_sigma: float = 1.5  # px, scale of the gradient that decides "structure"
    gate_low: float = 1.0  # L units / px: below, the photo counts as smooth
    gate_high: float = 4.0  # ... above, as structure
    band_mix: float = 1.0  # share of the banded lightness (the rest: the smoothed lightness)
    paint_size: int = 3  # median window (odd px) on the banded lightness; 1 = off
    crisp: float = 1.3  # unsharp amount on the shaded lightness where there is structure
    crisp_sigma: float = 1.0
    ink_sigma: float = 1.0  # XDoG inner Gaussian (px): line width
    ink_k: float = 1.6
    ink_tau: float = 0.98
    ink_eps: float = -0.6  # threshold on the DoG response (L units)
    ink_phi: float = 1.2  # softness of the line edge
    ink_gate: float = 2.0  # coarse gradient (L / px) under which no ink is drawn
    ink_coherence: float = 0.35  # structure-tensor coherence for full ink: lines follow edges,
    #                              foliage and other isotropic texture gets none (painted, not cracked)
    ink_min_area: int = 16  # px; smaller dark specks are dropped
    speck_depth: float = 10.0  # L units: small dots this much darker than around them are filled
    speck_area: int = 16  # px: ... when their dark component is at most this large
    ink_strength: float = 0.85  # share of the way from the shade to the ink's lightness
    ink_lightness: float = 8.0  # L of the ink: dark, but no blacker than the photo's own blacks
    saturation: float = 1.3
    face_keep: float = 0.6  # inside detected faces: this share less banding, ink down to half the gate

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def cel_params_like(params: object, **fixed: object) -> CelParams:
    """CelParams taking every field of the same name from another teacher's parameters, so its
    renderer can reuse the cel pieces (surface, ink) with its own settings; ``fixed`` wins."""
    own = {f.name for f in fields(CelParams)}
    shared = {k: v for k, v in asdict(params).items() if k in own}  # type: ignore[call-overload]
    return CelParams(**{**shared, **fixed})  # type: ignore[arg-type]


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """float RGB in [0, 1] -> Lab (L 0..100, a / b about -100..100)."""
    return cv2.cvtColor(np.ascontiguousarray(rgb, np.float32), cv2.COLOR_RGB2Lab)


def from_lab(lab: np.ndarray) -> np.ndarray:
    return np.clip(cv2.cvtColor(np.ascontiguousarray(lab, np.float32), cv2.COLOR_Lab2RGB), 0.0, 1.0)


def surface(lab: np.ndarray, p: CelParams) -> np.ndarray:
    out = lab
    for _ in range(p.bilateral_passes):
        out = cv2.bilateralFilter(out, p.bilateral_diameter, p.bilateral_sigma_colour, p.bilateral_sigma_space, borderType=cv2.BORDER_REFLECT)
    return out


def structure_gate(lightness: np.ndarray, sigma: float, low: float | np.ndarray, high: float | np.ndarray) -> np.ndarray:
    """0 where the picture is smooth at scale ``sigma``, 1 where it has structure."""
    g = cv2.GaussianBlur(lightness, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_REFLECT) / 8
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_REFLECT) / 8
    magnitude = np.sqrt(gx * gx + gy * gy)
    return np.clip((magnitude - low) / (high - low), 0.0, 1.0)


def coherence(lightness: np.ndarray, sigma: float) -> np.ndarray:
    """Structure-tensor coherence ((l1 - l2) / (l1 + l2))^2 in [0, 1]: 1 along an edge or a line,
    0 in isotropic texture (foliage, gravel) and flat areas."""
    gx = cv2.Sobel(lightness, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_REFLECT)
    gy = cv2.Sobel(lightness, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_REFLECT)
    window = 2 * sigma
    jxx = cv2.GaussianBlur(gx * gx, (0, 0), window, borderType=cv2.BORDER_REFLECT)
    jyy = cv2.GaussianBlur(gy * gy, (0, 0), window, borderType=cv2.BORDER_REFLECT)
    jxy = cv2.GaussianBlur(gx * gy, (0, 0), window, borderType=cv2.BORDER_REFLECT)
    spread = np.sqrt((jxx - jyy) ** 2 + 4 * jxy * jxy)
    return (spread / (jxx + jyy + 1e-3)) ** 2


def despeckle(lightness: np.ndarray, depth: float, max_area: int) -> np.ndarray:
    """Fill small dark dots: where a pixel is ``depth`` darker than its 5x5 closing, in a component
    of at most ``max_area`` px, it takes the closing's value (long strokes and big shadows stay)."""
    closed = cv2.morphologyEx(lightness, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    fill = small_components(closed - lightness > depth, max_area + 1)
    return np.where(fill, closed, lightness).astype(np.float32)


def staircase(lightness: np.ndarray, bands: int, sharpness: np.ndarray) -> np.ndarray:
    """A continuous staircase: flat inside each band, a tanh ramp of the given sharpness between.

    At sharpness -> 0 it is the identity (no banding); its steepest slope is
    ``s / (2 tanh(s / 2))`` times the input's, which bounds the steps it can add to smooth areas.
    """
    step = 100.0 / bands
    t = lightness / step
    k = np.floor(t)
    frac = t - k
    s = np.maximum(sharpness, 1e-3)
    ramp = 0.5 + 0.5 * np.tanh(s * (frac - 0.5)) / np.tanh(s / 2)
    return ((k + ramp) * step).astype(np.float32)


def ink(lightness: np.ndarray, p: CelParams, keep: np.ndarray | float, edges: np.ndarray) -> np.ndarray:
    """Line darkness in [0, 1] (1 = full line) from XDoG, where the structure is strong
    and coherent (``edges``); ``keep`` lowers the gate toward half inside faces."""
    g1 = cv2.GaussianBlur(lightness, (0, 0), p.ink_sigma, borderType=cv2.BORDER_REFLECT)
    g2 = cv2.GaussianBlur(lightness, (0, 0), p.ink_sigma * p.ink_k, borderType=cv2.BORDER_REFLECT)
    dog = g1 - p.ink_tau * g2 + (p.ink_tau - 1.0) * 50.0  # centred: a flat area gives 0 at any L
    strength = np.where(dog < p.ink_eps, np.tanh(p.ink_phi * (p.ink_eps - dog)), 0.0).astype(np.float32)
    gate_high = p.ink_gate * (1.0 - 0.5 * np.asarray(keep, np.float32) / max(p.face_keep, 1e-6))
    strength *= structure_gate(lightness, p.gate_sigma, 0.5 * gate_high, gate_high)
    strength *= edges
    strength[small_components(strength > 0.3, p.ink_min_area)] = 0.0
    return strength


def face_mask(image: np.ndarray, boxes: list[tuple[int, int, int, int]] | None = None) -> np.ndarray:
    """Soft 0..1 mask over face ``boxes`` (default: those the frontal-face detector finds), each
    grown by a quarter.

    Faces are where simplifying costs most: eyes, brows, nose and mouth must stay drawn shapes.
    """
    from vidanime.quality import faces

    h, w = image.shape[:2]
    mask = np.zeros((h, w), np.float32)
    if boxes is None:
        if not faces.available():
            return mask
        boxes = faces.detect(image)
    for x, y, bw, bh in boxes:
        gx, gy = bw // 4, bh // 4
        cv2.rectangle(mask, (max(0, x - gx), max(0, y - gy)), (min(w - 1, x + bw + gx), min(h - 1, y + bh + gy)), 1.0, -1)
    if boxes:
        sigma = max(2.0, min(b[2] for b in boxes) / 6)
        mask = cv2.GaussianBlur(mask, (0, 0), sigma)
    return mask


def cel_shade(image: np.ndarray, params: CelParams | None = None) -> np.ndarray:
    """uint8 RGB (H, W, 3) -> cel-shaded uint8 RGB of the same size."""
    p = params or CelParams()
    lab = to_lab(to_float(image))
    smooth = surface(lab, p)
    lightness = smooth[..., 0]
    gate = structure_gate(lightness, p.gate_sigma, p.gate_low, p.gate_high)
    sharp = p.band_sharpness_flat + (p.band_sharpness_edge - p.band_sharpness_flat) * gate
    banded = staircase(lightness, p.bands, sharp)
    if p.paint_size > 1:
        banded = cv2.medianBlur(banded, p.paint_size)
    keep = p.face_keep * face_mask(image) if p.face_keep > 0 else 0.0
    mix = p.band_mix * (1.0 - keep)
    shaded = mix * banded + (1.0 - mix) * lightness
    edges = np.clip(coherence(lightness, p.gate_sigma) / p.ink_coherence, 0.0, 1.0)  # along edges, not in texture
    if p.crisp > 0:  # crisp boundaries: unsharp mask along the photo's edges (texture specks stay soft)
        halo = shaded - cv2.GaussianBlur(shaded, (0, 0), p.crisp_sigma, borderType=cv2.BORDER_REFLECT)
        shaded = shaded + p.crisp * gate * edges * halo
    lines = ink(lightness, p, keep, edges)
    out = np.empty_like(smooth)
    if p.speck_depth > 0:
        shaded = despeckle(shaded, p.speck_depth, p.speck_area)
    ink_l = np.minimum(shaded, p.ink_lightness)  # ink never lightens a darker shade
    out[..., 0] = shaded + p.ink_strength * lines * (ink_l - shaded)
    out[..., 1:] = smooth[..., 1:] * p.saturation * (1.0 - 0.5 * lines[..., None])
    return to_uint8(from_lab(out))
