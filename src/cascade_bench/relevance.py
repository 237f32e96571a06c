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
STUB = re.compile(r"\.pyi$")  # type stubs: read by type checkers, never imported
# [tool.*] tables of pyproject.toml configure tools, not the build; except these.
BUILD_TOOLS = frozenset({"hatch", "setuptools", "poetry", "pdm", "flit", "maturin", "scikit-build"})


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return tree


def same_syntax(before: str | None, after: str | None) -> bool:
    """The two sources parse to the same tree, docstrings aside: a formatting-only
    change (ruff, whitespace, comments, documentation)."""
    if before is None or after is None:
        return False
    try:
        trees = [ast.dump(_without_docstrings(ast.parse(s))) for s in (before, after)]
    except SyntaxError:
        return False
    return trees[0] == trees[1]


def same_build(before: str | None, after: str | None) -> bool:
    """Two versions of ``pyproject.toml`` that differ only in tools' tables (not a
    build backend's): what gets installed is the same."""
    import tomllib

    if before is None or after is None:
        return False
    try:
        tables = [tomllib.loads(s) for s in (before, after)]
    except tomllib.TOMLDecodeError:
        return False
    for table in tables:
        tools = table.get("tool", {})
        table["tool"] = {k: v for k, v in tools.items() if k in BUILD_TOOLS}
    return tables[0] == tables[1]


def why_irrelevant(
    changed: Iterable[str],
    package_file: Callable[[str], str | None],
    executed: set[str] | None,
    formatting_only: Callable[[str], bool],
    *,
    data_matters: bool = True,
    same_build: Callable[[str], bool] = lambda _path: False,
) -> str | None:
    """Why a commit changing the repository paths ``changed`` cannot have moved a
    workload that ran the package files ``executed`` (as ``package_file`` names
    them; None: unknown, so every package file counts as run). None if it may have.

    A change may matter when it touches packaging, any non-Python file inside the
    package (data it may read), or a package module that ran in anything but its
    formatting. Where the profile holds generated code (dataclass ``__init__`` lives
    in ``<string>``), any package module may have defined it, so all count as run.
    Type stubs never count.

    ``data_matters=False`` (the exact signals did not move: only code that ran can
    have moved the timing) leaves out non-Python files inside the package too, and
    a packaging file whose build is the same (``same_build``: tools' tables only)."""
    changed = sorted(changed)
    if not changed:
        return None  # an empty commit: nothing to argue from
    generated = executed is None or any(f.startswith(GENERATED) for f in executed)
    formatting, elsewhere = [], []
    for path in changed:
        if PACKAGING.search(path) and (data_matters or not same_build(path)):
            return None
        short = package_file(path)
        if short is None or STUB.search(path):
            elsewhere.append(path)
            continue
        if not short.endswith(".py"):
            if data_matters:
                return None
            elsewhere.append(path)
            continue
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
