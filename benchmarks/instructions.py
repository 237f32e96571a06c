"""CPU instructions per loop iteration under valgrind: a third, deterministic signal.

Timings move by tens of percent on a shared machine; call counts miss work done
inside a call and in Cascade's worker threads (cProfile sees one thread).
Instructions counted by valgrind (cachegrind) see all of it, in user space (not
the kernel, not time spent waiting), and barely depend on the machine's load.

Every class shares one ``setup_cache`` (asv keys a cache by the function's source
line, so an inherited one is shared): one valgrind process per commit counts the
loops of every class asv is about to run (see ``_instructions``): it starts up and
imports once, then forks a run of ``BASE`` and one of ``BASE + n`` steady-state
iterations per loop, and reports the difference divided by ``n``, so start-up,
imports, warm-up and set-up cancel out. Where valgrind is not installed every series
is n/a.

Which classes asv is about to run: all of them, unless the process that started
asv names its ``--bench`` pattern in ``CASCADE_BENCH_SELECTED`` (blame's probes do,
so a probe for one workload counts one loop).

``n`` is the number of iterations in that difference, one value per class. The
figure is a difference, not a total divided by ``n`` as in ``calls.py``, so it
barely depends on ``n`` (0.02-0.24 % between n=20..500 at 7ba5a36) and a second
size would only double the cost. Single-threaded commits repeat exactly, whatever
``n``; from 03ca59f Cascade runs task bodies in a thread pool, and thread hand-offs
add noise that shrinks with ``n``: ``ExplicitJumpLoop`` (6000) and
``HeavyJumpLoop`` (200) came out 0.03 % apart in two asv runs there (at 3000 and
100: 0.08 % and 0.11 %). The other sizes keep each class's most expensive commit
within about 4 s of valgrind time. ``envtools/instruction_spread.py`` measures the
spread and the cost.

Each class pins ``version`` to the hash asv gave its series when every class counted
in two valgrind processes of its own: the forked counts are the same measurement
(within 0.1 %, see the README's cost section), so the series go on.
"""

import os
import re

from . import _instructions

SELECTED_ENV = "CASCADE_BENCH_SELECTED"  # a --bench pattern: count only what it runs
TRACK = "track_instructions_per_iteration"


def _counted_classes() -> list[type]:
    return [
        cls
        for name, cls in globals().items()
        if isinstance(cls, type) and issubclass(cls, _CountedLoop) and not name.startswith("_")
    ]


def _selected(classes: list[type]) -> list[tuple[type, int]]:
    """``(class, n)`` asv is about to run: names matched as asv's ``--bench`` matches
    a parameterized benchmark, ``module.Class.track_...(n)``."""
    pattern = os.environ.get(SELECTED_ENV)
    wanted, module = re.compile(pattern or ""), __name__.rsplit(".", 1)[-1]
    return [
        (c, n)
        for c in classes
        for n in c.params
        if wanted.search(f"{module}.{c.__name__}.{TRACK}({n!r})")
    ]


class _CountedLoop:
    workload = ""
    param_names = ["n"]
    rounds = 1  # one count per commit; repeating it adds only valgrind time
    timeout = 60  # the track benchmark only reads the cached count

    @classmethod
    def loop(cls, n: int) -> tuple[str, int]:
        return (cls.workload or _instructions.FLOOR, n)

    def setup_cache(self):
        loops = [cls.loop(n) for cls, n in _selected(_counted_classes())]
        return _instructions.measure_all(loops)

    setup_cache.timeout = 600

    def setup(self, outcomes, n):
        if self.loop(n) not in outcomes:
            raise RuntimeError(
                f"instruction count failed: {self.loop(n)[0]} was not selected "
                f"by {SELECTED_ENV}={os.environ.get(SELECTED_ENV)!r}"
            )
        self.per_iteration = _instructions.per_iteration_or_raise(outcomes, self.loop(n))

    def track_instructions_per_iteration(self, outcomes, n):
        return self.per_iteration

    track_instructions_per_iteration.unit = "instructions/iteration"


class SimpleCountdown(_CountedLoop):
    """Instructions per iteration of the implicit-TCO fast path."""

    workload = "simple_countdown"
    params = [200]
    version = "72933d2f4af531963cc7883133b16577f826b9f0e0e32c553d7dbe294891d855"


class HeavyComplexCountdown(_CountedLoop):
    """Instructions per iteration of implicit TCO rebuilding a 10-noop chain each
    time: graph building and solving."""

    workload = "heavy_complex_countdown"
    params = [20]
    version = "88f0f2106ae3deefea38aebdf4e16941e5415c0465b8163526b312ffc08cbd0d"


class StableComplexLoop(_CountedLoop):
    """Instructions per iteration of implicit TCO over a chain built once: the
    structural cache."""

    workload = "stable_complex_loop"
    params = [100]
    version = "b5ffcc99337b715034578dc3fb67ea3a7e82c737017af08e50c32f27ba6befea"


class VMCountdown(_CountedLoop):
    """Instructions per iteration of the ``TailCall`` VM path."""

    workload = "vm_countdown"
    params = [1000]
    version = "c523703a880e27f7c8a2f010e37e4dd4835cec512675bb2165ad2016d99b58a4"


class ExplicitJumpLoop(_CountedLoop):
    """Instructions per iteration of the explicit Jump loop."""

    workload = "explicit_jump_loop"
    params = [6000]
    version = "949befa8998d87f6bf4d6d2bf0641e01713b30d647fd0f16ce3787582d439eaf"


class HeavyJumpLoop(_CountedLoop):
    """Instructions per iteration of the Jump loop over a stable 20-noop chain: the
    blueprint cache and per-node execution."""

    workload = "heavy_jump_loop"
    params = [200]
    version = "f3cb0d249b895cf3660fac396de65beb5cb50b9a5e1be9c563f0be4ef0492ee7"


class ImperativeCountdown(_CountedLoop):
    """The floor: instructions per iteration of a raw asyncio countdown, no Cascade.
    A step here means Python or the C library changed, not Cascade."""

    # No ``workload``: the host-side tools treat this class as the floor, never blame it.
    params = [1000]
    version = "f0fe33ced6efd46bc86d0ea456f3f49e6b18b4722d524867e73ecbecd1c265c4"
