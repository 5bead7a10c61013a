"""Each loss and image op against a hand-computed case."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from training.losses.adversarial import discriminator_loss, fake_term, generator_term, real_term  # noqa: E402
from training.losses.content import gram, gram_style_loss, perceptual_l1  # noqa: E402
from training.losses.pixel import colour_loss, cycle_loss, identity_loss, total_variation  # noqa: E402
from training.ops.color import random_colour_shift, rgb_to_yuv, to_grey3  # noqa: E402
from training.ops.guided_filter import box_filter, guided_filter  # noqa: E402


def t(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float32)


def test_adversarial_terms_by_hand() -> None:
    x = t(0.0, 2.0)
    assert real_term(x, "lsgan").item() == pytest.approx(((0 - 1) ** 2 + (2 - 1) ** 2) / 2)
    assert fake_term(x, "lsgan").item() == pytest.approx((0 + 4) / 2)
    assert real_term(x, "hinge").item() == pytest.approx((1 + 0) / 2)
    assert fake_term(x, "hinge").item() == pytest.approx((1 + 3) / 2)
    assert generator_term(x, "hinge").item() == pytest.approx(-1.0)
    bce_real = (math.log(2) + math.log(1 + math.exp(-2))) / 2
    assert real_term(x, "vanilla").item() == pytest.approx(bce_real, rel=1e-5)
    assert fake_term(x, "vanilla").item() == pytest.approx((math.log(2) + math.log(1 + math.exp(2))) / 2, rel=1e-5)
    total = discriminator_loss("lsgan", [(t(1.0), 2.0)], [(t(1.0), 3.0), (t(0.0), 1.0)])
    assert total.item() == pytest.approx(2 * 0 + 3 * 1 + 1 * 0)
    with pytest.raises(ValueError):
        real_term(x, "wasserstein")


def test_gram_by_hand() -> None:
    f = torch.tensor([[[[1.0, 2.0]], [[3.0, 4.0]]]])  # (1, C=2, H=1, W=2)
    g = gram(f)
    expected = torch.tensor([[[1 + 4, 3 + 8], [3 + 8, 9 + 16]]]) / (2 * 1 * 2)
    assert torch.allclose(g, expected)


def test_perceptual_and_gram_losses_use_the_feature_net() -> None:
    net = torch.nn.Conv2d(3, 2, 1, bias=False)
    torch.nn.init.constant_(net.weight, 1.0)  # feature = sum of channels
    a, b = torch.zeros(1, 3, 2, 2), torch.full((1, 3, 2, 2), 0.5)
    assert perceptual_l1(net, a, b).item() == pytest.approx(1.5)
    assert gram_style_loss(net, a, b).item() == pytest.approx(1.5**2 * 4 / (2 * 4))


def test_colour_loss_by_hand() -> None:
    photo = torch.full((1, 3, 2, 2), -1.0)  # black
    grey = torch.zeros((1, 3, 2, 2))  # mid grey: Y = 0.5, U = V = 0
    assert colour_loss(photo, grey).item() == pytest.approx(0.5, abs=1e-5)
    red = torch.tensor([1.0, -1.0, -1.0]).view(1, 3, 1, 1).expand(1, 3, 2, 2)
    y, u, v = rgb_to_yuv(red)[0, :, 0, 0].tolist()
    assert (y, u, v) == pytest.approx((0.299, -0.14714119, 0.61497538), abs=1e-6)
    huber_v = 0.5 * 0.61497538**2  # |d| < 1: quadratic branch
    assert colour_loss(photo, red).item() == pytest.approx(0.299 + 0.5 * 0.14714119**2 + huber_v, abs=1e-5)


def test_total_variation_cycle_identity() -> None:
    x = torch.tensor([[[[0.0, 1.0], [2.0, 3.0]]]])
    assert total_variation(x).item() == pytest.approx(4.0 + 1.0)  # rows differ by 2, columns by 1
    a, b = torch.zeros(1, 3, 2, 2), torch.ones(1, 3, 2, 2)
    assert cycle_loss(a, b).item() == 1.0 and identity_loss(a, a).item() == 0.0


def test_box_filter_matches_opencv_sums() -> None:
    import cv2

    x = torch.rand(1, 1, 9, 11)
    ours = box_filter(x, 2)[0, 0].numpy()
    ref = cv2.boxFilter(x[0, 0].numpy(), -1, (5, 5), normalize=False, borderType=cv2.BORDER_CONSTANT)
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-5)


def test_guided_filter_flattens_texture_keeps_edges_and_has_gradients() -> None:
    step = torch.zeros(1, 1, 32, 32)
    step[..., 16:] = 1.0
    noisy = (step + 0.05 * torch.randn_like(step)).requires_grad_()
    out = guided_filter(noisy, noisy, 3, 0.01)
    assert out[..., 4:12, 4:12].std() < noisy[..., 4:12, 4:12].std() / 2  # texture smoothed
    assert (out[..., 20:, 20:].mean() - out[..., :12, :12].mean()).item() > 0.9  # edge kept
    out.sum().backward()
    assert noisy.grad is not None and torch.isfinite(noisy.grad).all()


def test_grey_and_colour_shift() -> None:
    x = torch.rand(2, 3, 4, 4) * 2 - 1
    g = to_grey3(x)
    assert torch.allclose(g[:, 0], 0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2], atol=1e-6)
    shifted = random_colour_shift(x, torch.Generator().manual_seed(0))
    assert shifted.shape == x.shape and torch.equal(shifted[:, 0], shifted[:, 2])
    flat = torch.full((1, 3, 2, 2), 0.3)
    assert torch.allclose(random_colour_shift(flat, torch.Generator().manual_seed(1)), flat)  # weights sum to 1


def test_gradient_l1_by_hand_and_blur_costs() -> None:
    from training.losses.pixel import gradient_l1

    step = torch.tensor([[[[0.0, 0.0, 1.0, 1.0]] * 2]])  # one sharp vertical edge, 2 rows
    soft = torch.tensor([[[[0.0, 0.33, 0.67, 1.0]] * 2]])  # the same edge, blurred
    assert gradient_l1(step, step).item() == 0
    # width differences |.33-0| + |.34-1| + |.33-0| over 3 per row; height differences all 0
    assert gradient_l1(soft, step).item() == pytest.approx((0.33 + 0.66 + 0.33) / 3, abs=1e-5)
    assert torch.nn.functional.l1_loss(soft, step).item() < gradient_l1(soft, step).item()


def test_multi_perceptual_normalises_each_depth() -> None:
    from training.losses.content import multi_perceptual_l1
    from training.vgg.network import VGGFeatures

    torch.manual_seed(0)
    net = VGGFeatures("vgg16", "conv2_2")
    a, b = torch.rand(1, 3, 16, 16) * 2 - 1, torch.rand(1, 3, 16, 16) * 2 - 1
    assert multi_perceptual_l1(net, b, b, ["conv1_2", "conv2_2"]).item() == 0
    taps = net.taps(a, ["conv1_2", "conv2_2"])
    assert taps[1].shape == net(a).shape and torch.allclose(taps[1], net(a))
    fb = net.taps(b, ["conv1_2", "conv2_2"])
    expected = sum(float((x - y).abs().mean() / y.abs().mean()) for x, y in zip(taps, fb)) / 2
    assert multi_perceptual_l1(net, a, b, ["conv1_2", "conv2_2"]).item() == pytest.approx(expected, rel=1e-4)
    with pytest.raises(ValueError):
        net.taps(a, ["conv3_3"])  # beyond where the stack was cut


def test_kid_is_near_zero_for_one_distribution_and_grows_with_a_shift() -> None:
    from training.metrics.kid import kid

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(200, 16)), rng.normal(size=(200, 16))
    same, _ = kid(x, y)
    shifted, _ = kid(x, y + 1.0)
    assert abs(same) < 0.05 and shifted > 10 * max(abs(same), 1e-3)
