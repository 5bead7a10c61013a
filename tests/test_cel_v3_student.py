"""The cel v3 student: the context UNet's ink head, the ink map it learns from, and warm starts."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from training.losses.pixel import ink_map  # noqa: E402
from training.models.registry import get_arch  # noqa: E402
from training.recipes import all_recipes  # noqa: E402
from training.recipes.base import apply_overrides  # noqa: E402


def drawn_picture() -> torch.Tensor:
    """A flat light-orange picture with a 2 px dark stroke of its own hue and a wide dark block."""
    img = torch.empty(1, 3, 64, 64)
    img[:, 0], img[:, 1], img[:, 2] = 0.6, 0.2, -0.2  # in [-1, 1]
    img[:, :, 30:32, 8:40] = (img[:, :, 30:32, 8:40] + 1) * 0.4 - 1  # ink: the fill, darker
    img[:, :, 40:60, 44:62] = -0.8  # a dark area, not a line
    return img


def test_ink_map_finds_strokes_not_dark_areas() -> None:
    m = ink_map(drawn_picture())[0, 0]
    assert m[30:32, 12:36].min() > 0.9  # the stroke
    assert m[5:25, 5:60].max() == 0  # the flat fill
    assert m[44:56, 48:58].max() == 0  # inside the wide dark block


def test_ink_head_composites_a_darker_shade_of_the_fill() -> None:
    net = get_arch("context-unet-ink").build(width=8)
    fill = torch.full((1, 3, 8, 8), 0.5)
    assert torch.allclose(net.composite(fill, torch.full((1, 1, 8, 8), -30.0)), fill, atol=1e-6)
    inked = net.composite(fill, torch.full((1, 1, 8, 8), 30.0))
    assert torch.allclose(inked, (fill + 1) * net.ink_shade - 1, atol=1e-6)  # same hue, darker
    x = torch.rand(1, 3, 32, 40) * 2 - 1
    parts = net(x, parts=True)
    assert [p.shape[1] for p in parts] == [3, 1] and torch.allclose(net(x), net.composite(*parts))


def test_warm_start_takes_the_trunk_of_a_fill_only_run(tmp_path: Path) -> None:
    trunk = get_arch("context-unet").build(width=8)
    ckpt = tmp_path / "generator.pt"
    torch.save({"models": {"generator": trunk.state_dict()}}, ckpt)
    cls = all_recipes()["cel-v3-distill"]
    hp = apply_overrides(cls.hyper_cls(), ["generator_kwargs.width=8", "d_width=8", f"init_generator={ckpt}"])
    recipe = cls(hp, torch.device("cpu"))
    generator = recipe.build_models()["generator"]
    assert torch.equal(generator.context[2].conv1.weight, trunk.context[2].conv1.weight)
    wider = tmp_path / "wider.pt"
    torch.save({"models": {"generator": get_arch("context-unet").build(width=12).state_dict()}}, wider)
    with pytest.raises(RuntimeError, match="size mismatch"):
        cls(apply_overrides(cls.hyper_cls(), ["generator_kwargs.width=8", "d_width=8", f"init_generator={wider}"]), torch.device("cpu")).build_models()


def test_ink_gain_and_bias_sharpen_and_shift_the_lines() -> None:
    soft = get_arch("context-unet-ink").build(width=8)
    sharp = get_arch("context-unet-ink").build(width=8, ink_gain=4.0, ink_bias=1.0)
    fill, logit = torch.zeros(1, 3, 1, 3), torch.tensor([-1.0, -0.2, 1.0]).view(1, 1, 1, 3)
    a_soft = (fill - soft.composite(fill, logit))[0, 0, 0] / (1 - soft.ink_shade)  # alpha: how much ink
    a_sharp = (fill - sharp.composite(fill, logit))[0, 0, 0] / (1 - sharp.ink_shade)
    assert a_sharp[2] > a_soft[2] and a_sharp[0] < a_soft[0]  # surer lines darker, doubtful ones lighter
    assert a_sharp[1] > 0.5 > a_soft[1]  # the bias draws a doubtful line the soft head leaves out


def test_a_tone_gamma_lifts_mid_tones_and_keeps_ink_black_white_and_hue() -> None:
    plain = get_arch("context-unet-ink").build(width=8)
    toned = get_arch("context-unet-ink").build(width=8, tone_gamma=0.75)
    # four pixels: ink-dark, a dark red, a mid blue-grey, white (each in [-1, 1])
    rgb = torch.tensor([[0.04, 0.02, 0.02], [0.30, 0.10, 0.05], [0.35, 0.45, 0.50], [1.0, 1.0, 1.0]])
    picture = (rgb.T.reshape(1, 3, 1, 4) * 2 - 1)
    no_ink = torch.full((1, 1, 1, 4), -30.0)
    assert torch.allclose(plain.composite(picture, no_ink), picture, atol=1e-6)
    out = (toned.composite(picture, no_ink)[0, :, 0].T + 1) / 2
    assert torch.allclose(out[0], rgb[0], atol=1e-6) and torch.allclose(out[3], rgb[3], atol=1e-6)  # ink and white kept
    value = rgb.amax(dim=1)
    assert abs(out[2].max() - value[2] ** 0.75) < 1e-5 and out[1].max() > value[1] * 1.2  # mid tones and darks lifted
    for i in (1, 2):  # channels scaled together: hue and saturation kept
        assert torch.allclose(out[i] / out[i].max(), rgb[i] / rgb[i].max(), atol=1e-5)
    dark = torch.full((1, 3, 1, 1), 0.10 * 2 - 1)  # brightest channel 0.10: above the default floor, under 0.12
    no_line = torch.full((1, 1, 1, 1), -30.0)
    assert toned.composite(dark, no_line)[0, 0].item() > dark[0, 0].item() + 0.01
    higher_floor = get_arch("context-unet-ink").build(width=8, tone_gamma=0.75, tone_floor=0.12)
    assert abs(higher_floor.composite(dark, no_line)[0, 0].item() - dark[0, 0].item()) < 1e-6


def test_a_fill_black_point_makes_dark_fills_black_and_keeps_white() -> None:
    plain = get_arch("context-unet-ink").build(width=8)
    pointed = get_arch("context-unet-ink").build(width=8, fill_black=0.05)
    fill = torch.tensor([-1.0, -0.9, 0.0, 1.0]).view(1, 1, 1, 4).expand(1, 3, 1, 4)
    no_ink = torch.full((1, 1, 1, 4), -30.0)
    assert torch.allclose(plain.composite(fill, no_ink), fill, atol=1e-6)
    out = pointed.composite(fill, no_ink)[0, 0, 0]
    assert out[1] <= -0.999 and out[0] < -1.0  # the darkest 5 % of the range becomes black (the runtime clips)
    assert out[2] < 0.0 and abs(out[3] - 1.0) < 1e-6  # mid tones darker, white stays white


@pytest.mark.parametrize("options", [
    {},
    {"ink_gain": 6.0, "ink_bias": 5.0, "fill_black": 0.03, "tone_gamma": 0.75},  # cel-v3 as shipped
    {"ink_gain": 4.0, "fill_black": 0.06, "tone_gamma": 0.5, "tone_floor": 0.12},
    {"ink_gain": 2.0, "ink_bias": -1.0, "tone_gamma": 0.6},  # no square-root form: exp(log)
])  # fmt: skip
def test_the_exported_drawing_is_the_composite_the_student_was_trained_on(options: dict[str, float]) -> None:
    net = get_arch("context-unet-ink").build(width=8, ink_shade=0.25, **options)
    torch.manual_seed(1)
    for p in net.parameters():  # weights that paint fills past black and white
        p.data.normal_(0, 0.1)
    x = torch.rand(2, 3, 40, 56) * 2 - 1
    with torch.no_grad():
        net.ink.bias -= net(x, parts=True)[1].median() + net.ink_bias / net.ink_gain  # and lines on half of it
        fill, logit = net(x, parts=True)
        reference = net.composite(fill, logit)
        assert 0.05 < float((torch.sigmoid(net.ink_gain * logit + net.ink_bias) > 0.5).float().mean()) < 0.95  # lines and fills both
        assert torch.allclose(net(x), reference, atol=2e-5, rtol=0)


def test_quarter_powers_are_square_roots_of_the_same_value() -> None:
    from training.models.context_unet import power

    value = torch.linspace(1e-4, 1.0, 257)
    for exponent in (-0.25, -0.5, -0.75, -1.0, -0.3, 0.5):
        assert torch.allclose(power(value, exponent), value**exponent, rtol=1e-5), exponent


def test_the_shipped_tone_curve_exports_without_a_channel_reduction_or_log(tmp_path: Path) -> None:
    """OpenVINO runs ReduceMax and Log outside its fused element-wise kernel: together with the
    separate ink conv they cost cel-v3 a fifth of its bf16 time (docs/cel_v3.md)."""
    import onnx

    from training.export.onnx import export_generator

    net = get_arch("context-unet-ink").build(width=8)
    ckpt = tmp_path / "g.pt"
    torch.save({"arch": "context-unet-ink", "arch_kwargs": {"width": 8}, "models": {"generator": net.state_dict()}}, ckpt)
    shipped = {"ink_gain": 6.0, "ink_bias": 5.0, "fill_black": 0.03, "tone_gamma": 0.75}
    report = export_generator("context-unet-ink", tmp_path / "g.onnx", checkpoint=ckpt, overrides=shipped)
    ops = [node.op_type for node in onnx.load(str(report.path)).graph.node]
    assert report.parity and "ReduceMax" not in ops and "Log" not in ops and "Pow" not in ops
    assert ops.count("Conv") == 24  # 25 convolutions trained, the two heads exported as one


def test_a_bundled_graph_gives_back_its_weights_for_another_export(tmp_path: Path) -> None:
    from training.export.onnx import checkpoint_from_onnx, export_generator
    from training.models.weights import read_checkpoint
    from vidanime.errors import VidanimeError

    trained = get_arch("context-unet-ink").build(width=8, ink_shade=0.25)
    torch.manual_seed(0)
    for p in trained.parameters():  # weights no fresh model has
        p.data.normal_(0, 0.1)
    options = {"ink_gain": 6.0, "ink_bias": 5.0, "fill_black": 0.03}
    first = tmp_path / "first.pt"
    torch.save({"arch": "context-unet-ink", "arch_kwargs": {"width": 8, "ink_shade": 0.25}, "models": {"generator": trained.state_dict()}}, first)
    graph = export_generator("context-unet-ink", tmp_path / "style.onnx", checkpoint=first, overrides=options).path
    with pytest.raises(VidanimeError, match="answers differently"):  # the ink shade it was trained with is not in the graph's names
        checkpoint_from_onnx(graph, tmp_path / "back.pt", "context-unet-ink", {"width": 8}, "cel-v3-distill", options)
    assert not (tmp_path / "back.pt").exists()
    back = checkpoint_from_onnx(graph, tmp_path / "back.pt", "context-unet-ink", {"width": 8, "ink_shade": 0.25}, "cel-v3-distill", options)
    state, info = read_checkpoint(back)
    assert info["arch_kwargs"] == {"width": 8, "ink_shade": 0.25} and info["recipe"] == "cel-v3-distill"
    assert all(torch.equal(state[k], v) for k, v in trained.state_dict().items())
    brighter = export_generator("context-unet-ink", tmp_path / "bright.onnx", checkpoint=back, overrides={**options, "tone_gamma": 0.75})
    assert brighter.parity  # exported again with another option, and checked against its torch model


def shift_error(net: torch.nn.Module, image: torch.Tensor, shift: int) -> float:
    """Mean change of the output when the scene moves ``shift`` px left, away from the borders."""
    size = image.shape[-1] - 16
    with torch.no_grad():
        base, moved = net(image[..., :size]), net(image[..., shift : shift + size])
    return float((moved[..., 24:-24, 24 : size - shift - 24] - base[..., 24:-24, shift + 24 : size - 24]).abs().mean())


def test_antialiasing_steadies_the_picture_under_a_one_pixel_move(tmp_path: Path) -> None:
    """The strided convs alias, so a 1 px move of the scene changes the picture: a binomial blur
    before them takes most of that away, a wider one more, with the same weights (weights trained
    without it load as they are)."""
    torch.manual_seed(3)
    plain = get_arch("context-unet").build(width=8)
    for conv in plain.modules():  # He-scaled weights: every layer passes on signal of about its input's size
        if isinstance(conv, torch.nn.Conv2d):
            torch.nn.init.kaiming_normal_(conv.weight, a=0.2)
            torch.nn.init.zeros_(conv.bias)
    texture = torch.nn.functional.interpolate(torch.rand(1, 3, 40, 48) * 2 - 1, size=(160, 192), mode="nearest")  # hard 4 px blocks
    errors = {}
    for taps in (0, 3, 5):
        net = get_arch("context-unet").build(width=8, antialias=taps)
        net.load_state_dict(plain.state_dict())  # strict: the blur adds no weights
        errors[taps] = shift_error(net, texture, 1)
    assert errors[3] < 0.5 * errors[0] and errors[5] < errors[3], errors
    with pytest.raises(ValueError, match="taps"):
        get_arch("context-unet").build(width=8, antialias=4)

    import onnx

    from training.export.onnx import export_generator

    ckpt = tmp_path / "g.pt"
    inked = get_arch("context-unet-ink").build(width=8, antialias=5)
    torch.save({"arch": "context-unet-ink", "arch_kwargs": {"width": 8, "antialias": 5}, "models": {"generator": inked.state_dict()}}, ckpt)
    report = export_generator("context-unet-ink", tmp_path / "g.onnx", checkpoint=ckpt)
    assert report.parity and [n.op_type for n in onnx.load(str(report.path)).graph.node].count("Conv") == 24 + 3  # a blur a stride
