"""The classifier's training loop, evaluation, and checkpoint round trip with its error messages."""

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from helpers.classifier import evaluate, load_classifier, save_checkpoint, train_classifier
from helpers.models import ResNet9


def digits(n: int, seed: int) -> TensorDataset:
    """Ten separable classes: each a fixed random pattern (the same for every seed) plus noise, in [-1, 1]."""
    patterns = torch.rand(10, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    noise = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 10
    x = (0.7 * patterns[y] + 0.3 * torch.randn(n, 3, 32, 32, generator=noise)).clamp(-1, 1)
    return TensorDataset(x, y)


@pytest.fixture(scope="module")
def trained():
    torch.manual_seed(0)
    train = DataLoader(digits(320, seed=1), batch_size=32, shuffle=True)
    test = DataLoader(digits(100, seed=2), batch_size=50)
    model = ResNet9(10, width=8)
    history = train_classifier(model, train, test, epochs=3, device="cpu", progress=False)
    return model, history, test


def test_training_learns_a_separable_problem(trained):
    model, history, _ = trained
    assert list(history.columns) == ["epoch", "train_loss", "train_acc", "test_acc", "seconds"]
    assert list(history.epoch) == [1, 2, 3]
    assert history.test_acc.iloc[-1] > 0.9
    assert history.train_loss.iloc[-1] < history.train_loss.iloc[0]
    assert not model.training


def test_unlabelled_samples_are_ignored(trained):
    model, _, _ = trained
    x, y = digits(20, seed=3).tensors
    y[::2] = -1
    accuracy, confusion = evaluate(model, DataLoader(TensorDataset(x, y), batch_size=8))
    assert confusion.shape == (10, 10) and confusion.sum() == 10
    assert accuracy == confusion.trace() / 10


def test_confusion_matrix_counts_every_sample(trained):
    model, history, test = trained
    accuracy, confusion = evaluate(model, test)
    assert confusion.sum() == 100
    assert accuracy == pytest.approx(history.test_acc.iloc[-1])
    assert (confusion.sum(axis=1) == 10).all()  # rows are the true digits, ten of each


def test_checkpoint_round_trip(trained, tmp_path):
    model, _, test = trained
    path = save_checkpoint(model, tmp_path / "sub" / "classifier.pt", test_acc=0.95, epochs=3)
    loaded = load_classifier(path, device="cpu")
    x = next(iter(test))[0]
    assert torch.equal(model(x), loaded(x))
    assert loaded.config == model.config and loaded.meta == {"test_acc": 0.95, "epochs": 3}
    assert [p.name for p in tmp_path.rglob("*")] == ["sub", "classifier.pt"]  # no temporary file left


def test_missing_checkpoint_says_how_to_make_one(tmp_path):
    path = tmp_path / "nope.pt"
    from helpers.checkpoints import CheckpointError

    with pytest.raises(CheckpointError, match="03_resnet9_discriminator.ipynb") as error:
        load_classifier(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize("content", ["text", "state_dict", "wrong_shapes"])
def test_unusable_checkpoint_is_one_clear_error(tmp_path, content):
    path = tmp_path / "classifier.pt"
    if content == "text":
        path.write_text("not a checkpoint")
    elif content == "state_dict":
        torch.save(ResNet9(width=8).state_dict(), path)
    else:
        save_checkpoint(ResNet9(width=8), path)
        checkpoint = torch.load(path, weights_only=True)
        checkpoint["config"]["width"] = 16
        torch.save(checkpoint, path)
    with pytest.raises(ValueError) as error:
        load_classifier(path, device="cpu")
    message = str(error.value)
    assert str(path) in message and "delete it" in message and "\n" not in message


def test_classifier_for_retrains_when_the_saved_network_no_longer_fits_the_profile(monkeypatch, capsys):
    """A classifier saved before the profile changed (say, LeakyReLU then ReLU) is not silently reused."""
    import helpers.classifier as c
    from helpers import config

    prof = config.profile("smoke")
    stale = ResNet9(width=prof.d_width, act="leaky" if prof.d_act == "relu" else "relu")
    save_checkpoint(stale, c.checkpoint_path(prof))
    retrained = ResNet9(width=prof.d_width, act=prof.d_act, prep_norm=prof.d_prep_norm)
    monkeypatch.setattr(c, "train_digit_classifier", lambda *a, **k: (retrained, None, None))
    assert c.classifier_for(prof, ds=None, device="cpu") is retrained
    assert "now asks for" in capsys.readouterr().out
    save_checkpoint(retrained, c.checkpoint_path(prof))  # a fitting one is loaded, not retrained
    monkeypatch.setattr(c, "train_digit_classifier", lambda *a, **k: pytest.fail("retrained a fitting classifier"))
    assert c.classifier_for(prof, ds=None, device="cpu").config == retrained.config


def test_a_run_with_another_d_is_still_judged_by_notebook_03s_classifier(monkeypatch):
    """``--set d_norm=layer`` changes D, not the judge: the judge is the profile's own classifier, and a
    classifier trained for the changed D (a warm start) is kept in a file of its own, never over the judge."""
    import dataclasses

    import helpers.classifier as c
    from helpers import config

    prof = config.profile("smoke")
    layer = dataclasses.replace(prof, d_norm="layer")
    assert c.checkpoint_path(layer) != c.checkpoint_path(prof)
    assert "d_norm" not in c.checkpoint_path(prof).name and "norm=layer" in c.checkpoint_path(layer).name
    judge = ResNet9(width=prof.d_width, act=prof.d_act, prep_norm=prof.d_prep_norm)
    save_checkpoint(judge, c.checkpoint_path(prof))
    monkeypatch.setattr(c, "train_digit_classifier", lambda *a, **k: pytest.fail("retrained the judge"))
    assert c.judge_for(layer, ds=None).config["norm"] == prof.d_norm


def test_notebook_03s_classifier_is_trained_once_with_its_record_then_loaded_as_it_was():
    """A rerun of notebook 03 shows the saved judge and its per-epoch record instead of replacing it."""
    import helpers.classifier as c
    from helpers import config
    from helpers.data import ensure_data
    from helpers.dataset import AudioDataset

    prof = config.profile("smoke")
    ds = AudioDataset(ensure_data(prof), prof.features, max_files=prof.max_files, progress=False)
    model, history, confusion = c.digit_classifier(prof, ds, device="cpu", progress=False)
    again, saved_history, saved_confusion = c.digit_classifier(prof, ds, device="cpu", progress=False)
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), again.state_dict().values()))
    assert saved_history.equals(history) and (saved_confusion == confusion).all() and confusion.sum() > 0
    save_checkpoint(again, c.checkpoint_path(prof), classes=["other"])  # saved for other classes: trained again
    c.digit_classifier(prof, ds, device="cpu", progress=False)
    assert c.load_classifier(c.checkpoint_path(prof)).meta["classes"] == list(ds.classes)
