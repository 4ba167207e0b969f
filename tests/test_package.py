"""relu_course/__init__.py: every public name of every module, as a name of the
package, listed once (in its module's __all__)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from collections import Counter

import relu_course as rc

MODULES = {
    info.name: importlib.import_module(f"relu_course.{info.name}")
    for info in pkgutil.iter_modules(rc.__path__)
}


def test_every_module_says_which_of_its_names_are_public():
    assert {"activation", "loop", "training", "batched"} <= set(MODULES)
    for name, module in MODULES.items():
        assert isinstance(getattr(module, "__all__", None), list), name


def test_every_public_name_of_a_module_is_that_object_in_the_package():
    for module in MODULES.values():
        for name in module.__all__:
            assert getattr(rc, name) is getattr(module, name), name


def test_the_package_exports_the_modules_public_names_and_nothing_else():
    exported = [name for module in MODULES.values() for name in module.__all__]
    assert sorted(rc.__all__) == sorted(exported)


def test_no_two_modules_export_the_same_name():
    exported = Counter(rc.__all__)
    assert [name for name, count in exported.items() if count > 1] == []


def test_no_module_is_named_like_a_public_name():
    # A module named like a function (relu_course.train and rc.train) would make
    # rc.NAME the one or the other depending on the order of imports.
    assert set(MODULES).isdisjoint(rc.__all__)


def test_training_with_sgd_never_imports_torch_dynamo():
    script = (
        "import sys, relu_course as rc; rc.train(*rc.cubic_data(), epochs=3); "
        "print(' '.join(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    loaded = set(done.stdout.split())
    assert "torch" in loaded
    assert "torch._dynamo" not in loaded  # torch.optim's first use costs 0.85 s


def test_every_data_file_of_the_package_is_installed_with_it():
    # A file the package reads (player.js, explorable.css, ...) but pyproject.toml
    # leaves out of package-data is missing from a `pip install` from git, which
    # is how Colab and the downloaded notebooks get relu_course.
    import tomllib
    from pathlib import Path

    root = Path(rc.__file__).parent
    pyproject = tomllib.loads((root.parent / "pyproject.toml").read_text())
    declared = pyproject["tool"]["setuptools"]["package-data"]["relu_course"]
    data = sorted(
        p.name
        for p in root.iterdir()
        if p.suffix not in {".py", ".pyc"} and p.is_file()
    )
    assert sorted(declared) == data
