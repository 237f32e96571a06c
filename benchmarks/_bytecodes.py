"""Bytecodes executed per function per loop iteration: a deterministic cost per function.

cProfile's own and cumulative times move by tens of percent between runs on a
shared machine; the number of bytecode instructions each function executes does
not (hash seed fixed, GC paused, steady state). Each function gets two counts per
iteration: ``own`` (its own bytecodes) and ``charged``: for Cascade's functions,
their own bytecodes plus those of every non-Cascade function they call into
(asyncio, inspect, copy, re, the workload's task bodies), so that cost landing in
the standard library is charged to the Cascade function a developer can change.
Stdlib-only; runs inside the benchmark environment.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable

from ._paths import is_cascade, short_file
from ._steady import gc_paused

Record = dict[str, object]  # {"file", "function", "first_line", "own", "charged"}


def count(run: Callable[[], object], n: int) -> dict[str, Record]:
    """Run ``run()`` (one loop of ``n`` iterations) under opcode tracing.

    Returns ``{"file:qualname": {"file", "function", "first_line", "own", "charged"}}``
    per iteration (files as ``_paths.short_file`` names them, as the profiles' are
    read), for every function that executed bytecode (main thread only)."""
    own: dict[object, int] = defaultdict(int)
    charged: dict[object, int] = defaultdict(int)
    owner: dict[int, object] = {}  # id(frame) -> the Cascade code charged, or None
    cascade: dict[str, bool] = {}  # co_filename -> is Cascade's (the rule costs a regex)

    def local(frame, event, _arg):
        if event == "opcode":
            code = frame.f_code
            own[code] += 1
            charged[owner.get(id(frame)) or code] += 1
        elif event == "return":
            owner.pop(id(frame), None)
        return local

    def call(frame, event, _arg):
        code = frame.f_code
        back = frame.f_back
        mine = cascade.get(code.co_filename)
        if mine is None:
            mine = cascade[code.co_filename] = is_cascade(short_file(code.co_filename))
        # Only Cascade charges its callees: the event loop that drives everything
        # (called by the benchmark harness) keeps its own cost.
        inherited = owner.get(id(back)) if back is not None else None
        if mine or inherited is None:
            owner[id(frame)] = code if mine else None
        else:
            owner[id(frame)] = inherited
        frame.f_trace_opcodes = True
        return local

    with gc_paused():
        sys.settrace(call)
        try:
            run()
        finally:
            sys.settrace(None)
    return _records(own, charged, n)


def _records(own: dict[object, int], charged: dict[object, int], n: int) -> dict[str, Record]:
    out: dict[str, Record] = {}
    for code in set(own) | set(charged):
        file = short_file(code.co_filename)
        name = getattr(code, "co_qualname", code.co_name)
        # Generated functions (dataclass __init__ in "<string>") share a key: sum them.
        row = out.setdefault(
            f"{file}:{name}",
            {"file": file, "function": name, "first_line": code.co_firstlineno,
             "own": 0.0, "charged": 0.0},
        )  # fmt: skip
        row["first_line"] = min(row["first_line"], code.co_firstlineno)
        row["own"] += own.get(code, 0) / n
        row["charged"] += charged.get(code, 0) / n
    return out
