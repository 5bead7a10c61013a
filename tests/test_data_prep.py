"""Data preparation: edge smoothing, superpixels, frames from a video, batches, VGG import."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from factories import frame_pattern, make_clip  # noqa: E402

from training.data.batches import PairedSource, random_crop, step_rng  # noqa: E402
from training.data.edge_smooth import edge_smooth  # noqa: E402
from training.data.frames import extract_frames  # noqa: E402
from training.data.superpixels import region_colour, segment  # noqa: E402
from vidanime.cli.app import run  # noqa: E402


def test_edge_smooth_blurs_only_near_edges() -> None:
    img = np.full((40, 40, 3), 30, np.uint8)
    img[:, 20:] = 220
    out = edge_smooth(img)
    assert np.array_equal(out[:, :10], img[:, :10]) and np.array_equal(out[:, 30:], img[:, 30:])
    assert 30 < out[20, 19, 0] < 220 and 30 < out[20, 20, 0] < 220  # the edge itself got softer


def test_region_colour_means_and_adaptive_detail() -> None:
    img = np.zeros((4, 4, 3), np.float32)
    img[:, 2:] = 1.0
    img[0, 0] = 0.4
    labels = np.zeros((4, 4), int)
    labels[:, 2:] = 1
    flat = region_colour(img, labels)
    assert flat[1, 1, 0] == pytest.approx(0.4 / 8) and flat[0, 3, 0] == pytest.approx(1.0)
    adaptive = region_colour(img, labels, adaptive_std=0.01)  # busy region 0 keeps its detail
    assert adaptive[0, 0, 0] > flat[0, 0, 0]
    labels = segment(np.dstack([img[..., 0]] * 3), "felzenszwalb", scale=1, min_size=1)
    assert labels[0, 3] != labels[0, 1]


def test_frames_skip_black_and_duplicates(tmp_path: Path) -> None:
    clip = tmp_path / "c.mp4"
    make_clip(clip, n_frames=48, fps=8, audio=None)  # 6 s
    stats = extract_frames(clip, tmp_path / "frames", every_s=1.0)
    assert stats.seen == 6 and stats.kept == len(list((tmp_path / "frames").glob("*.jpg"))) > 0
    assert run(["dataset", "frames", str(clip), str(tmp_path / "f2"), "--every", "2s"]) == 0
    assert len(list((tmp_path / "f2").glob("*.jpg"))) == 3


def test_batches_depend_only_on_seed_and_step() -> None:
    imgs = [frame_pattern(i, 50, 70) for i in range(3)]
    src = PairedSource(imgs, [255 - im for im in imgs], size=32, batch_size=2, seed=5)
    a, b, c = src.batch(7), src.batch(7), src.batch(8)
    assert torch.equal(a["photo"], b["photo"]) and not torch.equal(a["photo"], c["photo"])
    assert torch.allclose(a["photo"], -a["target"], atol=1e-6)  # crops stay aligned
    small = random_crop([frame_pattern(0, 10, 12)], 32, step_rng(0, 0))[0]
    assert small.shape == (32, 32, 3)


def test_vgg_importer_maps_a_keras_h5(tmp_path: Path) -> None:
    h5py = pytest.importorskip("h5py")
    from training.vgg.network import VGGFeatures
    from training.vgg.weights import import_keras_vgg16

    path = tmp_path / "tiny.weights.h5"
    rng = np.random.default_rng(0)
    widths = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 256),
              (256, 512), (512, 512), (512, 512), (512, 512), (512, 512), (512, 512)]  # fmt: skip
    per_block = [2, 2, 3, 3, 3]
    kernels = []
    with h5py.File(path, "w") as f:
        i = 0
        for block, n in enumerate(per_block, 1):
            group = f.create_group(f"block{block}/layers")
            if block > 1:
                group.create_group("max_pooling2d")
            for k in range(n):
                cin, cout = widths[i]
                kernel = rng.standard_normal((3, 3, cin, cout)).astype(np.float32) if i < 2 else np.zeros((3, 3, cin, cout), np.float32)
                name = "conv2d" if k == 0 else f"conv2d_{k}"
                group.create_dataset(f"{name}/vars/0", data=kernel)
                group.create_dataset(f"{name}/vars/1", data=np.full(cout, i, np.float32))
                kernels.append(kernel)
                i += 1
    state = import_keras_vgg16(path)
    assert len(state) == 26
    assert torch.equal(state["features.0.weight"], torch.from_numpy(kernels[0].transpose(3, 2, 0, 1)))
    assert torch.equal(state["features.2.weight"], torch.from_numpy(kernels[1].transpose(3, 2, 0, 1)))
    assert state["features.28.bias"][0].item() == 12  # the 13th conv sits at features.28
    net = VGGFeatures("vgg16", "conv1_2", "caffe")
    net.load_features(state)
    x = torch.zeros(1, 3, 8, 8)
    assert net(x).shape == (1, 64, 8, 8)
