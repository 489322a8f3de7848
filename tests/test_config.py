import torch

from helpers import config as cfg


def test_every_device_gets_the_storys_profile_by_default_and_the_wide_one_by_name(monkeypatch):
    monkeypatch.delenv("AUDIOGAN_PROFILE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert cfg.profile().name == "cpu" and cfg.profile().gan_steps == 2400
    assert cfg.profile("gpu").d_width == 64
    monkeypatch.setenv("AUDIOGAN_PROFILE", "gpu")
    assert cfg.profile().name == "gpu"
