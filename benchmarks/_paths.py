"""How code files are named across environments, and which of them are Cascade's.

Stdlib only. The benchmark environments name the functions of stored bytecode
counts with it, the host-side tools the functions of stored profiles (which keep
the interpreter's full paths); the two are matched, so there is one rule.
"""

from __future__ import annotations

import re

CASCADE = "cascade"  # Cascade's import package
BUILTIN = "<built-in>"  # cProfile's "~": functions implemented in C

# Where installed code starts, most specific first: files then read the same in
# every environment ("cascade/runtime/engine.py", "asyncio/base_events.py").
_ROOTS = (
    re.compile(r"^.*/(?:site|dist)-packages/"),
    re.compile(r"^.*/lib/python3\.\d+/"),
    re.compile(rf"^.*/src/(?={CASCADE}/)"),
    re.compile(r"^.*/(?=benchmarks/)"),
    # Cascade imported from anywhere else (a directory on sys.path): its first
    # package directory, as the bytecode counts always named it.
    re.compile(rf"^.*?/(?={CASCADE}/)"),
)


def short_file(path: str) -> str:
    """``path`` (a code object's or a profile's file) from its package directory on."""
    if path == "~":
        return BUILTIN
    path = path.replace("\\", "/")
    for root in _ROOTS:
        if root.match(path):
            return root.sub("", path, count=1)
    return path


def is_cascade(short: str) -> bool:
    """Whether a file named as ``short_file`` names it is Cascade's."""
    return short.startswith(CASCADE + "/")
