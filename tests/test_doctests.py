"""The examples in the library's docstrings run as tests (they are documentation that must not lie).

The modules are imported by their installed names (``taiyaku.tm.align``…): pytest's own
``--doctest-modules`` would import them by their folder names, as a second copy of each module.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest
import taiyaku

PACKAGES = ("taiyaku.core", "taiyaku.store", "taiyaku.tm", "taiyaku.glossary", "taiyaku.exports",
            "taiyaku.web")


def _modules() -> list[str]:
    names = ["taiyaku.cli"]
    for package in PACKAGES:
        module = importlib.import_module(package)
        names.append(package)
        names += [info.name for info in pkgutil.walk_packages(module.__path__, package + ".")]
    return sorted(names)


def test_every_room_is_walked() -> None:
    names = _modules()
    assert {"taiyaku.tm.align", "taiyaku.glossary.lookup", "taiyaku.exports.tmx"} <= set(names)
    assert taiyaku.__doc__


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False, report=True)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"
