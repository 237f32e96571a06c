"""asv plugin (``plugins`` in asv.conf.json), imported by asv before any command runs.

asv does not pass the machine name (``--machine``) to benchmark processes, but
profiles must be filed under the same machine as asv's results. Every command
that runs benchmarks resolves its machine through ``Machine.load``; wrapping it
puts the name into the environment that asv hands to benchmark processes.

Importing the report's publisher registers the suite's pages with ``asv publish``.
It also fixes the hash seed of benchmark processes (see below).
"""

from __future__ import annotations

import os
from typing import Any

from asv import machine as _asv_machine

from . import suite
from .report import publisher as _publisher  # noqa: F401  (asv publish finds its class)

_original_load = _asv_machine.Machine.load.__func__


def _load_and_export(cls: type, *args: Any, **kwargs: Any) -> Any:
    loaded = _original_load(cls, *args, **kwargs)
    os.environ[suite.profile_store().MACHINE_ENV] = loaded.machine
    return loaded


_asv_machine.Machine.load = classmethod(_load_and_export)

# Benchmark processes inherit asv's environment. A fixed hash seed makes set and
# dict iteration orders, and with them Cascade's call counts, repeat run to run
# (with random seeds they move by about one call per loop iteration).
os.environ.update(suite.profiling().with_hash_seed(os.environ))
