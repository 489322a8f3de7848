import numpy as np
import pytest
import torch

from helpers.metrics import frechet_distance, inception_score, judge
from helpers.models import ResNet9


def test_inception_score_is_ten_for_confident_uniform_and_one_for_constant_predictions():
    confident = np.eye(10)[np.arange(10000) % 10] * 0.999999 + 1e-7
    assert abs(inception_score(confident, splits=1)[0] - 10) < 0.01
    assert abs(inception_score(confident)[0] - 10) < 0.1  # 10 random splits: each marginal nearly uniform
    constant = np.tile(np.eye(10)[3], (1000, 1))
    assert abs(inception_score(constant)[0] - 1) < 1e-6


def test_frechet_distance_is_zero_for_the_same_set_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2000, 8))
    assert abs(frechet_distance(a, a)) < 1e-6
    near, far = frechet_distance(a, a + 0.5), frechet_distance(a, a + 2.0)
    assert 0 < near < far and abs(far - 8 * 4.0) < 0.5  # a shift d in every one of 8 dims adds 8 d^2


def test_judge_reports_every_score_with_its_sample_count():
    torch.manual_seed(0)
    clf = ResNet9(width=4)
    x = torch.rand(40, 3, 32, 32) * 2 - 1
    report = judge(clf, x, x)
    assert report["samples"] == 40 and 1 <= report["inception score"] <= 10
    assert abs(report["Frechet distance"]) < 1e-3 and 1 <= report["classes used"] <= 10


def test_inception_score_does_not_depend_on_the_order_of_samples():
    sorted_by_class = np.eye(10)[np.repeat(np.arange(10), 100)] * 0.99 + 0.001
    assert inception_score(sorted_by_class)[0] > 8.5  # unshuffled splits would score 1


def test_nearest_distances_find_copies():
    from helpers.metrics import nearest_distances

    train = torch.rand(50, 32, 32)
    copies = train[:5] + 0.001
    fresh = torch.rand(5, 32, 32)
    d_copy, d_fresh = nearest_distances(copies, train), nearest_distances(fresh, train)
    assert (d_copy < 0.01).all() and (d_fresh > 0.2).all()


def test_two_sample_test_is_a_coin_flip_for_one_distribution_and_sure_for_two():
    import numpy as np

    from helpers.metrics import two_sample_test

    rng = np.random.default_rng(0)
    same = two_sample_test(rng.normal(size=(400, 8)), rng.normal(size=(300, 8)))
    apart = two_sample_test(rng.normal(size=(400, 8)), rng.normal(size=(300, 8)) + 1.5)
    assert 0.4 < same < 0.6 and apart > 0.95
    assert two_sample_test(rng.normal(size=(50, 8)), rng.normal(size=(50, 8)) + 1.5, seed=1) > 0.9


def test_near_copies_counts_samples_closer_to_training_than_any_new_take():
    from helpers.metrics import near_copies

    torch.manual_seed(0)
    train = torch.rand(20, 8, 8)
    heldout = train[:5] + 0.2 * torch.randn(5, 8, 8)  # new takes: near, but not on, a training clip
    samples = torch.cat([train[:3] + 0.001 * torch.randn(3, 8, 8), torch.rand(7, 8, 8)])
    report = near_copies(samples, train, heldout)
    assert report["near copies"] == 3 and report["of samples"] == 10


def test_channel_gap_and_probe_see_only_disagreeing_channels():
    from helpers.metrics import channel_gap, channel_probe

    torch.manual_seed(0)
    real = torch.rand(60, 1, 16, 16).expand(-1, 3, -1, -1)
    free = torch.rand(60, 3, 16, 16)  # three channels made separately
    copied = torch.rand(60, 1, 16, 16).expand(-1, 3, -1, -1)
    assert channel_gap(real) == 0 and channel_gap(free) == pytest.approx(1 / 3, rel=0.05)
    assert channel_probe(real, free) > 0.95 and channel_probe(real, copied) < 0.6
