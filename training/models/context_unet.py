"""A slim UNet that sees far: the cel v3 student.

The cel v3 teacher decides a region's flat tone and where its outline runs from a global L0
solve; the ``lightweight`` UNet (4x down, ~70 px receptive field) could only guess those decisions
and, under L1, blurred them. This one spends its budget at 1/8 scale, where a 3x3 conv is 64
times cheaper than at full size: five residual blocks with dilations 1, 2, 4, 8, 1 give a
receptive field of about 600 px at the same cost as cel v2's student (28.5 vs 30.9 GMAC per
720p frame). No global pooling: video tiles and whole frames see the same thing.
Zero padding, LeakyReLU 0.2, no normalisation, additive skips, bilinear x2 upsampling.

``antialias`` (3 or 5 taps) low-passes each strided conv's input with a fixed binomial blur (Zhang 2019,
"Making convolutional networks shift-invariant again"): without it the strides alias, and cel-v3's
picture changes about four times as much when the scene moves by one pixel as by eight. With it
that falls by two fifths, but a clip's flicker only by a twentieth (docs/cel_v3.md).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from training.models.layers import lrelu, upsample2x
from training.models.registry import ArchSpec, register


def _conv(in_ch: int, out_ch: int, stride: int = 1, dilation: int = 1) -> nn.Conv2d:
    return nn.Conv2d(in_ch, out_ch, 3, stride, padding=dilation, dilation=dilation)


class _DilatedRes(nn.Module):
    def __init__(self, ch: int, dilation: int) -> None:
        super().__init__()
        self.conv1, self.conv2, self.act = _conv(ch, ch, dilation=dilation), _conv(ch, ch, dilation=dilation), lrelu()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(self.act(self.conv1(x)))


BINOMIAL = {3: (1.0, 2.0, 1.0), 5: (1.0, 4.0, 6.0, 4.0, 1.0)}


class Blur(nn.Module):
    """A fixed binomial low-pass of ``taps`` (3 or 5) a side over ``channels`` channels, each on its
    own (zero padding, as the convs). Not a parameter and not in the state dict: weights trained
    without it load as they are."""

    def __init__(self, channels: int, taps: int) -> None:
        super().__init__()
        if taps not in BINOMIAL:
            raise ValueError(f"antialias takes {sorted(BINOMIAL)} taps (0 for none), not {taps}")
        row = torch.tensor(BINOMIAL[taps])
        kernel = (row[:, None] * row[None, :] / row.sum() ** 2).expand(channels, 1, taps, taps).contiguous()
        self.register_buffer("kernel", kernel, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.kernel, padding=self.kernel.shape[-1] // 2, groups=self.kernel.shape[0])


class ContextUNet(nn.Module):
    def __init__(self, width: int = 16, dilations: tuple[int, ...] = (1, 2, 4, 8, 1), antialias: int = 0) -> None:
        super().__init__()
        w = width
        c1, c2, c3 = 2 * w, 3 * w, 6 * w
        # before each strided conv
        self.down0, self.down1, self.down2 = (Blur(c, antialias) if antialias else nn.Identity() for c in (w, c1, c2))
        self.act = lrelu()
        self.enc0a, self.enc0b = _conv(3, w), _conv(w, w)
        self.enc1a, self.enc1b = _conv(w, c1, stride=2), _conv(c1, c1)
        self.enc2a, self.enc2b = _conv(c1, c2, stride=2), _conv(c2, c2)
        self.enc3 = _conv(c2, c3, stride=2)
        self.context = nn.Sequential(*[_DilatedRes(c3, d) for d in dilations])
        self.dec3 = _conv(c3, c2)
        self.dec2a, self.dec2b = _conv(c2, c2), _conv(c2, c1)
        self.dec1a, self.dec1b = _conv(c1, c1), _conv(c1, w)
        self.dec0, self.out = _conv(w, w), _conv(w, 3)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The full-size features every output head reads."""
        a = self.act
        x0 = a(self.enc0b(a(self.enc0a(x))))
        x1 = a(self.enc1b(a(self.enc1a(self.down0(x0)))))
        x2 = a(self.enc2b(a(self.enc2a(self.down1(x1)))))
        x3 = a(self.dec3(self.context(a(self.enc3(self.down2(x2))))))
        y = a(self.dec2b(a(self.dec2a(upsample2x(x3, like=x2) + x2))))
        y = a(self.dec1b(a(self.dec1a(upsample2x(y, like=x1) + x1))))
        return a(self.dec0(upsample2x(y, like=x0) + x0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.features(x))  # linear; the runtime clips to [-1, 1]


class _JointHeads(nn.Module):
    """The fill and ink heads run as one conv; a module of its own only so that the exported node
    has a name (``/heads/Conv``) the int8 export and the cards can tell apart."""

    def forward(self, y: torch.Tensor, fill: nn.Conv2d, ink: nn.Conv2d) -> torch.Tensor:
        return F.conv2d(y, torch.cat([fill.weight, ink.weight]), torch.cat([fill.bias, ink.bias]), padding=1)


class InkedContextUNet(ContextUNet):
    """The context UNet with a second head that draws the ink: a per-pixel line logit, composited
    over the fill in the graph as a darker shade of the fill itself (the teacher's ink is its
    patch's colour at ~0.45 of the lightness).

    A student that regresses colour alone averages the places where it is unsure whether a line
    runs into a soft grey smudge; a logit trained as a classification (``training.losses.pixel.
    ink_map`` of the teacher) commits, so lines come out dark and crisp or not at all."""

    def __init__(
        self, width: int = 16, dilations: tuple[int, ...] = (1, 2, 4, 8, 1), ink_shade: float = 0.4, ink_gain: float = 1.0, ink_bias: float = 0.0,
        fill_black: float = 0.0, tone_gamma: float = 1.0, tone_floor: float = 0.08, antialias: int = 0,
    ) -> None:
        super().__init__(width, dilations, antialias)
        self.ink = _conv(width, 1)
        self.heads = _JointHeads()
        self.ink_shade = ink_shade
        # Trained at gain 1, bias 0; an export may sharpen the lines (gain > 1) and draw more or
        # fewer of them (bias): the logit ranks places by how surely a line runs there.
        self.ink_gain, self.ink_bias = ink_gain, ink_bias
        # Trained at 0; an export may set a black point: fill values up to this share of the range
        # become black and the rest is stretched (a student that lifts the teacher's darks)
        self.fill_black = fill_black
        # Trained at 1; an export may brighten the drawn picture's mid tones and shadows (< 1), the ink
        # kept dark: the student paints darker than anime frames are (median L 49 against their 58).
        # Pixels whose brightest channel (0..1) is at most ``tone_floor`` are left as they are, and
        # the curve blends in up to twice that
        self.tone_gamma, self.tone_floor = tone_gamma, tone_floor

    def parts(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(fill in [-1, 1], ink logit)."""
        y = self.features(x)
        return self.out(y), self.ink(y)

    def composite(self, fill: torch.Tensor, logit: torch.Tensor, sharpen: tuple[float, float] | None = None) -> torch.Tensor:
        """The drawn picture from the two heads' outputs, as the export options define it (training
        prices this; ``drawn`` is the same picture in the form the runtime runs fastest).
        ``sharpen`` (gain, bias) draws the ink as an export with that ink gain and bias would."""
        if self.fill_black:
            fill = (fill + 1 - 2 * self.fill_black) / (1 - self.fill_black) - 1
        gain, bias = sharpen or (self.ink_gain, self.ink_bias)
        alpha = torch.sigmoid(gain * logit + bias)
        ink = (fill + 1) * self.ink_shade - 1  # the fill's colour, darker
        return self.toned(fill + alpha * (ink - fill))

    def toned(self, picture: torch.Tensor) -> torch.Tensor:
        """``picture`` with each pixel's brightest channel ``v`` (0..1) taken to ``v ** tone_gamma``
        and the others scaled with it (hue and saturation kept), blended in between ``tone_floor``
        and twice it so that ink and black stay where they are; white stays white."""
        if self.tone_gamma == 1.0:
            return picture
        # values outside [-1, 1] stay outside and the runtime clips them, as every output
        gain = self.tone_gain((picture.amax(dim=1, keepdim=True) + 1) / 2)
        return picture * gain + (gain - 1)  # (picture + 1) * gain - 1

    def tone_gain(self, value: torch.Tensor) -> torch.Tensor:
        """Toned value / value for the value map ``value`` (0..1): worked out on one channel, so the
        three-channel picture sees only a multiply."""
        value = value.clamp(1e-4, 1.0)
        weight = ((value - self.tone_floor) / self.tone_floor).clamp(0.0, 1.0)
        return 1 + weight * (power(value, self.tone_gamma - 1) - 1)

    def drawn(self, y: torch.Tensor) -> torch.Tensor:
        """``composite(out(y), ink(y))`` rewritten for the exported graph, the same picture to float
        rounding: the two heads run as one 4-channel conv (``split_head`` reads them back), and
        ``picture + 1 = (fill + 1) * (1 - alpha * (1 - ink_shade))`` is worked out a channel at a
        time, so the value map is an element-wise maximum and no channel reduction or ``Log``
        breaks OpenVINO's fused element-wise kernel: cel-v3 ran 1.2x faster in bf16 (docs/cel_v3.md)."""
        head = self.heads(y, self.out, self.ink)
        alpha = torch.sigmoid(self.ink_gain * head[:, 3:4] + self.ink_bias)
        keep = 1 - alpha * (1 - self.ink_shade)  # 1 off the lines, ink_shade on them
        lit = [((head[:, c : c + 1] - self.fill_black) / (1 - self.fill_black) + 1) * keep for c in range(3)]  # picture + 1
        if self.tone_gamma != 1.0:
            gain = self.tone_gain(torch.maximum(torch.maximum(lit[0], lit[1]), lit[2]) / 2)
            lit = [channel * gain for channel in lit]
        return torch.cat([channel - 1 for channel in lit], dim=1)

    @staticmethod
    def split_head(weight: torch.Tensor, bias: torch.Tensor) -> dict[str, torch.Tensor]:
        """The ``out`` and ``ink`` parameters of the exported graph's 4-channel head conv."""
        return {"out.weight": weight[:3], "out.bias": bias[:3], "ink.weight": weight[3:], "ink.bias": bias[3:]}

    def forward(self, x: torch.Tensor, parts: bool = False) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """The drawn picture; with ``parts`` (training) the fill and the ink logit instead."""
        return self.parts(x) if parts else self.drawn(self.features(x))


def power(value: torch.Tensor, exponent: float) -> torch.Tensor:
    """``value ** exponent`` for positive values: square roots where the exponent is a multiple of
    -1/4 (the shipped tone curves), ``exp(exponent * log(value))`` otherwise. OpenVINO's ``Pow``
    cost a 720p frame about 14 ms as first exported, and its ``Log`` runs a reference kernel;
    ``Sqrt`` and a divide fuse with the element-wise ops round them."""
    quarters = -4 * exponent
    if quarters == round(quarters) and 1 <= quarters <= 4:
        fourth_root = torch.sqrt(torch.sqrt(value))
        denominator = fourth_root
        for _ in range(int(quarters) - 1):
            denominator = denominator * fourth_root
        return 1 / denominator
    return torch.exp(exponent * torch.log(value))


for name, builder, role in (("context-unet", ContextUNet, "fill only"), ("context-unet-ink", InkedContextUNet, "fill + ink head")):
    register(
        ArchSpec(
            name=name,
            builder=builder,
            family="white-box",
            role="generator",
            paper=f"vidanime: White-box's slim UNet with a dilated 1/8-scale stage (cel v3 student, {role})",
            output_activation="none (clipped)",
            size_multiple=8,
            # windows of a 4.9 MP picture against one pass (cel-v3): 64 px margins leave seams up to
            # 130 levels, 192 px up to 27, 256 px up to 4 (docs/guide/images.md)
            context=256,
        )
    )
