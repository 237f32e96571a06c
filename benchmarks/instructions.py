"""CPU instructions per loop iteration under valgrind: a third, deterministic signal.

Timings move by tens of percent on a shared machine; call counts miss work done
inside a call and in Cascade's worker threads (cProfile sees one thread).
Instructions counted by valgrind (cachegrind) see all of it, in user space (not
the kernel, not time spent waiting), and barely depend on the machine's load.
Each class counts its workload once per commit (``setup_cache``, see
``_instructions``): two children of the environment's own interpreter run ``BASE``
and ``BASE + n`` steady-state iterations and the difference divided by ``n`` is
reported, so start-up, imports, warm-up and set-up cancel out. Where valgrind is
not installed every series is n/a.

``n`` is the number of iterations in that difference, one value per class. The
figure is a difference, not a total divided by ``n`` as in ``calls.py``, so it
barely depends on ``n`` (0.02-0.24 % between n=20..500 at 7ba5a36) and a second
size would only double the cost. Single-threaded commits repeat exactly, whatever
``n``; from 03ca59f Cascade runs task bodies in a thread pool, and thread hand-offs
add noise that shrinks with ``n``: ``ExplicitJumpLoop`` (6000) and
``HeavyJumpLoop`` (200) came out 0.03 % apart in two asv runs there (at 3000 and
100: 0.08 % and 0.11 %). The other sizes keep each class's most expensive commit
within about 4 s of valgrind time. One commit's ``setup_cache`` calls took 24-33 s
here (two children per class with ~2.5 s of interpreter and Cascade start-up each:
most of it); ``envtools/instruction_spread.py`` measures both figures.

Each class defines its own ``setup_cache``: asv keys the cache by the function's
source line, so an inherited one would be shared by every subclass.
"""

from . import _instructions


class _CountedLoop:
    workload = ""
    param_names = ["n"]
    rounds = 1  # one count per commit; repeating it adds only valgrind time
    timeout = 60  # the track benchmark only reads the cached count

    def setup(self, outcomes, n):
        self.per_iteration = _instructions.per_iteration_or_raise(outcomes, n)

    def track_instructions_per_iteration(self, outcomes, n):
        return self.per_iteration

    track_instructions_per_iteration.unit = "instructions/iteration"


class SimpleCountdown(_CountedLoop):
    """Instructions per iteration of the implicit-TCO fast path."""

    workload = "simple_countdown"
    params = [200]

    def setup_cache(self):
        return _instructions.measure_sizes(self.workload, self.params)

    setup_cache.timeout = 600


class HeavyComplexCountdown(_CountedLoop):
    """Instructions per iteration of implicit TCO rebuilding a 10-noop chain each
    time: graph building and solving."""

    workload = "heavy_complex_countdown"
    params = [20]

    def setup_cache(self):
        return _instructions.measure_sizes(self.workload, self.params)

    setup_cache.timeout = 600


class StableComplexLoop(_CountedLoop):
    """Instructions per iteration of implicit TCO over a chain built once: the
    structural cache."""

    workload = "stable_complex_loop"
    params = [100]

    def setup_cache(self):
        return _instructions.measure_sizes(self.workload, self.params)

    setup_cache.timeout = 600


class VMCountdown(_CountedLoop):
    """Instructions per iteration of the ``TailCall`` VM path."""

    workload = "vm_countdown"
    params = [1000]

    def setup_cache(self):
        return _instructions.measure_sizes(self.workload, self.params)

    setup_cache.timeout = 600


class ExplicitJumpLoop(_CountedLoop):
    """Instructions per iteration of the explicit Jump loop."""

    workload = "explicit_jump_loop"
    params = [6000]

    def setup_cache(self):
        return _instructions.measure_sizes(self.workload, self.params)

    setup_cache.timeout = 600


class HeavyJumpLoop(_CountedLoop):
    """Instructions per iteration of the Jump loop over a stable 20-noop chain: the
    blueprint cache and per-node execution."""

    workload = "heavy_jump_loop"
    params = [200]

    def setup_cache(self):
        return _instructions.measure_sizes(self.workload, self.params)

    setup_cache.timeout = 600


class ImperativeCountdown(_CountedLoop):
    """The floor: instructions per iteration of a raw asyncio countdown, no Cascade.
    A step here means Python or the C library changed, not Cascade."""

    # No ``workload``: the host-side tools treat this class as the floor, never blame it.
    params = [1000]

    def setup_cache(self):
        return _instructions.measure_sizes(_instructions.FLOOR, self.params)

    setup_cache.timeout = 600
