"""asv plugin (``plugins`` in asv.conf.json), imported by asv before any command runs.

asv does not pass the machine name (``--machine``) to benchmark processes, but
profiles must be filed under the same machine as asv's results. Every command
that runs benchmarks resolves its machine through ``Machine.load``; wrapping it
puts the name into the environment that asv hands to benchmark processes.

It also writes ~/.asv-machine.json atomically (shards run asv side by side).
Importing the report's publisher registers the suite's pages with ``asv publish``.
It also fixes the hash seed of benchmark processes (see below).
"""

from __future__ import annotations

import os
from typing import Any

from asv import machine as _asv_machine
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
