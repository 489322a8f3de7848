"""Shapes, parameter counts, switches and gradient flow of the Generator and the ResNet-9 Discriminator."""

import pytest
import torch
from torch import nn

from helpers.config import PROFILES
from helpers.models import Generator, ResNet9, as_discriminator, count_parameters, probability_real

torch.manual_seed(0)


@pytest.mark.parametrize("p", PROFILES.values(), ids=PROFILES.keys())
def test_generator_makes_each_profiles_images_in_tanh_range(p):
    g = Generator(p.latent_size, p.features.shape, p.g_width)
    x = g(torch.randn(4, p.latent_size))
    assert x.shape == (4, *p.features.shape)
    assert x.min() >= -1 and x.max() <= 1
    assert g(torch.randn(4, p.latent_size, 1, 1)).shape == x.shape


def test_generator_first_map_is_4x4_and_follows_dcgan_channels():
    g = Generator(100, (3, 64, 64), 64)
    shapes, x = [], torch.randn(2, 100, 1, 1)
    for layer in g.layers:
        x = layer(x)
        shapes.append(tuple(x.shape[1:]))
    assert shapes == [(512, 4, 4), (256, 8, 8), (128, 16, 16), (64, 32, 32), (3, 64, 64), (3, 64, 64)]


def test_generator_non_square_and_bad_shapes():
    assert Generator(16, (1, 32, 64), 8)(torch.randn(2, 16)).shape == (2, 1, 32, 64)
    with pytest.raises(ValueError, match="multiples of 8"):
        Generator(16, (3, 30, 32), 8)


def test_generator_dcgan_init():
    g = Generator(100, (3, 64, 64), 64)
    conv_weights = torch.cat([m.weight.flatten() for m in g.modules() if isinstance(m, nn.ConvTranspose2d)])
    bn = [m for m in g.modules() if isinstance(m, nn.BatchNorm2d)]
    assert abs(conv_weights.std().item() - 0.02) < 0.002
    assert all((m.weight - 1).abs().max() < 0.15 and not m.bias.any() for m in bn)


def test_repeat_channels_gives_identical_channels():
    g = Generator(16, (3, 32, 32), 8, repeat_channels=True)
    x = g(torch.randn(4, 16))
    assert x.shape == (4, 3, 32, 32)
    assert torch.equal(x[:, 0], x[:, 1]) and torch.equal(x[:, 0], x[:, 2])
    assert g.layers[-3].out_channels == 1


@pytest.mark.parametrize("p", PROFILES.values(), ids=PROFILES.keys())
def test_resnet9_output_and_features_for_each_profile(p):
    net = ResNet9(10, p.d_width).eval()
    x = torch.randn(2, *p.features.shape)
    assert net(x).shape == (2, 10)
    assert net.features(x).shape == (2, 8 * p.d_width)


def test_resnet9_any_size_from_32_up():
    net = ResNet9(10, 8)
    assert net(torch.randn(2, 3, 48, 80)).shape == (2, 10)


def test_resnet9_parameter_count_is_pages():
    # Page's DAWNBench ResNet-9 (conv weights, BatchNorm scale and shift, Linear 512x10 without bias) has
    # 6,573,120 parameters; the 0.125 output scale is a constant, so ours is exactly the same.
    assert count_parameters(ResNet9()) == 6_573_120
    assert count_parameters(ResNet9(prep_norm=False)) == 6_573_120 - 2 * 64


def count(net, kind):
    return sum(isinstance(m, kind) for m in net.modules())


def test_act_and_prep_norm_switch_only_what_they_should():
    relu, leaky, bare = ResNet9(width=8), ResNet9(width=8, act="leaky"), ResNet9(width=8, prep_norm=False)
    assert (count(relu, nn.ReLU), count(relu, nn.LeakyReLU)) == (8, 0)
    assert (count(leaky, nn.ReLU), count(leaky, nn.LeakyReLU)) == (0, 8)
    assert all(m.negative_slope == 0.2 for m in leaky.modules() if isinstance(m, nn.LeakyReLU))
    assert (count(relu, nn.BatchNorm2d), count(bare, nn.BatchNorm2d)) == (8, 7)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in bare.trunk.prep)
    assert count(bare.trunk.layer1, nn.BatchNorm2d) == 3
    with pytest.raises(ValueError, match="act"):
        ResNet9(act="gelu")


def test_layer_norm_judges_each_image_alone_batch_norm_does_not():
    """A training-mode BatchNorm D scores an image by its batch mates; layer norm and no norm do not."""
    x, others = torch.randn(1, 3, 32, 32), torch.randn(7, 3, 32, 32)
    for norm, alone in (("batch", False), ("layer", True), ("none", True)):
        torch.manual_seed(0)
        d = as_discriminator(ResNet9(10, 8, norm=norm), warm_start=False)
        a = d(torch.cat([x, others]))[0]
        b = d(torch.cat([x, others.flip(0) * 2]))[0]
        assert torch.allclose(a, b, atol=1e-5) == alone, norm
    layer, none = ResNet9(width=8, norm="layer"), ResNet9(width=8, norm="none")
    assert (count(layer, nn.BatchNorm2d), count(layer, nn.GroupNorm)) == (0, 8)
    assert all(m.num_groups == 1 for m in layer.modules() if isinstance(m, nn.GroupNorm))
    assert count(none, nn.BatchNorm2d) + count(none, nn.GroupNorm) == 0
    assert all(m.bias is not None for m in none.modules() if isinstance(m, nn.Conv2d))  # nothing shifts it
    assert all(m.bias is None for m in layer.modules() if isinstance(m, nn.Conv2d))
    with pytest.raises(ValueError, match="norm"):
        ResNet9(norm="instance")


@pytest.fixture
def classifier():
    net = ResNet9(10, 8)
    net(torch.randn(8, 3, 32, 32))  # one training-mode pass, so the BatchNorm buffers are not defaults
    return net.eval()


def test_warm_start_copies_the_trunk_and_replaces_only_the_head(classifier):
    before = {k: v.clone() for k, v in classifier.state_dict().items()}
    d = as_discriminator(classifier)
    trunk, d_trunk = classifier.trunk.state_dict(), d.trunk.state_dict()
    assert trunk.keys() == d_trunk.keys() and all(torch.equal(trunk[k], d_trunk[k]) for k in trunk)
    assert all(a.data_ptr() != b.data_ptr() for a, b in zip(classifier.parameters(), d.parameters()))
    assert (d.head.linear.out_features, d.head.linear.bias is not None) == (1, True)
    assert d.training
    x = torch.randn(5, 3, 32, 32)
    nn.functional.binary_cross_entropy_with_logits(d(x), torch.ones(5)).backward()
    torch.optim.SGD(d.parameters(), lr=0.1).step()
    after = classifier.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert classifier.num_classes == 10 and not classifier.training


def test_cold_start_is_the_same_architecture_with_new_weights(classifier):
    d = as_discriminator(classifier, warm_start=False)
    assert [p.shape for p in d.trunk.parameters()] == [p.shape for p in classifier.trunk.parameters()]
    assert not torch.equal(d.trunk.prep.conv.weight, classifier.trunk.prep.conv.weight)
    assert not torch.equal(d.trunk.prep.bn.running_mean, classifier.trunk.prep.bn.running_mean)


def test_discriminator_gives_one_logit_and_a_probability(classifier):
    d = as_discriminator(classifier)
    x = torch.randn(6, 3, 32, 32)
    assert d(x).shape == (6,)
    p = probability_real(d, x)
    assert p.shape == (6,) and ((p > 0) & (p < 1)).all() and not p.requires_grad


def test_gradients_reach_every_parameter_of_g_and_d():
    p = PROFILES["cpu"]
    g = Generator(p.latent_size, p.features.shape, p.g_width)
    d = as_discriminator(ResNet9(10, p.d_width, act="leaky", prep_norm=False))
    logits = d(g(torch.randn(4, p.latent_size)))
    nn.functional.binary_cross_entropy_with_logits(logits, torch.ones(4)).backward()
    for name, param in [*g.named_parameters(), *d.named_parameters()]:
        assert param.grad is not None and param.grad.abs().sum() > 0, name
