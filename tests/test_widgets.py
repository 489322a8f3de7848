import torch

from helpers.widgets import slerp


def test_slerp_ends_and_radius():
    torch.manual_seed(0)
    z0, z1 = torch.randn(100), torch.randn(100)
    assert torch.allclose(slerp(z0, z1, 0.0), z0, atol=1e-5) and torch.allclose(slerp(z0, z1, 1.0), z1, atol=1e-5)
    mid = slerp(z0, z1, 0.5)
    line = (z0 + z1) / 2
    assert mid.norm() > line.norm()  # the straight line dips toward the origin; slerp does not
    assert abs(mid.norm() - (z0.norm() + z1.norm()) / 2) < 0.5


def test_the_explorer_asks_a_conditional_generator_for_the_picked_digit(tmp_path):
    import dataclasses

    from helpers import config as cfg
    from helpers.engine import GANRun, config_for
    from helpers.widgets import explorer, path

    prof = dataclasses.replace(cfg.profile("smoke"), g_width=8, d_width=4, latent_size=16)
    images = torch.rand(20, 32, 32) * 2 - 1
    run = GANRun(prof, config_for("stable", prof, classes=10), images, out=tmp_path, labels=torch.arange(20) % 10)
    z0, z1 = torch.randn(2, 16)
    assert not torch.equal(path(run, z0, z1, 3, digit=2), path(run, z0, z1, 3, digit=7))
    w = explorer(run, lambda x: x.numpy() * 40 - 40, prof.features, z0, z1, digit=3)
    assert [c.description for c in w.children[:2]] == ["t", "digit"] and w.children[1].value == 3
    plain = GANRun(prof, config_for("stable", prof), images, out=tmp_path / "plain")
    assert [c.description for c in explorer(plain, lambda x: x.numpy(), prof.features, z0, z1).children[:1]] == ["t"]
