"""The training kit's architectures: parameter counts, any-size behaviour, ONNX export + parity."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

from factories import make_clip, read_frames  # noqa: E402

from training.export.onnx import export_generator  # noqa: E402
from training.models.layers import count_params  # noqa: E402
from training.models.registry import all_archs, generator_names, get_arch  # noqa: E402
from vidanime.cli.app import run  # noqa: E402
from vidanime.engine.contract import ModelContract  # noqa: E402
from vidanime.engine.session import open_session  # noqa: E402
from vidanime.engine.stylizer import Stylizer  # noqa: E402
from vidanime.errors import VidanimeError  # noqa: E402

COUNTED = {name: spec.counted_params for name, spec in all_archs().items() if spec.counted_params}


def test_every_seed_family_is_registered() -> None:
    assert set(generator_names()) >= {
        "lightweight", "animeganv2", "animegan", "animeganv3", "cartoongan", "artifygan", "animatedgan", "cyclegan",
    }  # fmt: skip
    assert {"dcgan", "dcgan_d", "patchgan", "anime_d", "whitebox_d"} <= set(all_archs())


@pytest.mark.parametrize("name", sorted(COUNTED))
def test_parameter_count_matches_the_counted_figure(name: str) -> None:
    ours = count_params(get_arch(name).build())
    assert abs(ours - COUNTED[name]) <= 0.01 * COUNTED[name], (ours, COUNTED[name])


def test_exact_counts_where_the_layer_list_is_public() -> None:
    exact = {"lightweight": 1_467_075, "animeganv2": 2_143_552, "animeganv3": 1_027_520, "cartoongan": 11_129_667, "cyclegan": 11_378_179}
    for name, expected in exact.items():
        assert count_params(get_arch(name).build()) == expected, name
    plain = get_arch("dcgan").build(extra_layer=False)
    assert count_params(plain) == 3_576_704
    from training.models.dcgan import DCGANDiscriminator

    assert count_params(DCGANDiscriminator(extra_layer=False)) == 2_765_568


def test_lightweight_width_knob_shrinks_it() -> None:
    full, slim = get_arch("lightweight").build(), get_arch("lightweight").build(width=16)
    assert count_params(slim) < count_params(full) / 3


@pytest.mark.parametrize("name", generator_names())
def test_generator_keeps_the_size_with_runtime_padding(name: str) -> None:
    spec = get_arch(name)
    model = spec.build().eval()

    def run_torch(batch: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return model(torch.from_numpy(batch)).numpy()

    contract = ModelContract("input", "output", size_multiple=spec.size_multiple, output_range=spec.output_range)
    stylize = Stylizer(run_torch, contract)
    for h, w in ((64, 96), (61, 93)):  # the second is not a multiple of anything
        frames = np.random.default_rng(0).integers(0, 255, (1, h, w, 3), dtype=np.uint8)
        assert stylize(frames).shape == (1, h, w, 3)


def test_animeganv2_state_dict_uses_the_pytorch_port_layout() -> None:
    shapes = {k: tuple(v.shape) for k, v in get_arch("animeganv2").build().state_dict().items()}
    assert shapes["block_a.0.1.weight"] == (32, 3, 7, 7)
    assert shapes["block_a.1.1.weight"] == (64, 32, 3, 3)
    assert shapes["block_c.1.layers.0.1.weight"] == (256, 128, 1, 1)
    assert shapes["block_c.1.layers.1.1.weight"] == (256, 1, 3, 3) and shapes["block_c.1.layers.1.1.bias"] == (256,)
    assert shapes["block_c.1.layers.2.weight"] == (256, 256, 1, 1) and shapes["block_c.1.layers.3.weight"] == (256,)
    assert shapes["out_layer.0.weight"] == (3, 32, 1, 1)
    assert len(shapes) == 77


def test_discriminators_give_patch_maps() -> None:
    x = torch.zeros(2, 3, 64, 64)
    for name in ("patchgan", "patchgan_bn", "anime_d", "cartoon_d", "whitebox_d"):
        y = get_arch(name).build()(x)
        assert y.ndim == 4 and y.shape[:2] == (2, 1) and y.shape[-1] > 1, name
    assert get_arch("dcgan_d").build()(x).shape == (2,)
    assert get_arch("dcgan").build()(torch.randn(2, 100)).shape == (2, 3, 64, 64)


@pytest.mark.parametrize("name", generator_names())
def test_export_with_parity_and_metadata(name: str, tmp_path: Path) -> None:
    out = tmp_path / f"{name}.onnx"
    report = export_generator(name, out)
    assert len(report.parity) == 2 and all(d <= 1e-3 for d in report.parity.values())
    engine = open_session(out, "cpu")
    spec = get_arch(name)
    assert engine.contract.arch == name and engine.contract.size_multiple == spec.size_multiple
    assert engine.contract.output_range == spec.output_range and engine.contract.fixed_size is None
    assert not engine.contract.batch_fixed


def test_a_whitebox_checkpoint_exports_with_its_guided_output(tmp_path: Path) -> None:
    from training.ops.guided_filter import guided_filter

    torch.manual_seed(0)
    model = get_arch("lightweight").build(width=8).eval()
    torch.nn.init.normal_(model.out.weight, std=0.05)
    for recipe in ("whitebox", "cel-distill"):
        ckpt = tmp_path / f"{recipe}.pt"
        torch.save({"recipe": recipe, "arch": "lightweight", "arch_kwargs": {"width": 8}, "models": {"generator": model.state_dict()}}, ckpt)
        export_generator("lightweight", tmp_path / f"{recipe}.onnx", checkpoint=ckpt)
    x = torch.rand(1, 3, 48, 64) * 2 - 1
    with torch.no_grad():
        raw, filtered = model(x), guided_filter(x, model(x), 1, 5e-3)
    assert (raw - filtered).abs().max() > 0.01  # the filter changes the picture, so the check below can fail
    for recipe, expected in (("whitebox", filtered), ("cel-distill", raw)):
        engine = open_session(tmp_path / f"{recipe}.onnx", "cpu")
        got = engine.run(x.numpy())
        assert np.abs(got - expected.numpy()).max() < 1e-3, recipe
    meta = {p.key: p.value for p in onnx.load(str(tmp_path / "whitebox.onnx")).metadata_props}
    assert any(k.endswith("output_filter") for k in meta)


def test_checkpoint_export_fp16_and_convert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = get_arch("lightweight").build(width=8)
    torch.nn.init.normal_(model.out.weight, std=0.01)
    ckpt = tmp_path / "g.pt"
    torch.save({"models": {"generator": {"module." + k: v for k, v in model.state_dict().items()}}}, ckpt)
    out = tmp_path / "lw8.onnx"
    with pytest.raises(VidanimeError, match="does not fit"):
        export_generator("lightweight", out, checkpoint=ckpt)  # width 32 vs a width-8 checkpoint
    assert not out.exists()
    report = export_generator("lightweight", out, checkpoint=ckpt, fp16=True, overrides={"width": 8})
    assert report.fp16_path is not None and report.fp16_path.exists()
    assert any(k.startswith("fp16") and v <= 1e-2 for k, v in report.parity.items())
    clip = make_clip(tmp_path / "clip.mp4", n_frames=5, size=(62, 90))
    assert run(["convert", str(clip), "--style", str(out), "-o", str(tmp_path / "o.mp4"), "-q"]) == 0
    assert len(read_frames(tmp_path / "o.mp4")[0]) == 5


def test_export_cli_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["export-onnx", "--arch", "dcgan", "-o", str(tmp_path / "d.onnx")]) == 2
    assert "noise generator" in capsys.readouterr().err
    assert run(["export-onnx", "--arch", "lightweight", "-o", str(tmp_path / "x.onnx"), "--checkpoint", str(tmp_path / "none.pt")]) == 1
    assert "checkpoint not found" in capsys.readouterr().err
    assert not (tmp_path / "x.onnx").exists()


def test_export_without_torch_names_the_extra(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from vidanime.cli.app import run\n"
        f"print(run(['export-onnx', '--arch', 'lightweight', '-o', {str(tmp_path / 'x.onnx')!r}]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "1"
    assert "vidanime[train]" in out.stderr and "Traceback" not in out.stderr


def test_fp16_conversion_of_a_graph_with_integer_casts(tmp_path: Path) -> None:
    """manga's screen casts its integer pixel grid to float: the fp16 graph must still load and agree
    (the converter once left those Casts at float while declaring fp16 outputs)."""
    from training.export.onnx import to_fp16
    from vidanime.engine.openvino_backend import psnr
    from vidanime.engine.probe import probe_image
    from vidanime.engine.stylizer import from_model_output, to_model_input
    from vidanime.styles.registry import BUNDLED_DIR

    half = tmp_path / "manga.fp16.onnx"
    to_fp16(BUNDLED_DIR / "manga.onnx", half)
    fp32, fp16 = open_session(BUNDLED_DIR / "manga.onnx", "cpu", backend="onnxruntime"), open_session(half, "cpu", backend="onnxruntime")
    x = to_model_input(probe_image(64, 96), fp32.contract)
    a, b = from_model_output(fp32.run(x), fp32.contract), from_model_output(fp16.run(x), fp16.contract)
    assert psnr(a, b, 255.0) >= 40
