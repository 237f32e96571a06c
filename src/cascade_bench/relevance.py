"""Whether a commit changed anything a workload ran: a step at a commit that did
not is no culprit (a wobble of the measurement, or of a neighbour), whatever its size.

Pure rules over what git and the stored profiles say; the caller reads them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable

# Files that change what gets installed, whatever the code says.
PACKAGING = re.compile(
    r"(^|/)(pyproject\.toml|setup\.py|setup\.cfg|MANIFEST\.in|hatch\.toml"
    r"|requirements[^/]*\.(txt|in)|[^/]*\.lock)$"
)
GENERATED = "<string>"  # where dataclasses and namedtuple put the code they generate


def same_syntax(before: str | None, after: str | None) -> bool:
    """The two sources parse to the same tree: a formatting-only change (ruff,
    whitespace, comments)."""
    if before is None or after is None:
        return False
    try:
        return ast.dump(ast.parse(before)) == ast.dump(ast.parse(after))
    except SyntaxError:
        return False


def why_irrelevant(
    changed: Iterable[str],
    package_file: Callable[[str], str | None],
    executed: set[str] | None,
    formatting_only: Callable[[str], bool],
) -> str | None:
    """Why a commit changing the repository paths ``changed`` cannot have moved a
    workload that ran the package files ``executed`` (as ``package_file`` names
    them; None: unknown, so every package file counts as run). None if it may have.

    A change may matter when it touches packaging, any non-Python file inside the
    package (data it may read), or a package module that ran in anything but its
    formatting. Where the profile holds generated code (dataclass ``__init__`` lives
    in ``<string>``), any package module may have defined it, so all count as run."""
    changed = sorted(changed)
    if not changed:
        return None  # an empty commit: nothing to argue from
    generated = executed is None or any(f.startswith(GENERATED) for f in executed)
    formatting, elsewhere = [], []
    for path in changed:
        if PACKAGING.search(path):
            return None
        short = package_file(path)
        if short is None:
            elsewhere.append(path)
            continue
        if not short.endswith(".py"):
            return None
        ran = generated or short in (executed or set())
        if not ran:
            elsewhere.append(path)
        elif formatting_only(path):  # asked last: it reads both versions from git
            formatting.append(path)
        else:
            return None
    parts = []
    if elsewhere:
        parts.append(f"touches only files no workload ran ({_some(elsewhere)})")
    if formatting:
        parts.append(f"formatting-only changes to code that ran ({_some(formatting)})")
    return "; ".join(parts)


def _some(paths: list[str], most: int = 3) -> str:
    more = f" and {len(paths) - most} more" if len(paths) > most else ""
    return ", ".join(paths[:most]) + more
