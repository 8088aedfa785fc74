"""The examples in the docstrings of hearing.themes run as written."""

import doctest
import importlib

import pytest

MODULES = ["cluster", "labels", "learn", "matching", "model", "points", "speaker", "suggest", "text", "topics",
           "vectorize", "__init__"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module("hearing.themes" if name == "__init__" else f"hearing.themes.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
