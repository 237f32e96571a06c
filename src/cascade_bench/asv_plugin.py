"""asv plugin (``plugins`` in asv.conf.json), imported by asv before any command runs.

asv does not pass the machine name (``--machine``) to benchmark processes, but
profiles must be filed under the same machine as asv's results. Every command
that runs benchmarks resolves its machine through ``Machine.load``; wrapping it
puts the name into the environment that asv hands to benchmark processes.

It also writes ~/.asv-machine.json atomically (shards run asv side by side).
Importing the report's publisher registers the suite's pages with ``asv publish``.
It also fixes the hash seed of benchmark processes, and runs a benchmark that
timed out once no more at that commit (see below).
"""

from __future__ import annotations

import os
import weakref
from typing import Any

from asv import machine as _asv_machine
from asv import runner as _asv_runner
from asv import util as _asv_util

from . import suite
from .report import publisher as _publisher  # noqa: F401  (asv publish finds its class)

_original_load = _asv_machine.Machine.load.__func__


def _load_and_export(cls: type, *args: Any, **kwargs: Any) -> Any:
    loaded = _original_load(cls, *args, **kwargs)
    os.environ[suite.profile_store().MACHINE_ENV] = loaded.machine
    return loaded


_asv_machine.Machine.load = classmethod(_load_and_export)


def _save_atomically(
    cls: type, machine_name: str, machine_info: dict, _path: str | None = None
) -> None:
    """asv rewrites ~/.asv-machine.json in place on every run: another asv starting
    meanwhile (back-fill shards side by side on one machine) read it half written and
    stopped ("Run asv at the console the first time"). Same content, then a rename."""
    path = _path or cls.get_machine_file_path()
    doc = _asv_util.load_json(path) if os.path.isfile(path) else {}
    doc[machine_name] = machine_info
    tmp = f"{path}.{os.getpid()}.tmp"
    _asv_util.write_json(tmp, doc, cls.api_version)
    os.replace(tmp, path)


_asv_machine.MachineCollection.save = classmethod(_save_atomically)

# Benchmark processes inherit asv's environment. A fixed hash seed makes set and
# dict iteration orders, and with them Cascade's call counts, repeat run to run
# (with random seeds they move by about one call per loop iteration).
os.environ.update(suite.profiling().with_hash_seed(os.environ))


# A benchmark that hangs costs its whole timeout in every round (2 rounds x 240 s
# a commit). asv runs all rounds of one commit with one spawner: once a parameter
# combination timed out there, its later rounds fail at once, saying so.
_original_single = _asv_runner._run_benchmark_single_param
_timed_out: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _once_past_timeout(benchmark: dict, spawner: Any, param_idx: int, **kwargs: Any) -> Any:
    key = (benchmark["name"], param_idx)
    seen = _timed_out.setdefault(spawner, set())
    if key in seen:
        return _asv_runner.BenchmarkResult(
            result=[None], samples=[None], number=[None], errcode=_asv_util.TIMEOUT_RETCODE,
            stderr=f"asv: timed out in an earlier round (timeout {benchmark['timeout']}s): "
            "not run again at this commit", profile=None,
        )  # fmt: skip
    res = _original_single(benchmark, spawner, param_idx, **kwargs)
    if res.errcode == _asv_util.TIMEOUT_RETCODE:
        seen.add(key)
    return res


_asv_runner._run_benchmark_single_param = _once_past_timeout
