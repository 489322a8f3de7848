import dataclasses

import pandas as pd
import pytest
import torch
from conftest import TINY as PROF
from conftest import tiny_images as images
from conftest import tiny_run as run
from torch import nn

from helpers.analysis import last_fifth
from helpers.checkpoints import CheckpointError
from helpers.engine import COLUMNS, GANRun, TrainingDiverged, config_for


def test_a_step_changes_both_networks_and_records_the_four_numbers(tmp_path):
    r = run(tmp_path)
    g0 = [p.clone() for p in r.G.parameters()]
    d0 = [p.clone() for p in r.D.parameters()]
    row = r.train_step()
    assert all(not torch.equal(a, b) for a, b in zip(g0, r.G.parameters()))
    assert all(not torch.equal(a, b) for a, b in zip(d0, r.D.parameters()))
    assert list(row) == COLUMNS and row["step"] == 1
    assert 0 < row["D(x)"] < 1 and 0 < row["D(G(z))"] < 1 and row["D_loss"] > 0 and row["G_loss"] > 0


def test_the_two_configs_differ_only_in_d_lr():
    a, b = (dataclasses.asdict(config_for(n, PROF)) for n in ("collapse", "stable"))
    assert {k for k in a if a[k] != b[k]} == {"name", "d_lr"}
    assert a["d_lr"] == a["g_lr"] == b["g_lr"] == 10 * b["d_lr"] == 2e-4


def test_history_csv_checkpoints_and_snapshots(tmp_path):
    r = run(tmp_path, steps=5)
    history = r.train(progress=False)
    assert list(history.columns) == COLUMNS and history.step.tolist() == [1, 2, 3, 4, 5]
    saved = pd.read_csv(tmp_path / "stable" / "history.csv")
    assert saved.step.tolist() == [1, 2, 3, 4, 5]
    assert sorted(r.snapshots) == [2, 4, 5] and r.snapshots[2].shape == (16, 32, 32)
    assert set(last_fifth(history)) == {"D_loss", "G_loss", "D(x)", "D(G(z))"}


def test_resume_equals_an_uninterrupted_run_bit_for_bit(tmp_path):
    straight = run(tmp_path / "a", steps=7)
    straight.train(progress=False)
    first = run(tmp_path / "b", steps=4)
    first.train(progress=False)  # "interrupted" after step 4 (checkpointed at 3 and 4)
    resumed = run(tmp_path / "b", steps=7)
    assert resumed.load() and resumed.step == 4
    resumed.train(progress=False)
    assert resumed.frame().drop(columns="seconds").equals(straight.frame().drop(columns="seconds"))
    for a, b in zip(straight.G.state_dict().values(), resumed.G.state_dict().values()):
        assert torch.equal(a, b)
    for a, b in zip(straight.D.state_dict().values(), resumed.D.state_dict().values()):
        assert torch.equal(a, b)
    for a, b in zip(straight.G_ema.state_dict().values(), resumed.G_ema.state_dict().values()):
        assert torch.equal(a, b)  # the weight average resumes too
    assert resumed.channel_gaps.keys() == straight.channel_gaps.keys() == resumed.snapshots.keys()


def test_resume_refuses_another_configuration(tmp_path):
    run(tmp_path, steps=3).train(progress=False)
    other = GANRun(PROF, config_for("stable", PROF, steps=3, seed=5), images(), out=tmp_path / "stable")
    with pytest.raises(CheckpointError, match="cannot resume.*another configuration"):
        other.load()


def test_a_nan_loss_stops_the_run_and_says_where(tmp_path):
    r = run(tmp_path, steps=5)
    r.train(steps=2, progress=False)
    r.images[:] = float("nan")
    with pytest.raises(TrainingDiverged, match="at step 3 .*Try smaller learning rates"):
        r.train(progress=False)
    assert len(r.history) == 2


def test_warm_start_needs_the_classifier(tmp_path):
    with pytest.raises(ValueError, match="warm_start needs"):
        run(tmp_path, warm_start=True)


def test_d_norm_reaches_the_discriminator_and_a_warm_start_must_match_it(tmp_path):
    from helpers.models import resnet9_for

    layer = dataclasses.replace(PROF, d_norm="layer")
    d = GANRun(layer, config_for("collapse", layer, steps=1), images(), out=tmp_path / "a").D
    assert any(isinstance(m, nn.GroupNorm) for m in d.modules())
    assert not any(isinstance(m, nn.BatchNorm2d) for m in d.modules())
    with pytest.raises(ValueError, match="warm_start copies a ResNet-9 with .*'norm': 'batch'"):
        GANRun(
            layer,
            config_for("collapse", layer, warm_start=True),
            images(),
            out=tmp_path / "b",
            classifier=resnet9_for(PROF),
        )
    clf = resnet9_for(layer)
    warm = GANRun(layer, config_for("collapse", layer, warm_start=True), images(), out=tmp_path / "c", classifier=clf).D
    assert all(torch.equal(a, b) for a, b in zip(warm.trunk.state_dict().values(), clf.trunk.state_dict().values()))


def test_a_large_adam_eps_shrinks_the_steps_of_both_networks(tmp_path):
    def moved(r):
        before = [torch.cat([p.detach().flatten().clone() for p in m.parameters()]) for m in (r.G, r.D)]
        r.train_step()
        after = [torch.cat([p.detach().flatten() for p in m.parameters()]) for m in (r.G, r.D)]
        return [(a - b).abs().mean().item() for a, b in zip(after, before)]

    plain = moved(run(tmp_path / "plain"))
    floored = run(tmp_path / "floored", adam_eps=10.0)
    assert [o.param_groups[0]["eps"] for o in (floored.opt_g, floored.opt_d)] == [10.0, 10.0]
    # Adam's first step is lr * sign(g) whatever the gradient; an eps far above |g| makes it lr * g / eps instead
    assert all(f < p / 100 for f, p in zip(moved(floored), plain))


def test_resume_refuses_another_profile(tmp_path):
    run(tmp_path, steps=3).train(progress=False)
    other_prof = dataclasses.replace(PROF, d_act="leaky" if PROF.d_act == "relu" else "relu")
    other = GANRun(other_prof, config_for("stable", PROF, steps=3), images(), out=tmp_path / "stable")
    with pytest.raises(CheckpointError, match="another profile"):
        other.load()


def test_a_checkpoint_older_than_a_profile_field_resumes_as_its_default(tmp_path):
    r = run(tmp_path, steps=3)
    r.train(progress=False)
    state = torch.load(r.checkpoint, weights_only=True)
    del state["profile"]["d_norm"]  # saved before the field existed
    torch.save(state, r.checkpoint)
    assert run(tmp_path, steps=3).load()
    other = GANRun(
        dataclasses.replace(PROF, d_norm="layer"),
        config_for("stable", PROF, steps=3),
        images(),
        out=tmp_path / "stable",
    )
    with pytest.raises(ValueError, match="another profile"):
        other.load()


def test_the_weight_average_follows_g_at_its_decay_and_d_never_sees_it(tmp_path):
    from helpers.ema import decay_for

    r = run(tmp_path, steps=3)
    decay = decay_for(PROF.batch_size, r.config.ema_images)
    assert decay == pytest.approx(0.5 ** (PROF.batch_size / 10_000))
    before = [p.clone() for p in r.G_ema.module.parameters()]
    r.train_step()
    for avg, old, live in zip(r.G_ema.module.parameters(), before, r.G.parameters()):
        assert torch.allclose(avg, decay * old + (1 - decay) * live, atol=1e-7)
        assert not avg.requires_grad
    assert all(not torch.equal(a, b) for a, b in zip(r.G_ema.module.parameters(), r.G.parameters()))


def test_samples_come_from_the_average_unless_asked_for_the_live_g(tmp_path):
    r = run(tmp_path, steps=4)
    r.train(progress=False)
    z = torch.randn(5, PROF.latent_size)
    averaged, live = r.sample(z), r.sample(z, average=False)
    assert averaged.shape == live.shape == (5, *PROF.features.shape)
    assert not torch.equal(averaged, live)
    assert torch.equal(r.sample(z), averaged)  # standing statistics are measured the same way each time
    assert r.G.training  # the live G goes back to training mode


def test_models_and_optimizers_handed_over_are_the_ones_trained(tmp_path):
    from helpers.engine import adam, build_models

    c = config_for("stable", PROF, steps=2)
    G, D = build_models(PROF, c)
    opt_g, opt_d = adam(G, c.g_lr, c), adam(D, c.d_lr, c)
    mine = GANRun(PROF, c, images(), out=tmp_path / "mine", G=G, D=D, opt_g=opt_g, opt_d=opt_d)
    assert mine.G is G and mine.D is D and mine.opt_g is opt_g and mine.opt_d is opt_d
    mine.train(progress=False)
    theirs = run(tmp_path / "built", steps=2)
    theirs.train(progress=False)
    assert mine.frame().drop(columns="seconds").equals(theirs.frame().drop(columns="seconds"))


def test_building_a_run_leaves_the_global_random_stream_alone(tmp_path):
    x = images()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    GANRun(PROF, config_for("stable", PROF, spectral_norm=True), x, out=tmp_path)
    assert torch.equal(torch.rand(3), expected)


def test_a_d_step_can_be_overridden_without_touching_the_rest(tmp_path):
    """The seams: a subclass changes D's update alone, as tools/jolt_experiment.py does."""

    class FrozenD(GANRun):
        def d_step(self, real, fake, y_real=None):
            with torch.no_grad():
                d_real, d_fake = self.discriminate(real, fake)
            return torch.tensor(0.0), d_real, d_fake

    r = FrozenD(PROF, config_for("stable", PROF, steps=2), images(), out=tmp_path / "frozen")
    d0 = [p.clone() for p in r.D.parameters()]
    row = r.train_step()
    assert all(torch.equal(a, b) for a, b in zip(d0, r.D.parameters())) and row["D_loss"] == 0.0


def test_augmentation_reaches_both_of_ds_batches_and_gs_gradient(tmp_path):
    """D sees augmented real and fake batches in its step, and G's gradient flows back through the
    augmentation of its own fakes."""
    r = run(tmp_path, augment_p=1.0)
    seen = []
    r.D.register_forward_pre_hook(lambda module, args: seen.append(args[0].detach().clone()))
    real, z, _, _ = r.batch()
    fake = r.G(z)
    aug_real = r.augment(real)
    assert not torch.equal(aug_real, real)
    r.d_step(aug_real, fake.detach())
    assert torch.equal(seen[0], aug_real) and not torch.equal(seen[1], fake.detach())
    g_before = [p.clone() for p in r.G.parameters()]
    r.g_step(fake, aug_real)
    assert all(not torch.equal(a, b) for a, b in zip(g_before, r.G.parameters()))


def test_adaptive_augmentation_resumes_exactly(tmp_path):
    straight = run(tmp_path / "a", steps=6, augment_p=0.2, ada_target=0.6)
    straight.train(progress=False)
    first = run(tmp_path / "b", steps=3, augment_p=0.2, ada_target=0.6)
    first.train(progress=False)
    resumed = run(tmp_path / "b", steps=6, augment_p=0.2, ada_target=0.6)
    assert resumed.load()
    resumed.train(progress=False)
    assert resumed.frame().drop(columns="seconds").equals(straight.frame().drop(columns="seconds"))
    assert resumed.ada.p == straight.ada.p


def conditional(tmp_path, **kw):
    labels = torch.arange(40) % 10
    labels[::7] = -1  # a few unlabelled clips: left out
    return GANRun(
        PROF,
        config_for("stable", PROF, classes=10, **kw),
        images(),
        out=tmp_path / "cond",
        device=torch.device("cpu"),
        labels=labels,
    )


def test_a_conditional_run_draws_labels_and_asks_g_for_digits(tmp_path):
    r = conditional(tmp_path)
    assert len(r.images) == len(r.labels) == 40 - 6 and (r.labels >= 0).all()
    real, z, y_real, y_fake = r.batch()
    assert y_real.shape == y_fake.shape == (PROF.batch_size,) and y_fake.max() < 10
    out = r.D(real)
    assert out.shape == (PROF.batch_size, 11)  # real/fake logit and 10 class logits
    assert r.G(z, y_fake).shape == (PROF.batch_size, *PROF.features.shape)
    with pytest.raises(ValueError, match="conditional"):
        r.G(z)
    row = r.train_step()
    assert 0 < row["D(x)"] < 1
    z = torch.randn(4, PROF.latent_size)
    sevens, twos = r.sample(z, torch.full((4,), 7)), r.sample(z, torch.full((4,), 2))
    assert not torch.equal(sevens, twos)


def test_a_conditional_run_needs_labels_and_resumes(tmp_path):
    with pytest.raises(ValueError, match="labels"):
        GANRun(PROF, config_for("stable", PROF, classes=10), images(), out=tmp_path / "x")
    straight = conditional(tmp_path / "a", steps=4)
    straight.train(progress=False)
    first = conditional(tmp_path / "b", steps=2)
    first.train(progress=False)
    again = conditional(tmp_path / "b", steps=4)
    assert again.load()
    again.train(progress=False)
    assert again.frame().drop(columns="seconds").equals(straight.frame().drop(columns="seconds"))


def test_a_warm_started_conditional_d_starts_with_the_classifiers_class_head(tmp_path):
    from helpers.models import resnet9_for

    clf = resnet9_for(PROF).eval()
    r = GANRun(
        PROF,
        config_for("stable", PROF, classes=10, warm_start=True),
        images(),
        out=tmp_path / "w",
        classifier=clf,
        labels=torch.arange(40) % 10,
    )
    x = images(5).unsqueeze(1).expand(-1, 3, -1, -1)
    r.D.eval()
    assert torch.allclose(r.D(x)[:, 1:], clf(x), atol=1e-5)


def test_a_trained_run_samples_as_the_run_did_whatever_statistics_were_saved(tmp_path):
    from helpers import trained

    r = run(tmp_path, steps=4)
    r.train(progress=False)
    z = torch.randn(6, PROF.latent_size)
    state = torch.load(r.checkpoint, weights_only=True)
    for k in [k for k in state["G_ema"] if "running" in k]:  # as an older version saved it: no statistics
        state["G_ema"][k] = torch.zeros_like(state["G_ema"][k]) + (1.0 if "var" in k else 0.0)
    torch.save(state, r.checkpoint)
    back = trained.load(r.out)
    assert torch.allclose(back.sample(z), r.sample(z), atol=1e-6)
    resumed = run(tmp_path, steps=4)
    assert resumed.load() and torch.allclose(resumed.sample(z), r.sample(z), atol=1e-6)
    assert torch.allclose(trained.load(r.out, average=False).sample(z), r.sample(z, average=False), atol=1e-6)


def test_a_semi_supervised_d_learns_the_real_digits_while_g_stays_unconditional(tmp_path):
    """``d_classes``: D's class head learns from the real clips' labels, G is asked for nothing and its step
    is the plain non-saturating one (its gradient does not depend on the class head)."""
    labels = torch.arange(40) % 10
    r = GANRun(
        PROF,
        config_for("stable", PROF, d_classes=10),
        images(),
        out=tmp_path / "semi",
        device=torch.device("cpu"),
        labels=labels,
    )
    real, z, y_real, y_fake = r.batch()
    assert y_real.shape == (PROF.batch_size,) and y_fake is None
    assert r.D(real).shape == (PROF.batch_size, 11) and r.G(z).shape == (PROF.batch_size, *PROF.features.shape)
    head = r.D.head.linear.weight
    before = head[1:].detach().clone()
    r.train_step()
    assert not torch.equal(head[1:], before)  # D learned to name digits
    fake = r.G(z)
    r.D.zero_grad(set_to_none=True)
    r.g_step(fake, real, None)
    assert head.grad is None or head.grad[1:].abs().sum() == 0  # G's loss reads only the real/fake logit
    with pytest.raises(ValueError, match="labels"):
        GANRun(PROF, config_for("stable", PROF, d_classes=10), images(), out=tmp_path / "x")
