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
