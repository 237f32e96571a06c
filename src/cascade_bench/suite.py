"""Where the suite's files are, seen from the host side.

The benchmark modules (``benchmarks/``) run inside asv's per-commit environments
with only the stdlib and Cascade; the host-side tooling reuses their cascade-free
modules (the profile layout, the workload catalogue) by loading them from the
checkout, so each fact has one home. The package is installed editable
(``pip install -e .``), so the checkout is two levels above this file.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
BENCHMARK_DIR = ROOT / "benchmarks"


class SuiteError(Exception):
    """Bad input or state; the CLI prints it as one line and exits 2."""


@cache
def _benchmark_module(name: str) -> ModuleType:
    path = BENCHMARK_DIR / f"{name}.py"
    if not path.is_file():
        raise SuiteError(
            f"{path} not found: install cascade-bench from its checkout with 'pip install -e .'"
        )
    # Loaded under the package name the modules use for their relative imports.
    if "benchmarks" not in sys.modules:
        package = importlib.util.spec_from_file_location(
            "benchmarks",
            BENCHMARK_DIR / "__init__.py",
            submodule_search_locations=[str(BENCHMARK_DIR)],
        )
        pkg = importlib.util.module_from_spec(package)
        sys.modules["benchmarks"] = pkg
        package.loader.exec_module(pkg)
    return importlib.import_module(f"benchmarks.{name}")


def profile_store() -> ModuleType:
    """``benchmarks/_profile_store.py``: the one module that knows where profiles live."""
    return _benchmark_module("_profile_store")


def instruction_classes() -> ModuleType:
    """``benchmarks/instructions.py``: it names the variable that selects what its
    shared cache counts."""
    return _benchmark_module("instructions")


def paths() -> ModuleType:
    """``benchmarks/_paths.py``: how files are named across environments (profiles and
    bytecode counts alike), and which of them are Cascade's."""
    return _benchmark_module("_paths")


def profiling() -> ModuleType:
    """``benchmarks/_profiling.py``: how profiles are captured (and under what seed)."""
    return _benchmark_module("_profiling")


def eras() -> ModuleType:
    """``benchmarks/_eras.py``: the workload catalogue and its API eras."""
    return _benchmark_module("_eras")


def profiled_sizes() -> list[int]:
    """The loop sizes profiled for every workload (``benchmarks/loops.py``)."""
    return list(_benchmark_module("loops").SIZES)


def workload_of(module: str, cls: str) -> str | None:
    """The workload benchmark class ``module.cls`` measures (None: not a Cascade workload).

    Callers name a benchmark through ``steps.SeriesKey``, which parses its name."""
    try:
        found = getattr(_benchmark_module(module), cls, None)
    except ModuleNotFoundError:
        return None
    return getattr(found, "workload", None) or None
