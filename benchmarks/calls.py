"""Function calls per loop iteration under cProfile: a noise-free signal.

Timings of identical code move by tens of percent on a shared machine; call
counts do not. Each class profiles its workload once per commit (``setup_cache``),
stores the profile (see ``_profile_store``) and reports calls per iteration as
asv ``track_`` series, graphed and step-detected like the timings. The timing
benchmarks in ``loops.py`` run unprofiled, in other processes.

Each class defines its own ``setup_cache``: asv keys the cache by the function's
source line, so an inherited one would be shared by every subclass.
"""

from . import _profiling
from .loops import SIZES


class _ProfiledLoop:
    workload = ""
    params = SIZES
    param_names = ["n"]
    rounds = 1  # the numbers are exact; more rounds add nothing
    # A new series: before _profiling.ExactProfile, entries sharing a label overwrote
    # each other and counts moved between runs. asv keeps versions apart.
    version = "exact-calls-2"

    def setup(self, outcomes, n):
        self.counts = _profiling.counts_or_raise(outcomes, n)

    def track_calls_per_iteration(self, outcomes, n):
        return self.counts.calls_per_iteration

    track_calls_per_iteration.unit = "calls/iteration"

    def track_primitive_calls_per_iteration(self, outcomes, n):
        return self.counts.primitive_calls_per_iteration

    track_primitive_calls_per_iteration.unit = "calls/iteration"


class SimpleCountdown(_ProfiledLoop):
    """Calls per iteration of the implicit-TCO fast path."""

    workload = "simple_countdown"

    def setup_cache(self):
        return _profiling.profile_sizes(self.workload, SIZES)


class HeavyComplexCountdown(_ProfiledLoop):
    """Calls per iteration of implicit TCO rebuilding a 10-noop chain each time."""

    workload = "heavy_complex_countdown"

    def setup_cache(self):
        return _profiling.profile_sizes(self.workload, SIZES)


class StableComplexLoop(_ProfiledLoop):
    """Calls per iteration of implicit TCO over a chain built once."""

    workload = "stable_complex_loop"

    def setup_cache(self):
        return _profiling.profile_sizes(self.workload, SIZES)


class VMCountdown(_ProfiledLoop):
    """Calls per iteration of the ``TailCall`` VM path."""

    workload = "vm_countdown"

    def setup_cache(self):
        return _profiling.profile_sizes(self.workload, SIZES)


class ExplicitJumpLoop(_ProfiledLoop):
    """Calls per iteration of the explicit Jump loop."""

    workload = "explicit_jump_loop"

    def setup_cache(self):
        return _profiling.profile_sizes(self.workload, SIZES)


class HeavyJumpLoop(_ProfiledLoop):
    """Calls per iteration of the Jump loop over a stable 20-noop chain."""

    workload = "heavy_jump_loop"

    def setup_cache(self):
        return _profiling.profile_sizes(self.workload, SIZES)
