"""Era detection inside the benchmark environment (``benchmarks/_eras.py``), against
tiny fake ``cascade`` packages: where the engine API or implicit TCO does not exist
the workloads are n/a with the reason; a module that exists but breaks is a failure.

Each case runs in its own interpreter: a fake ``cascade`` must not meet another."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from asvtools import PROJECT

TASK = '''
class LazyResult:
    def __init__(self, fn, args, kwargs):
        self.fn, self.args, self.kwargs = fn, args, kwargs


def task(fn):
    return lambda *a, **k: LazyResult(fn, a, k)
'''

ENGINE = '''
class MessageBus: ...


class Engine:
    def __init__(self, solver, executor, bus): ...

    async def run(self, target):
        result = target.fn(*target.args, **target.kwargs)
        while FOLLOWS and hasattr(result, "fn"):
            result = result.fn(*result.args, **result.kwargs)
        return result
'''


def _fake(root: Path, runtime_init: str, follows: bool = True) -> Path:
    pkg = root / "cascade"
    for sub in ("runtime", "adapters/solvers", "adapters/executors"):
        (pkg / sub).mkdir(parents=True, exist_ok=True)
        (pkg / sub / "__init__.py").touch()
    (pkg / "adapters" / "__init__.py").touch()
    (pkg / "__init__.py").write_text(TASK)
    (pkg / "runtime" / "__init__.py").write_text(runtime_init.replace("FOLLOWS", str(follows)))
    (pkg / "adapters" / "solvers" / "native.py").write_text("class NativeSolver: ...\n")
    (pkg / "adapters" / "executors" / "local.py").write_text("class LocalExecutor: ...\n")
    return root


def _prepare(root: Path, workload: str = "simple_countdown") -> subprocess.CompletedProcess:
    code = textwrap.dedent(f"""
        from benchmarks import _workloads
        try:
            _workloads.prepare({workload!r}, 3).run()
        except NotImplementedError as exc:
            print("n/a:", exc)
        else:
            print("ran")
    """)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": f"{root}:{PROJECT}"}, check=False)  # fmt: skip


def test_no_engine_api_makes_every_workload_na(tmp_path: Path) -> None:
    # The single-package era before TCO: cascade/runtime/__init__.py is empty.
    root = _fake(tmp_path, "")
    for workload in ("simple_countdown", "explicit_jump_loop", "vm_countdown"):
        proc = _prepare(root, workload)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == (
            "n/a: the engine API this suite drives (cascade.runtime.Engine, MessageBus) "
            "does not exist at this Cascade commit"
        )


def test_an_engine_that_does_not_follow_returned_tasks_has_no_implicit_tco(
    tmp_path: Path,
) -> None:
    proc = _prepare(_fake(tmp_path, ENGINE, follows=False))
    assert proc.stdout.strip() == "n/a: implicit TCO does not exist at this Cascade commit", (
        proc.stderr
    )
    proc = _prepare(_fake(tmp_path / "tco", ENGINE, follows=True))
    assert proc.stdout.strip() == "ran", proc.stderr


def test_a_module_that_breaks_on_import_is_a_failure_not_na(tmp_path: Path) -> None:
    proc = _prepare(_fake(tmp_path, "raise RuntimeError('broken at this commit')\n"))
    assert proc.returncode != 0
    assert "RuntimeError: broken at this commit" in proc.stderr
