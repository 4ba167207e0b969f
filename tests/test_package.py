"""relu_course/__init__.py: every public name, loaded only when it is used."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import relu_course as rc


def _modules_after(code: str) -> set[str]:
    """The modules (dotted names) a fresh interpreter holds after running code."""
    script = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(done.stdout.split())


def test_every_public_name_is_the_object_its_module_defines():
    assert sorted(rc.__all__) == sorted(rc._MODULE_OF)
    for name in rc.__all__:
        module = importlib.import_module(f"relu_course.{rc._MODULE_OF[name]}")
        assert getattr(rc, name) is getattr(module, name)
        assert name in module.__all__


def test_the_imports_for_type_checkers_name_each_public_name_from_its_module():
    tree = ast.parse(Path(rc.__file__).read_text())
    (block,) = [
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    ]
    imported = {
        alias.name: node.module.removeprefix("relu_course.")
        for node in block.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert imported == rc._MODULE_OF


def test_every_name_a_module_exports_is_public_in_the_package():
    for module in set(rc._MODULE_OF.values()):
        exported = importlib.import_module(f"relu_course.{module}").__all__
        assert set(exported) <= set(rc.__all__), module


def test_dir_lists_the_public_names_before_they_are_loaded():
    assert set(rc.__all__) <= set(dir(rc))


def test_an_unknown_name_raises_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="has no attribute 'no_such_thing'"):
        _ = rc.no_such_thing


def test_importing_the_package_imports_neither_torch_nor_matplotlib():
    loaded = _modules_after("import relu_course")
    assert "relu_course" in loaded
    assert not loaded & {"torch", "matplotlib", "PIL"}


def test_the_activation_functions_need_numpy_alone():
    loaded = _modules_after("import relu_course as rc; rc.relu(1.0); rc.elu(-1.0)")
    assert "numpy" in loaded
    assert not loaded & {"torch", "matplotlib"}


def test_training_brings_in_torch_but_not_matplotlib():
    loaded = _modules_after("import relu_course as rc; rc.train")
    assert "torch" in loaded
    assert "matplotlib" not in loaded


def test_training_with_sgd_never_imports_torch_dynamo():
    loaded = _modules_after(
        "import relu_course as rc; rc.train(*rc.cubic_data(), epochs=3)"
    )
    assert "torch" in loaded
    assert "torch._dynamo" not in loaded  # torch.optim's first use costs 0.85 s
