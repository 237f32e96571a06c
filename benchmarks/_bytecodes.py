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

import gc
import sys
from collections import defaultdict

CASCADE_MARK = "/cascade/"


def _file(code_file: str) -> str:
    """Files as the profiles name them: from the package directory on."""
    path = code_file.replace("\\", "/")
    for marker in ("/site-packages/", "/dist-packages/"):
        if marker in path:
            return path.split(marker, 1)[1]
    if "/lib/python3." in path:
        return path.split("/lib/python3.", 1)[1].split("/", 1)[-1]
    if CASCADE_MARK in path:
        return "cascade/" + path.split(CASCADE_MARK, 1)[1]
    return path


def count(run, n: int) -> dict[str, list]:
    """Run ``run()`` (one loop of ``n`` iterations) under opcode tracing.

    Returns ``{"file:qualname": [file, qualname, first_line, own, charged]}`` per
    iteration, for every function that executed bytecode (main thread only)."""
    own: dict[object, int] = defaultdict(int)
    charged: dict[object, int] = defaultdict(int)
    owner: dict[int, object] = {}  # id(frame) -> the Cascade code charged, or None

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
        # Only Cascade charges its callees: the event loop that drives everything
        # (called by the benchmark harness) keeps its own cost.
        inherited = owner.get(id(back)) if back is not None else None
        if CASCADE_MARK in code.co_filename.replace("\\", "/") or inherited is None:
            owner[id(frame)] = code if CASCADE_MARK in code.co_filename else None
        else:
            owner[id(frame)] = inherited
        frame.f_trace_opcodes = True
        return local

    gc.collect()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    sys.settrace(call)
    try:
        run()
    finally:
        sys.settrace(None)
        if gc_was_enabled:
            gc.enable()
    out: dict[str, list] = {}
    for code in set(own) | set(charged):
        file = _file(code.co_filename)
        name = getattr(code, "co_qualname", code.co_name)
        key = f"{file}:{name}"
        # Generated functions (dataclass __init__ in "<string>") share a key: sum them.
        row = out.setdefault(key, [file, name, code.co_firstlineno, 0.0, 0.0])
        row[2] = min(row[2], code.co_firstlineno)
        row[3] += own.get(code, 0) / n
        row[4] += charged.get(code, 0) / n
    return out
