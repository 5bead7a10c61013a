"""The trainer: every recipe end to end, learning, exact resume, data-parallel replicas."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from factories import frame_pattern  # noqa: E402

from training.data.batches import PairedSource  # noqa: E402
from training.recipes import all_recipes  # noqa: E402
from training.recipes.base import apply_overrides  # noqa: E402
from training.trainer import TrainConfig, Trainer  # noqa: E402
from vidanime.cli.app import run  # noqa: E402
from vidanime.engine.session import open_session  # noqa: E402
from vidanime.errors import UsageError  # noqa: E402


@pytest.fixture(scope="module")
def image_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("data")
    photos, styles = root / "photos", root / "styles"
    photos.mkdir()
    styles.mkdir()
    for i in range(3):
        cv2.imwrite(str(photos / f"p{i}.jpg"), frame_pattern(i, 72, 90))
        flat = np.zeros((70, 70, 3), np.uint8)
        flat[:, 35:] = (40 * i, 200, 90)
        cv2.rectangle(flat, (10, 10), (50, 50), (0, 0, 0), 2)
        cv2.imwrite(str(styles / f"s{i}.png"), flat)
    return photos, styles


def small_overrides(recipe: str) -> list[str]:
    sets = ["--steps", "3", "--batch-size", "2", "--crop", "64" if recipe == "dcgan" else "32"]
    if recipe in ("whitebox", "animegan", "animeganv2", "cartoongan"):
        sets += ["--set", "init_steps=1"]
    if recipe in ("cel-distill", "cel-v1-distill", "cel-v3-distill", "cel-v3-trunk-distill", "shinkai-v3-distill", "shinkai-distill", "manga-distill", "whitebox"):
        sets += ["--set", "generator_kwargs.width=8"]
    if recipe in ("cel-v3-distill", "cel-v3-trunk-distill", "shinkai-v3-distill"):  # the discriminator steers from step 2 of 3
        sets += ["--set", "adversarial_from=1", "--set", "d_width=8"]
    return sets


@pytest.mark.parametrize("recipe", sorted(all_recipes()))
def test_every_recipe_runs_end_to_end(recipe: str, image_dirs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photos, styles = image_dirs
    out = tmp_path / "run"
    code = run(["train", recipe, "--photos", str(photos), "--style", str(styles), "--out", str(out), "-q",
                "--sample-every", "3", "--log-every", "1", "--checkpoint-every", "2", *small_overrides(recipe)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    rows = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3]
    assert all(np.isfinite(v) for r in rows for k, v in r.items())
    assert (out / "loss.png").stat().st_size > 1000 and (out / "samples" / "step_000003.png").is_file()
    assert (out / "checkpoints" / "last.pt").is_file()
    if recipe != "dcgan":
        engine = open_session(out / "generator.onnx", "cpu")
        assert engine.contract.arch == all_recipes()[recipe].generator_arch


def test_train_refuses_to_clobber_a_run_and_bad_overrides(image_dirs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    photos, _ = image_dirs
    args = ["train", "cel-distill", "--photos", str(photos), "--out", str(tmp_path / "r"), "-q", "--no-export", *small_overrides("cel-distill")]
    assert run(args) == 0
    shutil.rmtree(tmp_path / "r" / "cache")
    assert run(args) == 2 and "--resume" in capsys.readouterr().err
    assert not (tmp_path / "r" / "cache").exists()  # refused before the teacher rendered anything
    assert run([*args, "--set", "no_such=1"]) == 2
    assert run(["train", "cartoongan", "--photos", str(photos), "--out", str(tmp_path / "c"), "-q"]) == 2
    assert "needs --style" in capsys.readouterr().err
    with pytest.raises(UsageError):
        apply_overrides(all_recipes()["dcgan"].hyper_cls(), ["lr_g"])


def test_train_is_one_call_like_convert(image_dirs: tuple[Path, Path], tmp_path: Path) -> None:
    """``training.run.train(request, progress)``: the recipe looked up (an old name too), overrides
    merged, progress counted up to the steps, and a stopped run resumed where it stopped."""
    from training.run import TrainRequest, train

    photos, _ = image_dirs
    seen: dict[str, list[object]] = {}

    def progress(name: str, total: int | None):  # type: ignore[no-untyped-def]
        seen[name] = [total, 0]
        return lambda n: seen[name].__setitem__(1, seen[name][1] + n)  # type: ignore[operator]

    request = TrainRequest("cel-distill", photos, tmp_path / "r", steps=4, batch_size=2, crop=32, overrides=["generator_kwargs.width=8"],
                           device="cpu", stop_at=2, export=False, sample_every=10**6)  # fmt: skip
    said: list[str] = []
    first = train(request, progress, said.append)
    assert (first.recipe, first.result.step, first.result.finished) == ("cel-distill", 2, False) and seen["cel-distill"] == [4, 2]
    assert said == ["cel-distill: preparing data (3 photos)"]
    resumed = train(dataclasses.replace(request, stop_at=None, resume=True), progress)
    assert resumed.result.finished and resumed.result.step == 4 and seen["cel-distill"] == [4, 4]
    with pytest.raises(UsageError, match="unknown recipe"):
        train(dataclasses.replace(request, recipe="nope"))


def paired(size: int = 48) -> PairedSource:
    inputs = [frame_pattern(i, 64, 64) for i in range(2)]
    targets = [cv2.GaussianBlur(255 - im, (5, 5), 0) for im in inputs]
    return PairedSource(inputs, targets, size, batch_size=2, seed=3)


def distill_config(out: Path, steps: int, **extra: object) -> TrainConfig:
    hp = apply_overrides(all_recipes()["cel-distill"].hyper_cls(), [f"steps={steps}", "w_perceptual=0", "generator_kwargs.width=8", "lr_g=0.003"])
    return TrainConfig("cel-distill", out, hp, device="cpu", log_every=1, sample_every=10**6, checkpoint_every=10**6, export=False, **extra)  # type: ignore[arg-type]


def test_cel_v3_student_and_its_discriminator_both_learn(tmp_path: Path) -> None:
    """The patch discriminator trains beside the student and steers it once the warm-up ends."""
    hp = apply_overrides(all_recipes()["cel-v3-distill"].hyper_cls(), ["steps=6", "w_perceptual=0", "generator_kwargs.width=8", "d_width=8", "adversarial_from=4"])
    config = TrainConfig("cel-v3-distill", tmp_path / "v3", hp, device="cpu", log_every=1, sample_every=10**6, checkpoint_every=10**6, export=False)
    Trainer(config, all_recipes()["cel-v3-distill"], paired()).run()
    rows = [json.loads(x) for x in (tmp_path / "v3" / "log.jsonl").read_text().splitlines()]
    assert ["d" in r for r in rows] == [False, False, True, True, True, True]  # D from half the warm-up on
    assert ["adversarial" in r for r in rows] == [False, False, False, False, True, True]  # ... G feels it from adversarial_from
    saved = torch.load(tmp_path / "v3" / "checkpoints" / "last.pt", weights_only=False)
    assert "discriminator" in saved["models"] and "discriminator" in saved["optimizers"]


def test_face_masks_crop_with_their_photos_and_weigh_the_faces(tmp_path: Path) -> None:
    """``w_face``: an extra L1 over the pixels a mask marks. The mask is cropped and flipped with
    its photo (here it is the photo's red channel, so the two must agree pixel for pixel), and the
    term is logged, zero where no face is marked."""
    source = paired()
    source.masks = [im[..., 0].copy() for im in source.inputs]
    for step in range(4):
        batch = source.batch(step)
        assert torch.allclose(batch["mask"][:, 0] * 2 - 1, batch["photo"][:, 0], atol=1e-5)
    hp = apply_overrides(all_recipes()["cel-v3-distill"].hyper_cls(), ["steps=2", "w_perceptual=0", "generator_kwargs.width=8", "d_width=8", "w_face=2"])
    for name, mask in (("faces", lambda im: np.where(np.arange(im.shape[1]) < 32, 255, 0).astype(np.uint8)[None].repeat(im.shape[0], 0)), ("none", lambda im: np.zeros(im.shape[:2], np.uint8))):
        source = paired()
        source.masks = [mask(im) for im in source.inputs]
        config = TrainConfig("cel-v3-distill", tmp_path / name, hp, device="cpu", log_every=1, sample_every=10**6, checkpoint_every=10**6, export=False)
        Trainer(config, all_recipes()["cel-v3-distill"], source).run()
        rows = [json.loads(x) for x in (tmp_path / name / "log.jsonl").read_text().splitlines()]
        assert all((r["face"] > 0.01) == (name == "faces") for r in rows), rows


def test_small_motions_move_the_picture_as_asked() -> None:
    """A shift of two normalised pixels moves every pixel by one; the margin covers the largest
    motion (no border pixel inside it comes from outside the crop)."""
    from training.ops.motion import motion_margin, moved, small_motions

    x = torch.rand(2, 3, 64, 64)
    identity = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]).repeat(2, 1, 1)
    step = identity.clone()
    step[:, 0, 2] = 2 / 64
    assert torch.allclose(moved(x, identity), x, atol=1e-5)
    assert torch.allclose(moved(x, step)[..., :-1], x[..., 1:], atol=1e-5)
    theta = small_motions(256, torch.Generator().manual_seed(0), 2.0, 0.03, 1.0, 64)
    ramp = torch.arange(64.0)[None, None, None].expand(256, 1, 64, 64).contiguous()
    m = motion_margin(2.0, 0.03, 1.0, 64)
    inner = moved(ramp, theta)[..., m:-m, m:-m]
    assert inner.min() > 0 and inner.max() < 63  # never clamped at the crop's border
    assert (moved(ramp, theta) - ramp).abs().amax(dim=(1, 2, 3)).max() > 1.5  # they do move


def test_stability_blur_forgives_a_softer_line_but_not_a_moved_one() -> None:
    """``stable_blur``: the same line drawn crisp in one picture and softened (as resampling does)
    in the other costs little once both are blurred; a line one pixel off costs as much as before."""
    from training.ops.motion import stability_l1

    crisp = torch.zeros(1, 1, 32, 64)
    crisp[..., 30:32] = 1.0
    soft = torch.nn.functional.conv2d(torch.nn.functional.pad(crisp, (1, 1, 0, 0), mode="replicate"), torch.tensor([[[[0.25, 0.5, 0.25]]]]))
    moved_line = torch.roll(crisp, 1, dims=-1)
    assert stability_l1(crisp, soft, 4, 1.0) < 0.4 * stability_l1(crisp, soft, 4, 0.0)
    assert stability_l1(crisp, moved_line, 4, 1.0) > 0.6 * stability_l1(crisp, moved_line, 4, 0.0)
    assert stability_l1(crisp, moved_line, 4, 1.0) > 3 * stability_l1(crisp, soft, 4, 1.0)


def test_stability_term_prices_a_picture_that_does_not_follow_the_camera(tmp_path: Path) -> None:
    """``w_stable``: a generator that commutes with motion (here a blur) costs next to nothing; one that stamps a fixed pattern on the frame (lines that stay where the
    camera moved away from) costs much more, and the term is logged in training."""
    recipe = all_recipes()["cel-v3-distill"]
    hp = apply_overrides(recipe.hyper_cls(), ["w_stable=1", "stable_noise=0"])
    r = recipe(hp, torch.device("cpu"))
    photo = torch.from_numpy(np.stack([frame_pattern(i, 96, 96) for i in range(2)])).permute(0, 3, 1, 2).float() / 127.5 - 1
    follows = torch.nn.AvgPool2d(3, 1, 1)
    pattern = (torch.arange(96) % 8 < 2).float()[None, None, None] * 0.8
    stamps = lambda x: x * 0.2 + pattern  # noqa: E731
    cheap = float(r.stability_term(7, follows, photo, follows(photo)))
    dear = float(r.stability_term(7, stamps, photo, stamps(photo)))
    assert cheap < 0.02 and dear > 5 * cheap, (cheap, dear)
    with pytest.raises(ValueError, match="ink head"):  # ``stable_ink_only`` prices the ink head's logits
        recipe(apply_overrides(recipe.hyper_cls(), ["w_stable=1", "stable_ink_only=true"]), torch.device("cpu")).stability_term(7, follows, photo, follows(photo))
    for ink_only in ("false", "true"):
        hp = apply_overrides(recipe.hyper_cls(), ["steps=2", "w_perceptual=0", "generator_kwargs.width=8", "d_width=8", "w_stable=0.5", f"stable_ink_only={ink_only}"])
        config = TrainConfig("cel-v3-distill", tmp_path / ink_only, hp, device="cpu", log_every=1, sample_every=10**6, checkpoint_every=10**6, export=False)
        Trainer(config, recipe, paired()).run()
        rows = [json.loads(x) for x in (tmp_path / ink_only / "log.jsonl").read_text().splitlines()]
        assert len(rows) == 2 and all(r["stable"] > 0 for r in rows), rows


def test_face_discriminator_judges_the_face_boxes(tmp_path: Path) -> None:
    """``w_face_adversarial``: a second D sees each face's box (from the cropped mask), only boxes
    large enough to hold an eye; it trains and steers the student once faces are in the batch."""
    from training.recipes.distill import face_boxes, face_crops

    mask = torch.zeros(3, 1, 64, 64)
    mask[0, :, 10:40, 20:44] = 1  # a face
    mask[1, :, 0:5, 0:64] = 1  # a sliver at the border
    assert face_boxes(mask, 16) == [(0, 10, 40, 20, 44)]
    images = torch.arange(3 * 3 * 64 * 64, dtype=torch.float32).reshape(3, 3, 64, 64)
    crops = face_crops(images, face_boxes(mask, 16), 24)
    assert crops.shape == (1, 3, 24, 24) and images[0, :, 10:40, 20:44].min() <= crops.min() and crops.max() <= images[0, :, 10:40, 20:44].max()
    hp = apply_overrides(all_recipes()["cel-v3-distill"].hyper_cls(), ["steps=6", "w_perceptual=0", "generator_kwargs.width=8", "d_width=8", "w_face=1", "w_face_adversarial=0.1", "face_crop=32", "adversarial_from=4"])
    source = paired()
    source.masks = [np.where(np.arange(im.shape[1]) < 40, 255, 0).astype(np.uint8)[None].repeat(im.shape[0], 0) for im in source.inputs]
    config = TrainConfig("cel-v3-distill", tmp_path / "fd", hp, device="cpu", log_every=1, sample_every=10**6, checkpoint_every=10**6, export=False)
    Trainer(config, all_recipes()["cel-v3-distill"], source).run()
    rows = [json.loads(x) for x in (tmp_path / "fd" / "log.jsonl").read_text().splitlines()]
    assert ["d_face" in r for r in rows] == [False, False, True, True, True, True], rows
    assert ["face_adversarial" in r for r in rows] == [False, False, False, False, True, True], rows
    saved = torch.load(tmp_path / "fd" / "checkpoints" / "last.pt", weights_only=False)
    assert "face_discriminator" in saved["models"] and "face_discriminator" in saved["optimizers"]


def test_photos_with_faces_are_drawn_more_often() -> None:
    """``face_oversample``: an image whose mask marks a face is sampled that many times as often."""
    from training.recipes.distill import face_weights

    source = paired()
    blank = np.zeros(source.inputs[0].shape[:2], np.uint8)
    masks = [blank.copy() for _ in source.inputs]
    masks[0][10:20, 10:20] = 255
    source.weights = face_weights(masks, 4.0)
    assert source.weights == [4.0] + [1.0] * (len(masks) - 1)
    source.masks, source.batch_size = masks, 1
    share = np.mean([source.batch(step)["mask"].amax().item() > 0.5 for step in range(400)])
    expected = 4.0 / (4.0 + len(masks) - 1)
    assert abs(share - expected) < 0.1, (share, expected)


def test_supervised_overfit_loss_falls_by_half(tmp_path: Path) -> None:
    result = Trainer(distill_config(tmp_path / "o", 120), all_recipes()["cel-distill"], paired()).run()
    rows = [json.loads(line) for line in (tmp_path / "o" / "log.jsonl").read_text().splitlines()]
    first, last = np.mean([r["l1"] for r in rows[:5]]), np.mean([r["l1"] for r in rows[-5:]])
    assert result.finished and last <= 0.5 * first, (first, last)


def test_resume_gives_the_same_next_losses(tmp_path: Path) -> None:
    cls = all_recipes()["cel-distill"]
    Trainer(distill_config(tmp_path / "straight", 8), cls, paired()).run()
    Trainer(distill_config(tmp_path / "split", 8, stop_at=4), cls, paired()).run()
    Trainer(distill_config(tmp_path / "split", 8, resume=True), cls, paired()).run()
    straight = [json.loads(x) for x in (tmp_path / "straight" / "log.jsonl").read_text().splitlines()]
    split = [json.loads(x) for x in (tmp_path / "split" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in split] == list(range(1, 9))
    for a, b in zip(straight[4:], split[4:]):
        assert a["l1"] == pytest.approx(b["l1"], rel=1e-5, abs=1e-7)


def test_resume_of_a_gan_recipe_restores_both_optimisers(image_dirs: tuple[Path, Path], tmp_path: Path) -> None:
    photos, styles = image_dirs
    base = ["train", "animeganv2", "--photos", str(photos), "--style", str(styles), "-q", "--no-export", "--log-every", "1",
            "--batch-size", "2", "--crop", "32", "--set", "init_steps=1"]  # fmt: skip
    assert run([*base, "--out", str(tmp_path / "a"), "--steps", "4"]) == 0
    assert run([*base, "--out", str(tmp_path / "b"), "--steps", "4", "--stop-at", "2"]) == 0
    assert run([*base, "--out", str(tmp_path / "b"), "--steps", "4", "--resume"]) == 0
    a = [json.loads(x) for x in (tmp_path / "a" / "log.jsonl").read_text().splitlines()]
    b = [json.loads(x) for x in (tmp_path / "b" / "log.jsonl").read_text().splitlines()]
    for key in ("d", "adv", "content", "colour"):
        assert a[3][key] == pytest.approx(b[3][key], rel=1e-4), key


DDP_SCRIPT = textwrap.dedent(
    """
    import os, sys, torch
    sys.path.insert(0, {tests!r})
    from test_training import distill_config, paired
    from training.recipes import all_recipes
    from training.trainer import Trainer
    torch.set_num_threads(1)
    out = __import__("pathlib").Path({out!r})
    from training.recipes.base import apply_overrides
    from training.trainer import TrainConfig
    recipe = {recipe!r}
    if recipe == "cel-distill":
        config = distill_config(out, 3)
    else:  # a frozen-between-steps discriminator, two generator passes per step (w_stable)
        hp = apply_overrides(all_recipes()[recipe].hyper_cls(), ["steps=3", "w_perceptual=0", "generator_kwargs.width=8", "d_width=8", "w_stable=1", "adversarial_from=2"])
        config = TrainConfig(recipe, out, hp, device="cpu", log_every=1, sample_every=10**6, checkpoint_every=10**6, export=False)
    trainer = Trainer(config, all_recipes()[recipe], paired())
    before = {{k: v.clone() for k, v in trainer.raw_models["generator"].state_dict().items()}}
    torch.save(before, out / f"init{{os.environ['RANK']}}.pt")
    trainer.run()
    torch.save({{name: m.state_dict() for name, m in trainer.raw_models.items()}}, out / f"rank{{os.environ['RANK']}}.pt")
    """
)


@pytest.mark.parametrize(("recipe", "port"), [("cel-distill", 29517), ("cel-v3-distill", 29518)])
def test_two_process_gloo_run_keeps_replicas_equal(tmp_path: Path, recipe: str, port: int) -> None:
    out = tmp_path / "ddp"
    out.mkdir()
    script = tmp_path / "ddp.py"
    script.write_text(DDP_SCRIPT.format(tests=str(Path(__file__).parent), out=str(out), recipe=recipe))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(port), str(script)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    r0, r1 = torch.load(out / "rank0.pt"), torch.load(out / "rank1.pt")
    init = torch.load(out / "init0.pt")
    for name in r0:  # every network's replicas identical after training (the discriminator's too)
        assert all(torch.equal(r0[name][k], r1[name][k]) for k in r0[name]), name
    assert any(not torch.equal(r0["generator"][k], init[k]) for k in init)  # and training changed them
    assert [json.loads(x)["step"] for x in (out / "log.jsonl").read_text().splitlines()] == [1, 2, 3]


def test_precision_resolves_to_what_the_device_has(monkeypatch: pytest.MonkeyPatch) -> None:
    import training.precision as precision

    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: False)
    assert precision.resolve_precision("auto", cpu) == "fp32"
    assert precision.resolve_precision("auto", cuda) == "fp16"
    monkeypatch.setattr(precision, "cpu_has_bf16", lambda: True)
    assert precision.resolve_precision("auto", cpu) == "bf16"
    assert precision.resolve_precision("bf16", cpu) == "bf16"
    with pytest.raises(UsageError, match="CUDA"):
        precision.resolve_precision("fp16", cpu)
    with pytest.raises(UsageError, match="--precision"):
        precision.resolve_precision("int8", cpu)


def test_bf16_and_channels_last_train_on_the_cpu_and_are_recorded(tmp_path: Path) -> None:
    """bf16 autocast really runs the convolutions in bf16 (losses differ from fp32's but stay close
    and fall), and channels-last gives fp32's losses; the run's config says which it used."""
    cls = all_recipes()["cel-distill"]
    runs = {name: tmp_path / name for name in ("fp32", "bf16", "nhwc")}
    Trainer(distill_config(runs["fp32"], 6, precision="fp32"), cls, paired()).run()
    Trainer(distill_config(runs["bf16"], 6, precision="bf16"), cls, paired()).run()
    Trainer(distill_config(runs["nhwc"], 6, precision="fp32", channels_last=True), cls, paired()).run()
    logs = {n: [json.loads(x)["l1"] for x in (p / "log.jsonl").read_text().splitlines()] for n, p in runs.items()}
    configs = {n: json.loads((p / "config.json").read_text()) for n, p in runs.items()}
    assert configs["bf16"]["precision"] == "bf16" and configs["fp32"]["precision"] == "fp32" and configs["nhwc"]["channels_last"]
    assert logs["bf16"] != logs["fp32"] and logs["bf16"] == pytest.approx(logs["fp32"], rel=0.05)
    assert logs["nhwc"] == pytest.approx(logs["fp32"], rel=1e-4)


def test_prefetched_batches_are_the_ones_the_step_would_make(tmp_path: Path) -> None:
    from training.data.prefetch import Prefetcher

    source = paired()
    ahead = Prefetcher(source)
    try:
        for step in (0, 1, 2, 7, 8):  # a jump (resume) as well as the steady walk
            made, direct = ahead.batch(step), source.batch(step)
            assert made.keys() == direct.keys() and all(torch.equal(made[k], direct[k]) for k in made)
    finally:
        ahead.close()


@pytest.mark.parametrize("extra_layer", [True, False])
def test_dcgan_discriminator_mirrors_the_generators_extra_layer(extra_layer: bool) -> None:
    cls = all_recipes()["dcgan"]
    hp = apply_overrides(cls.hyper_cls(), [f"generator_kwargs.extra_layer={extra_layer}"])
    models = cls(hp, torch.device("cpu")).build_models()
    first_d = next(m for m in models["discriminator"].modules() if isinstance(m, torch.nn.Conv2d))
    last_g = [m for m in models["generator"].modules() if isinstance(m, torch.nn.ConvTranspose2d)][-1]
    assert (first_d.out_channels == 3) == extra_layer and (last_g.in_channels == 3) == extra_layer
    z = torch.randn(2, 100)
    assert models["discriminator"](models["generator"](z)).shape == (2,)


def test_wall_minutes_counts_every_resumed_leg_and_final_losses_drop_bookkeeping() -> None:
    from training.plots import final_losses, wall_minutes

    # a run stopped at 120 s, resumed (its clock restarts), ended at 90 s: 3.5 minutes in all
    rows = [{"step": 1, "time": 60.0, "l1": 0.5}, {"step": 2, "time": 120.0, "l1": 0.4}, {"step": 3, "time": 30.0, "l1": 0.3},
            {"step": 4, "time": 90.0, "l1": 0.123456, "seconds_per_step": 0.5}]  # fmt: skip
    assert wall_minutes(rows) == 3.5
    assert final_losses(rows) == {"l1": 0.1235}
