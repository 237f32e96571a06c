"""Wall time (and peak memory) of Cascade's TCO loops, one class per workload.

Every timed call gets a fresh engine and target (built in ``setup``, which asv
runs before each sample), in a process that has already run the workload once
(steady state). The body checks the answer and that the loop body ran n+1 times,
so a broken loop fails instead of looking fast.
"""

SIZES = [200, 1000]  # loop iterations: fixed start-up cost vs. per-iteration cost


class _TimedLoop:
    workload = ""
    params = SIZES
    param_names = ["n"]
    # Our own warm-up replaces asv's; a sample is one whole loop (0.5 ms to 3.6 s).
    # At most 2 s of samples per round, and one sample is enough where it takes
    # longer (asv's default minimum is 2): the slowest loops (HeavyJumpLoop at
    # 03ca59f, 3.6 s a sample) took 25 of a commit's 40 s of wall-time sampling at
    # 4 s a round (32 of 47 at 10 s). Verdicts come from side-by-side runs, not from
    # these samples.
    warmup_time = 0
    repeat = (1, 5, 2.0)
    min_run_count = 1
    rounds = 2  # asv.conf.json's default_benchmark_timeout bounds each

    def setup(self, n):
        from . import _workloads

        _workloads.warm_up(self.workload)
        self.loop = _workloads.prepare(self.workload, n)

    def time_loop(self, n):
        self.loop.run()


class _HeavyLoop(_TimedLoop):
    def peakmem_loop(self, n):
        self.loop.run()

    peakmem_loop.rounds = 1  # one process's peak: a second round measures the same


class SimpleCountdown(_TimedLoop):
    """Implicit-TCO fast path: a task returning itself, one node per iteration."""

    workload = "simple_countdown"


class HeavyComplexCountdown(_HeavyLoop):
    """Implicit TCO that builds a new 10-noop dependency chain every iteration:
    guards graph building and solving."""

    workload = "heavy_complex_countdown"


class StableComplexLoop(_HeavyLoop):
    """Implicit TCO over one 10-noop chain built once: guards the structural
    (JIT/blueprint) cache that should make it much cheaper than the heavy loop."""

    workload = "stable_complex_loop"


class VMCountdown(_TimedLoop):
    """``TailCall`` countdown on the VM path (``use_vm=True``)."""

    workload = "vm_countdown"


class ExplicitJumpLoop(_TimedLoop):
    """``cs.Jump`` + ``select_jump`` + ``bind`` loop, one node per iteration."""

    workload = "explicit_jump_loop"


class HeavyJumpLoop(_HeavyLoop):
    """Jump loop whose step depends on a stable 20-noop chain, re-executed every
    iteration: guards the blueprint cache and per-node execution cost."""

    workload = "heavy_jump_loop"


class ImperativeCountdown:
    """The floor: a raw asyncio countdown with no Cascade (its "imperative ground
    truth"). A step here means the machine or Python changed, not Cascade."""

    params = SIZES
    param_names = ["n"]

    def setup(self, n):
        from ._imperative import countdown

        self.countdown = countdown

    def time_loop(self, n):
        self.countdown(n)
