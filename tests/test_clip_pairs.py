"""Neighbouring clip frames for the flicker term (``w_clip``) and the discriminator warm-up
(``d_warmup``) of the v3 students."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from training.data.batches import PairedSource  # noqa: E402
from training.data.clip_pairs import ClipPair, ClipPairSource, clip_pairs, crop_pair, pair_of  # noqa: E402
from training.ops.motion import flow_warp  # noqa: E402
from training.recipes import all_recipes  # noqa: E402
from training.recipes.base import apply_overrides  # noqa: E402
from training.trainer import TrainConfig, Trainer  # noqa: E402
from vidanime.temporal.flow import FlowEstimator, warp  # noqa: E402
from vidanime.video.synthetic import write_clip  # noqa: E402


def scene(height: int = 96, width: int = 128, dx: int = 0) -> np.ndarray:
    """Smooth shapes with texture, moved ``dx`` px right: something optical flow can follow."""
    rng = np.random.default_rng(5)
    big = cv2.GaussianBlur(rng.integers(0, 256, (height, width + 96, 3)).astype(np.float32), (0, 0), 3)
    big = cv2.normalize(big, None, 0, 255, cv2.NORM_MINMAX)
    cv2.circle(big, (76, 48), 18, (250, 40, 40), -1)
    return np.ascontiguousarray(big[:, 48 - dx : 48 - dx + width]).astype(np.uint8)


def test_flow_warp_matches_the_runtime_warp() -> None:
    """The torch warp brings pixels back along the flow as ``vidanime.temporal.flow.warp`` does."""
    image = scene().astype(np.float32) / 255
    yy, xx = np.mgrid[0:96, 0:128].astype(np.float32)
    flow = np.stack([2.5 + 1.5 * np.sin(yy / 15), -1.0 + np.cos(xx / 20)], -1).astype(np.float32)
    want = warp(image, flow)
    got = flow_warp(torch.from_numpy(image).permute(2, 0, 1)[None], torch.from_numpy(flow).permute(2, 0, 1)[None])[0].permute(1, 2, 0).numpy()
    err = np.abs(got - want)[4:-4, 4:-4]  # OpenCV interpolates with 1/32 px fixed-point weights
    assert err.max() < 0.02 and err.mean() < 1e-3
    assert np.abs(image - want)[4:-4, 4:-4].mean() > 20 * err.mean()  # the flow does move the picture


def test_a_pair_follows_the_motion_and_distrusts_a_change_of_the_scene() -> None:
    first, second = scene(dx=0), scene(dx=3)
    second[60:80, 90:110] = (0, 255, 0)  # something new appears: no flow explains it
    pair = pair_of(first, second, FlowEstimator("medium"))
    inner = (slice(10, 50), slice(10, 70))
    assert np.median(pair.flow[inner][..., 0]) == pytest.approx(3.0, abs=0.3)
    assert np.median(np.abs(pair.flow[inner][..., 1])) < 0.3
    assert pair.trust[inner].mean() > 0.9
    assert pair.trust[62:78, 92:108].mean() < 0.2


def test_a_crop_distrusts_flow_that_leaves_it() -> None:
    flow = np.zeros((40, 40, 2), np.float32)
    flow[..., 0] = 5.0  # everything moves 5 px right: the last 5 columns of a crop land outside it
    pair = ClipPair(np.zeros((40, 40, 3), np.uint8), np.zeros((40, 40, 3), np.uint8), flow, np.ones((40, 40), np.float32))
    crop = crop_pair(pair, 32, np.random.default_rng(0))
    assert crop.trust[:, :26].min() == 1.0 and crop.trust[:, 27:].max() == 0.0


def test_pairs_come_from_a_clip_a_frame_and_the_next(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "pan.mp4", lambda i: scene(dx=2 * i), 24, fps=12, codec_options={"preset": "ultrafast", "crf": "12"}, audio=None)
    pairs = clip_pairs(clip, every_s=0.5, per_clip=3)
    assert len(pairs) == 3
    for p in pairs:
        assert np.median(p.flow[10:50, 10:70, 0]) == pytest.approx(2.0, abs=0.4)


def test_clip_batches_merge_into_the_photo_batch() -> None:
    pairs = [pair_of(scene(dx=0), scene(dx=2), FlowEstimator("fast"))]
    photos = [scene()]
    source = PairedSource(photos, photos, 48, batch_size=2, seed=1, clips=ClipPairSource(pairs, 48, 3, seed=1))
    batch = source.batch(4)
    assert batch["photo"].shape == (2, 3, 48, 48)
    assert batch["clip_first"].shape == batch["clip_second"].shape == (3, 3, 48, 48)
    assert batch["clip_flow"].shape == (3, 2, 48, 48) and batch["clip_trust"].shape == (3, 1, 48, 48)
    assert all(torch.equal(batch[k], source.batch(4)[k]) for k in batch)  # a function of the step alone


def clip_batch(dx: int = 3) -> dict[str, torch.Tensor]:
    pairs = [pair_of(scene(dx=0), scene(dx=dx), FlowEstimator("medium"))]
    return {f"clip_{k}": v for k, v in ClipPairSource(pairs, 64, 2, seed=2).batch(0).items()}


def test_clip_term_prices_a_picture_that_does_not_follow_the_scene() -> None:
    """A generator that commutes with motion (a blur) costs next to nothing; one that stamps a
    fixed pattern on the frame (lines that stay where the scene moved from) costs much more."""
    recipe = all_recipes()["cel-v3-distill"]
    r = recipe(apply_overrides(recipe.hyper_cls(), ["w_clip=1"]), torch.device("cpu"))
    batch = clip_batch()
    follows = torch.nn.AvgPool2d(3, 1, 1)
    pattern = (torch.arange(64) % 8 < 2).float()[None, None, None] * 0.8
    stamps = lambda x: x * 0.2 + pattern  # noqa: E731
    cheap, dear = float(r.clip_term(follows, batch)), float(r.clip_term(stamps, batch))
    assert cheap < 0.02 and dear > 5 * cheap, (cheap, dear)
    ink_only = recipe(apply_overrides(recipe.hyper_cls(), ["w_clip=1", "clip_ink_only=true"]), torch.device("cpu"))
    with pytest.raises(ValueError, match="ink head"):
        ink_only.clip_term(follows, batch)


def clip_hyper(tmp_path: Path, *extra: str) -> object:
    """A tiny cel-v3 student trained with clip pairs from a panning clip."""
    clip = write_clip(tmp_path / "pan.mp4", lambda i: scene(dx=2 * i), 12, fps=12, audio=None)
    (tmp_path / "clips.txt").write_text(f"{clip}\n")
    overrides = ["w_perceptual=0", "generator_kwargs.width=8", "d_width=8", "crop=48", "clip_crop=48", "adversarial_from=0", "w_clip=0.5",
                 f"clip_list={tmp_path / 'clips.txt'}", "clip_every_s=0.25", *extra]  # fmt: skip
    return apply_overrides(all_recipes()["cel-v3-distill"].hyper_cls(), overrides)


def test_training_reads_the_clip_list_and_logs_the_term(tmp_path: Path) -> None:
    recipe = all_recipes()["cel-v3-distill"]
    hp = clip_hyper(tmp_path, "steps=2")
    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), scene())
    source = recipe(hp, torch.device("cpu")).make_source([photo], None, 3, tmp_path / "cache")
    assert isinstance(source.clips, ClipPairSource) and len(source.clips.pairs) >= 4
    config = TrainConfig("cel-v3-distill", tmp_path / "run", hp, device="cpu", log_every=1, sample_every=10**6, checkpoint_every=10**6, export=False)
    Trainer(config, recipe, source).run()
    rows = [json.loads(x) for x in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert len(rows) == 2 and all(row["clip"] > 0 for row in rows), rows
    with pytest.raises(ValueError, match="clip_list"):
        recipe(apply_overrides(recipe.hyper_cls(), ["w_clip=1"]), torch.device("cpu")).make_source([photo], None, 3, tmp_path / "cache")


def test_discriminator_warmup_leaves_the_generator_as_it_was(tmp_path: Path) -> None:
    """``d_warmup``: the first steps train D alone; the generator learns after them."""
    recipe = all_recipes()["cel-v3-distill"]
    hp = apply_overrides(recipe.hyper_cls(), ["steps=2", "w_perceptual=0", "generator_kwargs.width=8", "d_width=8", "crop=48", "d_warmup=2"])
    inputs = [scene(dx=i) for i in range(2)]
    source = PairedSource(inputs, [cv2.GaussianBlur(255 - im, (5, 5), 0) for im in inputs], 48, batch_size=2, seed=3)
    config = TrainConfig("cel-v3-distill", tmp_path / "run", hp, device="cpu", log_every=1, sample_every=10**6, checkpoint_every=10**6, export=False)
    trainer = Trainer(config, recipe, source)
    g_before = {k: v.clone() for k, v in trainer.models["generator"].state_dict().items()}
    d_before = {k: v.clone() for k, v in trainer.models["discriminator"].state_dict().items()}
    trainer.run()
    assert all(torch.equal(v, g_before[k]) for k, v in trainer.models["generator"].state_dict().items())
    assert any(not torch.equal(v, d_before[k]) for k, v in trainer.models["discriminator"].state_dict().items())
    rows = [json.loads(x) for x in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [sorted(row) for row in rows] == [["d", "seconds_per_step", "step", "time"]] * 2


def test_clip_term_can_price_the_ink_as_the_export_draws_it() -> None:
    """``clip_ink_gain`` / ``clip_ink_bias``: the pictures compared are drawn with the export's
    sharpened ink, the same picture a model exported with that gain and bias draws."""
    from training.models.registry import get_arch

    torch.manual_seed(0)
    trained = get_arch("context-unet-ink").build(width=8, ink_shade=0.25)
    exported = get_arch("context-unet-ink").build(width=8, ink_shade=0.25, ink_gain=6.0, ink_bias=5.0)
    exported.load_state_dict(trained.state_dict())
    x = torch.rand(1, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        fill, logit = trained(x, parts=True)
        assert torch.allclose(trained.composite(fill, logit, (6.0, 5.0)), exported(x), atol=1e-5)
        assert not torch.allclose(trained.composite(fill, logit), exported(x), atol=1e-3)
        recipe = all_recipes()["cel-v3-distill"]
        batch = clip_batch()
        soft = recipe(apply_overrides(recipe.hyper_cls(), ["w_clip=1"]), torch.device("cpu")).clip_term(trained, batch)
        sharp = recipe(apply_overrides(recipe.hyper_cls(), ["w_clip=1", "clip_ink_gain=6", "clip_ink_bias=5"]), torch.device("cpu")).clip_term(trained, batch)
        assert torch.isclose(sharp, recipe(apply_overrides(recipe.hyper_cls(), ["w_clip=1"]), torch.device("cpu")).clip_term(exported, batch), atol=1e-5)
        assert not torch.isclose(soft, sharp, atol=1e-4)


class Painted(torch.nn.Module):
    """A stand-in inked generator with a fill and ink logits of its own, each a function of the frame."""

    def __init__(self, fill, logits) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.fill, self.logits = fill, logits

    def forward(self, x: torch.Tensor, parts: bool = False):  # type: ignore[no-untyped-def]
        return self.fill(x), self.logits(x)

    def composite(self, fill: torch.Tensor, logit: torch.Tensor, sharpen: tuple[float, float] | None = None) -> torch.Tensor:
        alpha = torch.sigmoid(logit)
        return fill + alpha * (-1 - fill)


def inked(logits) -> Painted:  # type: ignore[no-untyped-def]
    """A stand-in with a grey fill and ink logits from a function of the frame."""
    return Painted(torch.zeros_like, logits)


def test_union_term_asks_for_the_line_the_next_frame_draws(tmp_path: Path) -> None:
    """``clip_union``: where the anchor draws a line only in the next frame, the student is asked
    to draw it (moved back along the flow) in this frame too; where it draws none, none."""
    from training.models.registry import get_arch

    anchor_path = tmp_path / "anchor.pt"
    torch.save({"models": {"generator": get_arch("context-unet-ink").build(width=16).state_dict()}}, anchor_path)
    recipe = all_recipes()["cel-v3-distill"]
    r = recipe(apply_overrides(recipe.hyper_cls(), ["w_clip=1", f"clip_union={anchor_path}"]), torch.device("cpu"))
    r.build_models()
    n, size = 1, 32
    first, second = torch.zeros(n, 3, size, size), torch.ones(n, 3, size, size)
    line_next = torch.full((n, 1, size, size), -5.0)
    line_next[..., 12] = 5.0  # the next frame draws a line at column 12; the scene moved 2 px right
    r.anchor = inked(lambda x: line_next if x.mean() > 0.5 else torch.full_like(line_next, -5.0))
    flow = torch.zeros(n, 2, size, size)
    flow[:, 0] = 2.0
    batch = {"clip_first": first, "clip_second": second, "clip_flow": flow, "clip_trust": torch.ones(n, 1, size, size)}
    wanted = torch.full_like(line_next, -5.0)
    wanted[..., 10] = 5.0
    draws_it = float(r.clip_term(inked(lambda x: wanted), batch))
    drops_it = float(r.clip_term(inked(lambda x: torch.full_like(line_next, -5.0)), batch))
    assert draws_it < 0.1 * drops_it, (draws_it, drops_it)
    batch["clip_trust"] = torch.zeros(n, 1, size, size)  # flow not trusted: the frame's own ink is the target
    assert float(r.clip_term(inked(lambda x: torch.full_like(line_next, -5.0)), batch)) < float(r.clip_term(inked(lambda x: wanted), batch))


def test_fill_only_clip_term_prices_the_paint_and_not_the_lines() -> None:
    """``clip_fill_only``: lines stamped where the scene moved from cost nothing (the picture term
    prices them); a fill stamped on the frame costs as much as it does in the picture."""
    recipe = all_recipes()["cel-v3-distill"]
    picture = recipe(apply_overrides(recipe.hyper_cls(), ["w_clip=1"]), torch.device("cpu"))
    fill_only = recipe(apply_overrides(recipe.hyper_cls(), ["w_clip=1", "clip_fill_only=true"]), torch.device("cpu"))
    batch = clip_batch()
    follows = torch.nn.AvgPool2d(3, 1, 1)
    pattern = (torch.arange(64) % 8 < 2).float()[None, None, None]
    lines = lambda x: pattern * 12 - 6  # noqa: E731  (a fixed grid of lines, the same in every frame)
    no_lines = lambda x: torch.full_like(x[:, :1], -12.0)  # noqa: E731
    stamped_lines = Painted(follows, lines)
    stamped_fill = Painted(lambda x: x * 0.2 + pattern * 0.8, no_lines)
    steady = Painted(follows, no_lines)
    assert float(fill_only.clip_term(stamped_lines, batch)) < 1.5 * float(fill_only.clip_term(steady, batch)) + 1e-3
    assert float(picture.clip_term(stamped_lines, batch)) > 5 * float(fill_only.clip_term(stamped_lines, batch))
    assert float(fill_only.clip_term(stamped_fill, batch)) > 5 * float(fill_only.clip_term(steady, batch))
    with pytest.raises(ValueError, match="ink head"):
        fill_only.clip_term(follows, batch)
    with pytest.raises(ValueError, match="set one"):
        apply_overrides(recipe.hyper_cls(), ["clip_fill_only=true", "clip_ink_only=true"])
