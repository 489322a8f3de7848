import pytest
import torch

from helpers.augment import AdaptiveP, augment, mask, time_shift


def images(b=6):
    torch.manual_seed(0)
    return torch.rand(b, 3, 8, 16) * 2 - 1


def test_time_shift_moves_frames_and_repeats_the_edges():
    x = torch.arange(16.0).expand(2, 3, 8, 16)
    moved = time_shift(x, torch.tensor([2, -3]))
    assert moved[0, 0, 0].tolist() == [0, 0, 0] + list(range(1, 14))
    assert moved[1, 0, 0].tolist() == list(range(3, 16)) + [15, 15, 15]
    assert torch.equal(time_shift(x, torch.tensor([0, 0])), x)


def test_masks_set_rows_or_columns_to_the_mean_level():
    x = torch.ones(2, 3, 8, 16)
    frames = mask(x, torch.tensor([4, 0]), torch.tensor([3, 0]), dim=-1)
    assert frames[0, :, :, 4:7].eq(0).all() and frames[0].sum() == 3 * 8 * 13 and frames[1].eq(1).all()
    bins = mask(x, torch.tensor([2, 6]), torch.tensor([2, 5]), dim=-2)
    assert bins[0, :, 2:4].eq(0).all() and bins[1, :, 6:].eq(0).all() and bins[1, :, :6].eq(1).all()


def test_augment_is_off_at_p_0_and_repeatable_from_its_stream():
    x = images()
    assert augment(x, 0.0, torch.Generator().manual_seed(0)) is x
    a = augment(x, 0.8, torch.Generator().manual_seed(1))
    b = augment(x, 0.8, torch.Generator().manual_seed(1))
    c = augment(x, 0.8, torch.Generator().manual_seed(2))
    assert torch.equal(a, b) and not torch.equal(a, c) and a.shape == x.shape


def test_augment_passes_gradients_to_what_it_was_given():
    x = images().requires_grad_(True)
    out = augment(x, 1.0, torch.Generator().manual_seed(3))
    out.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    assert (x.grad == 0).any()  # masked pixels pass no gradient: the masks were applied


def test_adaptive_p_rises_while_d_is_sure_of_real_clips_and_falls_otherwise():
    ada = AdaptiveP(target=0.6, interval=4, speed_images=64 * 4 * 10)  # 10 adjustments from 0 to 1
    for _ in range(8):
        ada.update(torch.full((64,), 3.0), 64)  # every real clip called real: r_t = 1 > 0.6
    assert ada.p == pytest.approx(0.2)
    for _ in range(4):
        ada.update(torch.full((64,), -1.0), 64)  # r_t = -1 < 0.6
    assert ada.p == pytest.approx(0.1)
    state = ada.state_dict()
    other = AdaptiveP()
    other.load_state_dict(state)
    assert other.p == ada.p
