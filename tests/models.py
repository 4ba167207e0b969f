"""Models the tests of stacked and batched training build alike."""

from __future__ import annotations

import torch

import relu_course as rc


class Subclassed(rc.Regressor):
    """A Regressor subclass: its stack is computed through vmap, not by hand."""


def seeded(seeds, activation=torch.nn.ReLU, cls=rc.Regressor, n_hidden=5):
    """One freshly initialised model per seed, as dying_experiment builds them."""
    models = []
    for seed in seeds:
        rc.set_seed(seed)
        models.append(cls(n_hidden, activation=activation()))
    return models
