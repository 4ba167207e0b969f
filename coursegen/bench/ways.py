"""The pairs of ways `make bench` races (coursegen/bench/races.py), each made the same.

- The training animation of the lesson "Training a ReLU regressor": MLDawn's
  regressor (x^3 on 300 points, 7 relu units, SGD lr 1e-4, 4000 epochs), one
  frame every 100 epochs (40 frames), three panels, written as the sprite and
  player the book embeds. The course trains, then draws one figure whose lines
  only change their data (relu_course.animation). MLDawn's article draws while it
  trains: every 100 epochs it clears the whole figure and plots each unit again
  from Python lists, relu evaluated point by point.
- Two experiments that repeat a training, one model at a time (rc.train) or
  all at once (rc.train_many): the sweep of the lesson "Dying ReLU" (20 seeds
  at each of 5 learning rates, 150 full-batch SGD epochs; every seed of a
  learning rate at once), and the survey of the lesson "Fitting a wiggly curve"
  (20 seeds each of Keras's and PyTorch's initialisation, 30 units, 1000
  epochs of Adam on mini-batches of 32).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import matplotlib

matplotlib.use("Agg")  # off screen, as in a build

import matplotlib.pyplot as plt
import numpy as np
import torch
from PIL import Image

import relu_course as rc
from relu_course import animation

EPOCHS, EVERY, N_HIDDEN, LR = 4000, 100, 7, 1e-4  # MLDawn's settings
DPI = 60  # the lesson's ANIMATION_DPI
FIGSIZE = (12, 3.8)  # relu_course.animation's three panels
SEEDS, SWEEP_EPOCHS = range(20), 150  # the lesson "Dying ReLU"
LEARNING_RATES = [1e-4, 3e-4, 4e-4, 5e-4, 1e-3]
SURVEY = rc.TrainConfig(  # the lesson "Fitting a wiggly curve"
    n_hidden=30, epochs=1000, lr=1e-3, optimizer="adam", loss="mse", batch_size=32
)


def course_way() -> animation.Player:
    """Train with snapshots, then animate them by updating the lines' data."""
    x, y = rc.cubic_data()
    _, history = rc.train(x, y, epochs=EPOCHS, snapshot_every=EVERY, lr=LR)
    history.snapshots = history.snapshots[: EPOCHS // EVERY]  # epochs 0, 100, ..., 3900
    return rc.embed(rc.training_animation(history, x, y), dpi=DPI)


def relu(z: float) -> float:
    """The article's relu, for one number."""
    return max(0.0, z)


def mldawn_way() -> animation.Player:
    """Train, and every 100 epochs redraw the whole figure from Python lists."""
    x, y = rc.cubic_data()
    xs = torch.from_numpy(x).reshape(-1, 1)
    ys = torch.from_numpy(y).reshape(-1, 1)
    rc.set_seed(0)
    model = rc.Regressor(N_HIDDEN)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.MSELoss()
    fig = plt.figure(figsize=FIGSIZE, dpi=DPI)
    frames: list[Image.Image] = []
    labels: list[str] = []
    for epoch in range(EPOCHS):
        y_hat = model(xs)
        loss = loss_fn(y_hat, ys)
        if epoch % EVERY == 0:
            w0 = model.hidden.weight.detach().numpy()[:, 0]
            b0 = model.hidden.bias.detach().numpy()
            w1 = model.output.weight.detach().numpy()[0]
            b1 = model.output.bias.detach().numpy()[0]
            data = list(x)
            fig.clf()
            fig.suptitle(f"epoch {epoch}    loss {loss.item():.4g}")
            ax_units, ax_scaled, ax_sum = fig.subplots(1, 3)
            ax_units.set_title("each unit: relu(w0 x + b0)")
            ax_scaled.set_title("scaled: relu(w0 x + b0) * w1")
            ax_sum.set_title("sum + b1 vs target")
            total = []
            for k in range(N_HIDDEN):
                unit = [relu(d * w0[k] + b0[k]) for d in data]
                ax_units.plot(data, unit)
                scaled = [relu(d * w0[k] + b0[k]) * w1[k] for d in data]
                ax_scaled.plot(data, scaled)
                total.append(scaled)
            ax_sum.plot(data, list(y), color="k", label="target")
            ax_sum.plot(data, list(np.sum(total, axis=0) + b1), label="prediction")
            ax_sum.legend(loc="upper left")
            frames.append(animation._figure_image(fig))  # as the course's frames
            labels.append(f"epoch {epoch}")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    plt.close(fig)
    return _player(frames, labels)


def _player(frames: list[Image.Image], labels: list[str]) -> animation.Player:
    """Frames to the sprite and player the book embeds (relu_course.animation)."""
    width, height = frames[0].size
    sprite = animation._sprite(frames, (width, height), {})
    html = animation._player_html(
        "course-animation-mldawn", labels, "MLDawn's way", width, height, 200
    )
    return animation.Player(sprite, html, len(frames), width, height)


def dying_sweep(batched: bool) -> list[list[rc.DyingRun]]:
    """The lesson's sweep: dying_experiment at each learning rate."""
    x, y = rc.cubic_data()
    config = rc.TrainConfig(
        n_hidden=N_HIDDEN, epochs=SWEEP_EPOCHS, snapshot_every=SWEEP_EPOCHS
    )
    return [
        rc.dying_experiment(x, y, SEEDS, config=config, lr=lr, batched=batched)
        for lr in LEARNING_RATES
    ]


def _keras_like(seed: int) -> rc.Regressor:
    """The lesson's keras_init: Glorot uniform weights, zero biases."""
    rc.set_seed(seed)
    model = rc.Regressor(SURVEY.n_hidden)
    with torch.no_grad():
        for layer in (model.hidden, model.output):
            torch.nn.init.xavier_uniform_(layer.weight)
            torch.nn.init.zeros_(layer.bias)
    return model


def _torch_default(seed: int) -> rc.Regressor:
    rc.set_seed(seed)
    return rc.Regressor(SURVEY.n_hidden)


def wiggly_survey(batched: bool) -> Sequence[tuple[rc.Regressor, rc.History] | None]:
    """The lesson's survey: 40 networks, each trained as rc.train would."""
    x, y = rc.wiggly_data()
    models = [init(seed) for init in (_keras_like, _torch_default) for seed in SEEDS]
    config = replace(SURVEY, snapshot_every=SURVEY.epochs)
    if batched:
        return rc.train_many(x, y, models, config)
    return [rc.train(x, y, config, model=model) for model in models]


if __name__ == "__main__":  # a quick look: python -m coursegen.bench.ways
    import time

    for way in (course_way, mldawn_way):
        start = time.perf_counter()
        player = way()
        seconds = time.perf_counter() - start
        print(f"{way.__name__}: {seconds:.2f} s, {player!r}")
