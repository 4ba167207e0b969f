"""Unit tests of relu_course.training: seeding, devices, the training
configuration, PlainSGD and `train`, what it refuses and what it does.
"""

from __future__ import annotations

import math
import random
import re

import numpy as np
import pytest
import torch

import relu_course as rc

# Learning rates at which a few epochs on cubic_data make progress without diverging.
LEARNING_RATES = {
    ("sgd", "mse"): 1e-4,
    ("sgd", "mae"): 1e-2,
    ("adam", "mse"): 1e-2,
    ("adam", "mae"): 1e-2,
}


def full_data_loss(snapshot: rc.Snapshot, x, y, loss: str = "mse") -> float:
    """The loss of a snapshot on all the data, computed with NumPy."""
    residual = rc.predict(snapshot, x) - np.asarray(y, dtype=float)
    return float(np.mean(residual**2) if loss == "mse" else np.mean(np.abs(residual)))


def assert_same_parameters(a: rc.Snapshot, b: rc.Snapshot) -> None:
    for name in ("w0", "b0", "w1"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.b1 == b.b1


# --- set_seed and resolve_device ------------------------------------------------


def _draws() -> tuple[float, float, float]:
    return (
        random.random(),
        float(np.random.rand()),  # noqa: NPY002 - set_seed seeds the legacy API
        float(torch.rand(())),
    )


def test_set_seed_makes_python_numpy_and_torch_draws_reproducible():
    rc.set_seed(123)
    first = _draws()
    rc.set_seed(123)
    assert _draws() == first


def test_set_seed_with_another_seed_gives_other_draws():
    rc.set_seed(1)
    first = _draws()
    rc.set_seed(2)
    second = _draws()
    assert all(a != b for a, b in zip(first, second, strict=True))


def test_resolve_device_cpu_is_the_cpu():
    assert rc.resolve_device("cpu") == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is present")
def test_resolve_device_auto_is_the_cpu_without_a_gpu():
    assert rc.resolve_device("auto") == torch.device("cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_resolve_device_auto_is_the_gpu_when_there_is_one():
    assert rc.resolve_device("auto").type == "cuda"


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is present")
def test_resolve_device_cuda_without_a_gpu_raises_a_runtime_error():
    with pytest.raises(RuntimeError, match="no CUDA GPU is available"):
        rc.resolve_device("cuda")


@pytest.mark.parametrize("name", ["gpu", "CPU", "", "cuda:0"])
def test_resolve_device_rejects_an_unknown_name_listing_the_valid_ones(name):
    with pytest.raises(
        ValueError, match=r"device must be one of 'auto', 'cpu', 'cuda', got"
    ):
        rc.resolve_device(name)


# --- TrainConfig ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("n_hidden", 0, r"n_hidden must be an integer >= 1, got 0"),
        ("n_hidden", -3, r"n_hidden must be an integer >= 1"),
        ("n_hidden", 2.5, r"n_hidden must be an integer >= 1"),
        ("n_hidden", True, r"n_hidden must be an integer >= 1"),
        ("epochs", 0, r"epochs must be an integer >= 1, got 0"),
        ("snapshot_every", 0, r"snapshot_every must be an integer >= 1"),
        ("batch_size", 0, r"batch_size must be an integer >= 1, got 0"),
        ("batch_size", 8.0, r"batch_size must be an integer >= 1"),
        ("lr", 0.0, r"lr must be a finite number > 0, got 0.0"),
        ("lr", -1e-3, r"lr must be a finite number > 0"),
        ("lr", math.nan, r"lr must be a finite number > 0, got nan"),
        ("lr", math.inf, r"lr must be a finite number > 0, got inf"),
        ("lr", "0.1", r"lr must be a finite number > 0"),
        ("lr", True, r"lr must be a finite number > 0, got True"),
        ("optimizer", "rmsprop", r"optimizer must be one of \['adam', 'sgd'\]"),
        ("optimizer", "SGD", r"optimizer must be one of \['adam', 'sgd'\]"),
        ("loss", "huber", r"loss must be one of \['mae', 'mse'\], got 'huber'"),
        ("device", "gpu", r"device must be one of 'auto', 'cpu', 'cuda', got 'gpu'"),
    ],
)
def test_train_config_rejects_a_bad_value_with_a_message_naming_the_field(
    field, value, message
):
    with pytest.raises(ValueError, match=message):
        rc.TrainConfig(**{field: value})


def test_train_config_accepts_every_valid_optimizer_loss_and_device():
    for optimizer in ("sgd", "adam"):
        for loss in ("mse", "mae"):
            for device in ("auto", "cpu", "cuda"):
                config = rc.TrainConfig(optimizer=optimizer, loss=loss, device=device)
                assert (config.optimizer, config.loss) == (optimizer, loss)


def test_train_applies_the_same_validation_to_overrides(cubic):
    x, y = cubic
    with pytest.raises(ValueError, match="epochs must be an integer >= 1"):
        rc.train(x, y, epochs=0)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        rc.train(x, y, config=rc.TrainConfig(epochs=2), lr=-1.0)


# --- train: what it refuses -----------------------------------------------------


def test_train_rejects_x_and_y_of_different_lengths(cubic):
    x, y = cubic
    with pytest.raises(ValueError, match="same length, got 300 and 299"):
        rc.train(x, y[:-1], epochs=1)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("which", ["x", "y"])
def test_train_rejects_non_finite_data(cubic, bad, which):
    x, y = (a.copy() for a in cubic)
    (x if which == "x" else y)[[3, 7]] = bad
    with pytest.raises(
        ValueError, match=rf"{which} must be finite, found 2 NaN or inf"
    ):
        rc.train(x, y, epochs=1)


def test_train_rejects_a_list_naming_the_argument(cubic):
    x, y = cubic
    with pytest.raises(TypeError, match="x must be a numpy array or torch tensor"):
        rc.train(list(x), y, epochs=1)
    with pytest.raises(TypeError, match="y must be a numpy array or torch tensor"):
        rc.train(x, list(y), epochs=1)


def test_train_rejects_two_column_data(cubic):
    x, y = cubic
    wide = np.stack([x, x], axis=1)
    with pytest.raises(ValueError, match=r"x must have shape \(N,\) or \(N, 1\)"):
        rc.train(wide, y, epochs=1)
    with pytest.raises(ValueError, match=r"y must have shape .* got \(300, 2\)"):
        rc.train(x, np.stack([y, y], axis=1), epochs=1)


def test_train_rejects_empty_data():
    empty = np.array([], dtype=np.float32)
    with pytest.raises(ValueError, match="with N >= 1"):
        rc.train(empty, empty, epochs=1)


@pytest.mark.parametrize("dtype", [np.complex64, np.str_, np.bool_])
def test_train_rejects_data_that_are_not_real_numbers(dtype):
    x = np.zeros(4, dtype=dtype)
    with pytest.raises(TypeError, match="x must hold real numbers"):
        rc.train(x, np.zeros(4), epochs=1)


def test_train_rejects_a_batch_larger_than_the_data(cubic):
    x, y = cubic
    with pytest.raises(ValueError, match=r"batch_size must be <= len\(x\) = 300"):
        rc.train(x, y, epochs=1, batch_size=301)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA GPU is present")
def test_train_on_cuda_without_a_gpu_raises_a_runtime_error(cubic):
    x, y = cubic
    with pytest.raises(RuntimeError, match="no CUDA GPU"):
        rc.train(x, y, epochs=1, device="cuda")


# --- train: what it does --------------------------------------------------------


@pytest.mark.parametrize("batch_size", [None, 64], ids=["full-batch", "mini-batch"])
@pytest.mark.parametrize("loss", ["mse", "mae"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_training_lowers_the_loss_on_cubic_data(cubic, optimizer, loss, batch_size):
    x, y = cubic
    epochs = 30
    _, history = rc.train(
        x,
        y,
        epochs=epochs,
        snapshot_every=10,
        optimizer=optimizer,
        loss=loss,
        batch_size=batch_size,
        lr=LEARNING_RATES[optimizer, loss],
    )
    assert history.losses.shape == (epochs,)
    assert np.isfinite(history.losses).all()
    before = full_data_loss(history.snapshots[0], x, y, loss)
    after = full_data_loss(history.final, x, y, loss)
    assert after < before
    assert history.losses[-1] < history.losses[0]
    # The final snapshot records the loss on all the data after the last step.
    assert history.final.loss == pytest.approx(after, rel=1e-4)


@pytest.mark.parametrize(
    ("epochs", "every", "expected"),
    [
        (25, 10, [0, 10, 20, 25]),
        (30, 10, [0, 10, 20, 30]),
        (5, 1, [0, 1, 2, 3, 4, 5]),
        (3, 100, [0, 3]),
    ],
)
def test_snapshots_are_taken_every_few_epochs_and_after_the_last(
    cubic, epochs, every, expected
):
    x, y = cubic
    _, history = rc.train(x, y, epochs=epochs, snapshot_every=every)
    assert [s.epoch for s in history.snapshots] == expected
    assert history.final is history.snapshots[-1]
    assert len(history.losses) == epochs


def test_each_full_batch_snapshot_records_the_loss_of_its_epoch(cubic, trained):
    x, y = cubic
    _, history = trained
    for snapshot in history.snapshots[:-1]:
        assert snapshot.loss == pytest.approx(history.losses[snapshot.epoch], rel=1e-12)
        assert snapshot.loss == pytest.approx(full_data_loss(snapshot, x, y), rel=1e-4)


def test_a_mini_batch_snapshot_records_the_loss_on_all_the_data(cubic):
    x, y = cubic
    _, history = rc.train(x, y, epochs=6, snapshot_every=2, batch_size=16, seed=3)
    for snapshot in history.snapshots:
        assert snapshot.loss == pytest.approx(full_data_loss(snapshot, x, y), rel=1e-4)


def test_the_first_snapshot_holds_the_seeded_initialisation(cubic):
    x, y = cubic
    _, history = rc.train(x, y, epochs=3, n_hidden=5, seed=11)
    rc.set_seed(11)
    fresh = rc.Regressor(5)
    assert_same_parameters(history.snapshots[0], rc.Snapshot.of(fresh, 0, 0.0))


@pytest.mark.parametrize("batch_size", [None, 32])
def test_the_same_seed_gives_an_identical_history(cubic, batch_size):
    x, y = cubic
    runs = [
        rc.train(x, y, epochs=12, snapshot_every=4, batch_size=batch_size, seed=3)[1]
        for _ in range(2)
    ]
    np.testing.assert_array_equal(runs[0].losses, runs[1].losses)
    assert len(runs[0].snapshots) == len(runs[1].snapshots)
    for a, b in zip(runs[0].snapshots, runs[1].snapshots, strict=True):
        assert_same_parameters(a, b)


@pytest.mark.parametrize("batch_size", [None, 32])
def test_another_seed_gives_another_history(cubic, batch_size):
    x, y = cubic
    a = rc.train(x, y, epochs=12, batch_size=batch_size, seed=3)[1]
    b = rc.train(x, y, epochs=12, batch_size=batch_size, seed=4)[1]
    assert not np.array_equal(a.losses, b.losses)
    assert not np.array_equal(a.final.w0, b.final.w0)


def test_a_batch_as_large_as_the_data_is_full_batch_training(cubic):
    x, y = cubic
    full = rc.train(x, y, epochs=6)[1]
    whole = rc.train(x, y, epochs=6, batch_size=len(x))[1]
    np.testing.assert_array_equal(full.losses, whole.losses)
    assert_same_parameters(full.final, whole.final)


def test_column_vectors_and_tensors_train_exactly_like_flat_arrays(cubic):
    x, y = cubic
    flat = rc.train(x, y, epochs=5)[1]
    column = rc.train(x.reshape(-1, 1), y.reshape(-1, 1), epochs=5)[1]
    tensor = rc.train(torch.from_numpy(x), torch.from_numpy(y), epochs=5)[1]
    for other in (column, tensor):
        np.testing.assert_array_equal(flat.losses, other.losses)
        assert_same_parameters(flat.final, other.final)


def test_a_model_passed_in_is_trained_in_place_from_its_own_initialisation(cubic):
    x, y = cubic
    torch.manual_seed(99)
    model = rc.Regressor(3)
    initial = rc.Snapshot.of(model, 0, 0.0)
    returned, history = rc.train(x, y, model=model, epochs=5, n_hidden=7)
    assert returned is model
    assert history.final.w0.shape == (3,)  # the model's size, not n_hidden=7
    assert_same_parameters(history.snapshots[0], initial)
    assert not np.array_equal(rc.Snapshot.of(model, 5, 0.0).w0, initial.w0)
    assert_same_parameters(rc.Snapshot.of(model, 5, 0.0), history.final)


def _diverging_epoch(cubic) -> int:
    x, y = cubic
    with pytest.raises(rc.TrainingDivergedError, match=r"at epoch \d+") as info:
        rc.train(x, y, epochs=50, lr=1e3)
    return int(re.search(r"at epoch (\d+)", str(info.value)).group(1))


def test_a_huge_learning_rate_raises_training_diverged_naming_the_epoch(cubic):
    x, y = cubic
    epoch = _diverging_epoch(cubic)
    assert 0 < epoch < 50
    assert issubclass(rc.TrainingDivergedError, FloatingPointError)
    # The named epoch is the first bad one: the epochs before it train cleanly.
    _, history = rc.train(x, y, epochs=epoch - 1, lr=1e3)
    assert np.isfinite(history.losses).all()
    assert np.isfinite(history.final.loss)
    with pytest.raises(rc.TrainingDivergedError, match=r"lr=1000\.0"):
        rc.train(x, y, epochs=epoch + 1, lr=1e3)


def test_train_never_returns_a_non_finite_final_loss(cubic):
    x, y = cubic
    epoch = _diverging_epoch(cubic)
    # Stopping at that epoch, the last step has already made the loss non-finite;
    # only the final full-data evaluation sees it, and names the same epoch.
    with pytest.raises(rc.TrainingDivergedError, match=rf"at epoch {epoch}, after"):
        rc.train(x, y, epochs=epoch, lr=1e3)


# --- PlainSGD ----------------------------------------------------------------


def test_plain_sgd_takes_exactly_the_steps_of_torch_optim_sgd():
    x, y = rc.cubic_data()
    xs, ys = (torch.from_numpy(v).float().reshape(-1, 1) for v in (x, y))
    rc.set_seed(0)
    ours = rc.Regressor(7)
    theirs = rc.Regressor(7)
    theirs.load_state_dict(ours.state_dict())
    start = ours.hidden.weight.detach().clone()
    for model, optimizer in (
        (ours, rc.PlainSGD(ours.parameters(), lr=1e-4)),
        (theirs, torch.optim.SGD(theirs.parameters(), lr=1e-4)),
    ):
        for _ in range(50):
            loss = torch.nn.functional.mse_loss(model(xs), ys)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert torch.equal(p, q)  # bit for bit, not merely close
    assert not torch.equal(ours.hidden.weight, start)  # and they did move
