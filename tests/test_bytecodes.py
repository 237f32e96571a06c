"""Bytecodes per function: deterministic, and stdlib cost charged to the Cascade caller."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from benchmarks import _bytecodes

ENGINE = '''
import copy


def step(data):
    """Cascade code calling into the standard library."""
    return copy.deepcopy(data)


def heavier_step(data):
    step(data)
    return copy.deepcopy(data)
'''


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A module that lives at .../cascade/engine.py, as Cascade's files do."""
    package = tmp_path / "site" / "cascade"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "engine.py").write_text(ENGINE)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    for name in _cascade_modules():
        monkeypatch.delitem(sys.modules, name)
    yield importlib.import_module("cascade.engine")
    for name in _cascade_modules():  # the stand-in must not outlive the test
        del sys.modules[name]


def _cascade_modules() -> list[str]:
    return [m for m in sys.modules if m == "cascade" or m.startswith("cascade.")]


def _loop(fn, n: int):
    data = {"a": [1, 2, {"b": (3, 4)}]}
    return lambda: [fn(data) for _ in range(n)]


def test_counts_repeat_exactly_and_charge_stdlib_to_cascade(engine) -> None:
    first = _bytecodes.count(_loop(engine.step, 20), 20)
    again = _bytecodes.count(_loop(engine.step, 20), 20)
    assert first == again
    r = first["cascade/engine.py:step"]
    file, name, own, charged = r["file"], r["function"], r["own"], r["charged"]
    assert (file, name) == ("cascade/engine.py", "step")
    # deepcopy's bytecodes are charged to step, which called it; deepcopy keeps its own.
    deepcopy = next(v for k, v in first.items() if k.endswith(":deepcopy"))
    assert deepcopy["charged"] == 0 and deepcopy["own"] > 0
    assert charged > 10 * own and charged >= deepcopy["own"]


def test_twice_the_work_is_twice_the_bytecodes(engine) -> None:
    one = _bytecodes.count(_loop(engine.step, 10), 10)
    two = _bytecodes.count(_loop(engine.heavier_step, 10), 10)
    charged_one = one["cascade/engine.py:step"]["charged"]
    total_two = (
        two["cascade/engine.py:heavier_step"]["charged"] + two["cascade/engine.py:step"]["charged"]
    )
    assert total_two == pytest.approx(2 * charged_one, rel=0.05)
