"""Each stabilizer of notebook 07 changes what it should in D's step and nothing else."""

import copy
import dataclasses

import pytest
import torch
from torch import nn
from torch.nn.utils import parametrize

from helpers import config as cfg
from helpers.engine import GANRun, config_for

PROF = dataclasses.replace(cfg.profile("smoke"), batch_size=8, g_width=8, d_width=4, latent_size=16)


def images(n=40):
    torch.manual_seed(1)
    return torch.rand(n, *PROF.features.shape[1:]) * 2 - 1


def run(tmp_path, **changes):
    config = config_for("collapse", PROF, steps=10, **changes)
    return GANRun(PROF, config, images(), out=tmp_path / "run", device=torch.device("cpu"))


def params(net):
    return [p.detach().clone() for p in net.parameters()]


def same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b))


def test_defaults_switch_every_stabilizer_off():
    c = config_for("collapse", PROF)
    assert (c.real_label, c.instance_noise, c.spectral_norm, c.r1_gamma, c.d_every, c.joint_batch) == (
        1.0,
        0.0,
        False,
        0.0,
        1,
        False,
    )


@pytest.mark.parametrize("changes", [dict(real_label=0.9), dict(r1_gamma=1.0)])
def test_smoothing_and_r1_change_only_ds_objective(tmp_path, changes):
    """Same batches and the same recorded (hard-label) D_loss on step 1; a different D update."""
    base, other = run(tmp_path / "a"), run(tmp_path / "b", **changes)
    row_a, row_b = base.train_step(), other.train_step()
    assert row_a["D_loss"] == row_b["D_loss"] and row_a["D(x)"] == row_b["D(x)"]
    assert not same(params(base.D), params(other.D))
    assert torch.equal(base.rng.get_state(), other.rng.get_state())


def test_r1_penalises_the_gradient_on_real_images(tmp_path):
    """With a huge gamma, D's step shrinks its input gradient on real images."""

    def input_grad_norm(r):
        x = r.images[:8].unsqueeze(1).expand(-1, 3, -1, -1).clone().requires_grad_(True)
        (g,) = torch.autograd.grad(r.D(x).sum(), x)
        return g.norm().item()

    base, r1 = run(tmp_path / "a"), run(tmp_path / "b", r1_gamma=1e4)
    for _ in range(3):
        base.train_step(), r1.train_step()
    assert input_grad_norm(r1) < input_grad_norm(base)


def test_instance_noise_changes_ds_inputs_but_not_the_batches(tmp_path):
    base, noisy = run(tmp_path / "a"), run(tmp_path / "b", instance_noise=0.5)
    row_a, row_b = base.train_step(), noisy.train_step()
    assert row_a["D_loss"] != row_b["D_loss"]
    assert torch.equal(base.rng.get_state(), noisy.rng.get_state())  # same real batches and latent vectors
    x = torch.zeros(2, 3)
    assert base.augment(x) is x and noisy.augment(x).std() > 0


def test_instance_noise_is_annealed_to_zero_by_the_last_step(tmp_path):
    r = run(tmp_path, instance_noise=0.5)
    seen, sigma = [], r.noise_sigma
    r.noise_sigma = lambda: seen.append(sigma()) or seen[-1]
    r.train(steps=10, progress=False)
    seen = seen[::3]  # asked three times a step: real, fake for D, fake for G
    assert seen[0] == 0.5 and seen[-1] == pytest.approx(0.05) and seen == sorted(seen, reverse=True)


def test_spectral_norm_wraps_every_conv_and_linear_of_d_only(tmp_path):
    base, sn = run(tmp_path / "a"), run(tmp_path / "b", spectral_norm=True)
    layers = [m for m in sn.D.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert layers and all(parametrize.is_parametrized(m, "weight") for m in layers)
    assert not any(parametrize.is_parametrized(m) for m in sn.G.modules())
    assert sum(isinstance(m, nn.BatchNorm2d) for m in sn.D.modules()) == sum(
        isinstance(m, nn.BatchNorm2d) for m in base.D.modules()
    )
    for _ in range(20):  # power iterations converge as training runs
        sn.train_step()
    w = sn.D.head.linear.weight
    assert torch.linalg.matrix_norm(w, ord=2).item() == pytest.approx(1.0, abs=0.05)


def test_spectral_norm_run_resumes_exactly(tmp_path):
    straight = run(tmp_path / "a", spectral_norm=True, instance_noise=0.2)
    straight.train(steps=4, progress=False)
    first = run(tmp_path / "b", spectral_norm=True, instance_noise=0.2)
    first.train(steps=2, progress=False)
    first.save()
    resumed = run(tmp_path / "b", spectral_norm=True, instance_noise=0.2)
    assert resumed.load() and resumed.step == 2
    resumed.train(steps=4, progress=False)
    assert resumed.frame().drop(columns="seconds").equals(straight.frame().drop(columns="seconds"))


def test_d_every_second_step_freezes_d_on_odd_steps_but_records_its_losses(tmp_path):
    r = run(tmp_path, d_every=2)
    r.train_step()  # step 1: D learns
    d1, g1 = params(r.D), params(r.G)
    row = r.train_step()  # step 2: only G learns
    assert same(d1, params(r.D)) and not same(g1, params(r.G))
    assert row["D_loss"] > 0 and 0 < row["D(x)"] < 1
    r.train_step()  # step 3: D learns again
    assert not same(d1, params(r.D))


def test_joint_batch_lets_ds_batchnorm_see_real_and_fake_together(tmp_path):
    """Step 1 scores the same real and fake images as one batch, in D's step and in G's: D's verdicts are
    those on the concatenation, not on each half alone, and the batches drawn are unchanged."""
    base, joint = run(tmp_path / "a"), run(tmp_path / "b", joint_batch=True)
    d0 = copy.deepcopy(joint.D)
    rng = torch.Generator().manual_seed(joint.config.seed)
    torch.randn(joint.config.n_fixed, PROF.latent_size, generator=rng)  # the fixed noise comes first
    idx = torch.randint(len(joint.images), (PROF.batch_size,), generator=rng)
    z = torch.randn(PROF.batch_size, PROF.latent_size, generator=rng)
    real = joint.images[idx].unsqueeze(1).expand(-1, 3, -1, -1)
    with torch.no_grad():
        fake = joint.G(z)
        d_real, d_fake = d0(torch.cat([real, fake])).split(PROF.batch_size)
    row, base_row = joint.train_step(), base.train_step()
    assert row["D(x)"] == pytest.approx(torch.sigmoid(d_real).mean().item(), abs=1e-6)
    assert row["D(G(z))"] == pytest.approx(torch.sigmoid(d_fake).mean().item(), abs=1e-6)
    assert row["D(x)"] != pytest.approx(base_row["D(x)"], abs=1e-6)
    with torch.no_grad():  # G's step asks the stepped D about fakes beside real images too
        g_loss = nn.functional.binary_cross_entropy_with_logits(
            joint.D(torch.cat([real, fake]))[PROF.batch_size :], torch.ones(PROF.batch_size)
        )
    assert row["G_loss"] == pytest.approx(g_loss.item(), abs=1e-5)
    assert torch.equal(base.rng.get_state(), joint.rng.get_state())


def test_minimax_loses_gs_gradient_when_d_is_sure_and_logs_the_same_g_loss(tmp_path):
    """Goodfellow et al.'s minimax objective for G: its gradient is D(G(z)) / (1 - D(G(z))) times the
    non-saturating one, so it vanishes when D calls every fake fake; G_loss is still -log D(G(z))."""

    def g_grad_norm(bias, **changes):
        r = run(tmp_path / f"{bias}{changes}", **changes)
        for group in r.opt_d.param_groups:  # freeze D: its verdicts are the ones set here
            group["lr"] = 0.0
        with torch.no_grad():
            r.D.head.linear.bias.fill_(bias)
        row = r.train_step()
        return torch.cat([p.grad.flatten() for p in r.G.parameters()]).norm().item(), row["G_loss"]

    for bias, lo, hi in ((-20.0, 0, 1e-4), (0.0, 1e-2, float("inf"))):  # an unsure D: no vanishing
        (saturating, logged_a), (non_saturating, logged_b) = g_grad_norm(bias, minimax=True), g_grad_norm(bias)
        assert lo < saturating / non_saturating < hi
        assert logged_a == pytest.approx(logged_b)
