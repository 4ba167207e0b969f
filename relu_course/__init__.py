"""relu_course: the maths and machinery the lessons of the ReLU course share.

Names load on first use (PEP 562): ``import relu_course`` itself imports
neither PyTorch nor matplotlib, so a lesson or a test pays only for the parts it
touches (``rc.relu`` needs NumPy alone; ``rc.train`` brings in PyTorch).

>>> import relu_course as rc
>>> rc.relu(-1.5), rc.subdifferential(0.0)
(0.0, Interval(low=0.0, high=1.0))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from relu_course.activation import (
        elu,
        gelu,
        leaky_relu,
        positive_part,
        prelu,
        relu,
        relu_python,
        reshaped_relu,
        sigmoid,
        silu,
        tanh,
    )
    from relu_course.animation import (
        Player,
        embed,
        save,
        training_animation,
    )
    from relu_course.batched import train_many
    from relu_course.derivative import (
        Interval,
        ReLUWithConvention,
        expected_subgradient,
        finite_difference,
        measure_grad_at_zero,
        monte_carlo_subgradient,
        relu_derivative,
        relu_left_derivative,
        relu_right_derivative,
        relu_with_convention,
        subdifferential,
    )
    from relu_course.dying import (
        DyingRun,
        activation_slopes,
        dead_mask,
        dying_experiment,
        nudge,
    )
    from relu_course.plane import (
        Region,
        activation_pattern,
        activation_regions,
        arrangement_bound,
        decision_boundary,
        layers_of,
        local_affine_map,
        split_polygon,
        two_moons,
    )
    from relu_course.regressor import (
        History,
        PlainSGD,
        Regressor,
        Snapshot,
        TrainConfig,
        TrainingDivergedError,
        cubic_data,
        dead_units,
        kinks,
        noisy_quadratic_data,
        predict,
        resolve_device,
        set_seed,
        train,
        unit_contributions,
        unit_outputs,
        wiggly_data,
    )
    from relu_course.style import (
        COLORS,
        use_course_style,
    )

# Every public name -> the module that defines it.
_MODULE_OF = {
    # relu_course.activation
    "elu": "activation",
    "gelu": "activation",
    "leaky_relu": "activation",
    "positive_part": "activation",
    "prelu": "activation",
    "relu": "activation",
    "relu_python": "activation",
    "reshaped_relu": "activation",
    "sigmoid": "activation",
    "silu": "activation",
    "tanh": "activation",
    # relu_course.derivative
    "expected_subgradient": "derivative",
    "finite_difference": "derivative",
    "Interval": "derivative",
    "measure_grad_at_zero": "derivative",
    "monte_carlo_subgradient": "derivative",
    "relu_derivative": "derivative",
    "relu_left_derivative": "derivative",
    "relu_right_derivative": "derivative",
    "relu_with_convention": "derivative",
    "ReLUWithConvention": "derivative",
    "subdifferential": "derivative",
    # relu_course.regressor
    "cubic_data": "regressor",
    "dead_units": "regressor",
    "History": "regressor",
    "PlainSGD": "regressor",
    "kinks": "regressor",
    "noisy_quadratic_data": "regressor",
    "predict": "regressor",
    "Regressor": "regressor",
    "resolve_device": "regressor",
    "set_seed": "regressor",
    "Snapshot": "regressor",
    "train": "regressor",
    "TrainConfig": "regressor",
    "TrainingDivergedError": "regressor",
    "unit_contributions": "regressor",
    "unit_outputs": "regressor",
    "wiggly_data": "regressor",
    # relu_course.batched
    "train_many": "batched",
    # relu_course.dying
    "activation_slopes": "dying",
    "dead_mask": "dying",
    "dying_experiment": "dying",
    "DyingRun": "dying",
    "nudge": "dying",
    # relu_course.plane
    "Region": "plane",
    "activation_pattern": "plane",
    "activation_regions": "plane",
    "arrangement_bound": "plane",
    "decision_boundary": "plane",
    "layers_of": "plane",
    "local_affine_map": "plane",
    "split_polygon": "plane",
    "two_moons": "plane",
    # relu_course.animation
    "Player": "animation",
    "embed": "animation",
    "save": "animation",
    "training_animation": "animation",
    # relu_course.style
    "COLORS": "style",
    "use_course_style": "style",
}

__all__ = [
    "COLORS",
    "DyingRun",
    "History",
    "Interval",
    "PlainSGD",
    "Player",
    "ReLUWithConvention",
    "Region",
    "Regressor",
    "Snapshot",
    "TrainConfig",
    "TrainingDivergedError",
    "activation_pattern",
    "activation_regions",
    "activation_slopes",
    "arrangement_bound",
    "cubic_data",
    "dead_mask",
    "dead_units",
    "decision_boundary",
    "dying_experiment",
    "elu",
    "embed",
    "expected_subgradient",
    "finite_difference",
    "gelu",
    "kinks",
    "layers_of",
    "leaky_relu",
    "local_affine_map",
    "measure_grad_at_zero",
    "monte_carlo_subgradient",
    "noisy_quadratic_data",
    "nudge",
    "positive_part",
    "predict",
    "prelu",
    "relu",
    "relu_derivative",
    "relu_left_derivative",
    "relu_python",
    "relu_right_derivative",
    "relu_with_convention",
    "reshaped_relu",
    "resolve_device",
    "save",
    "set_seed",
    "sigmoid",
    "silu",
    "split_polygon",
    "subdifferential",
    "tanh",
    "train",
    "train_many",
    "training_animation",
    "two_moons",
    "unit_contributions",
    "unit_outputs",
    "use_course_style",
    "wiggly_data",
]


def __getattr__(name: str) -> Any:
    """Import the module that defines `name` the first time it is asked for."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'relu_course' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"relu_course.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
