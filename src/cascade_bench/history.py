"""Cascade's commit history as asv sees it: the first-parent line of the branch."""

from __future__ import annotations

import ast
import re
from functools import cache, cached_property

from . import relevance
from .asvconf import Suite
from .model import Commit
from .suite import SuiteError, paths


class History:
    """First-parent order of ``branch`` (oldest first), and commit metadata."""

    def __init__(self, suite: Suite, branch: str | None = None) -> None:
        self.suite = suite
        self.branch = branch or (suite.conf.branches or ["main"])[0]

    @cached_property
    def order(self) -> list[str]:
        out = self.suite.git("rev-list", "--first-parent", "--reverse", self.branch)
        return out.split()

    @cached_property
    def position(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.order)}

    def between(self, left: str, right: str) -> list[str]:
        """Commits after ``left`` up to and including ``right`` (first-parent)."""
        try:
            i, j = self.position[left], self.position[right]
        except KeyError as exc:
            raise SuiteError(f"commit {exc.args[0][:8]} is not on {self.branch}") from None
        return self.order[i + 1 : j + 1]

    def range(self, spec: str) -> list[str]:
        """Commits of ``A..B`` as git means it (on the first-parent line, not reachable
        from ``A``; ``A`` itself may lie off the line), or one commit; oldest first."""
        if ".." not in spec:
            commit = self.suite.resolve_commit(spec)
            if commit not in self.position:
                raise SuiteError(f"commit {spec} is not on {self.branch}")
            return [commit]
        a, b = spec.split("..", 1)
        left, right = self.suite.resolve_commit(a), self.suite.resolve_commit(b or "HEAD")
        if right not in self.position:
            raise SuiteError(f"range {spec}: {b} is not on the first-parent line of {self.branch}")
        out = self.suite.git("rev-list", "--first-parent", "--reverse", f"{left}..{right}")
        commits = [c for c in out.split() if c in self.position]
        if not commits:
            raise SuiteError(
                f"range {spec} is reversed or is empty: {b or 'HEAD'} is not newer than {a}"
            )
        return commits

    @cache  # noqa: B019 - one History per command; commits never change
    def edited(self, parent: str, culprit: str) -> frozenset[tuple[str, str]]:
        """(file, qualified function) whose source changed from ``parent`` to
        ``culprit``: the diff's hunks mapped onto function line ranges, on both sides."""
        diff = self.suite.git("diff", "-U0", "--no-renames", parent, culprit, "--", "*.py")
        out: set[tuple[str, str]] = set()
        old_path = new_path = None
        old_lines: set[int] = set()
        new_lines: set[int] = set()

        def flush() -> None:
            for commit, path, lines in ((parent, old_path, old_lines),
                                        (culprit, new_path, new_lines)):  # fmt: skip
                short = package_file(path) if path else None
                if short and lines:
                    source = self.suite.git("show", f"{commit}:{path}")
                    out.update((short, q) for q in _touched(source, lines))

        for line in diff.splitlines():
            if line.startswith("diff --git"):
                flush()
                old_path = new_path = None
                old_lines, new_lines = set(), set()
            elif line.startswith("--- "):
                old_path = None if line.endswith("/dev/null") else line[6:]
            elif line.startswith("+++ "):
                new_path = None if line.endswith("/dev/null") else line[6:]
            elif m := _HUNK.match(line):
                a, b, c, d = (int(x) if x is not None else 1 for x in m.groups())
                old_lines.update(range(a, a + b))
                new_lines.update(range(c, c + d))
        flush()
        return frozenset(out)

    @cache  # noqa: B019 - one History per command; commits never change
    def changed_files(self, parent: str, culprit: str) -> tuple[str, ...]:
        """Repository paths the diff from ``parent`` to ``culprit`` touches."""
        out = self.suite.git("diff", "--name-only", "--no-renames", "-z", parent, culprit)
        return tuple(p for p in out.split("\0") if p)

    def formatting_only(self, parent: str, culprit: str, path: str) -> bool:
        """``path`` parses to the same tree at both commits (formatting, comments)."""
        return relevance.same_syntax(self._source(parent, path), self._source(culprit, path))

    def same_build(self, parent: str, culprit: str, path: str) -> bool:
        """``path`` (a packaging file) installs the same at both commits."""
        return relevance.same_build(self._source(parent, path), self._source(culprit, path))

    @cache  # noqa: B019 - one History per command; commits never change
    def _source(self, commit: str, path: str) -> str | None:
        try:
            return self.suite.git("show", f"{commit}:{path}")
        except SuiteError:
            return None  # added or deleted: not a formatting change

    @cache  # noqa: B019 - one History per command; commits never change
    def commit(self, commit: str) -> Commit:
        """Hash, subject, author and author date (ISO 8601) of ``commit``."""
        out = self.suite.git("show", "-s", "--format=%H%x00%s%x00%an%x00%aI", commit)
        full, subject, author, date = out.rstrip("\n").split("\0")
        return Commit(full, full[:8], subject, author, date)

    def qualify(self, commit: str, file: str, line: int, name: str) -> str:
        """``Class.method`` for a profiled function, read from the source at ``commit``.

        cProfile records only the bare function name and its first line."""
        tree = self._tree(commit, file)
        return (_qualname(tree, line, name) if tree else None) or name

    @cache  # noqa: B019 - one History per command; commits never change
    def _files(self, commit: str) -> tuple[str, ...]:
        return tuple(self.suite.git("ls-tree", "-r", "--name-only", commit).split())

    @cache  # noqa: B019 - one History per command; commits never change
    def _tree(self, commit: str, file: str) -> ast.AST | None:
        """The parsed source of ``file`` (as profiles name it) at ``commit``, if unique."""
        paths = [p for p in self._files(commit) if p == file or p.endswith("/" + file)]
        if len(paths) != 1:
            return None
        try:
            return ast.parse(self.suite.git("show", f"{commit}:{paths[0]}"))
        except (SyntaxError, SuiteError):
            return None


_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def package_file(path: str) -> str | None:
    """``packages/x/src/cascade/a.py`` -> ``cascade/a.py`` (as profiles name files);
    None outside Cascade's package."""
    names = paths()
    parts = path.split("/")
    for i in range(len(parts) - 1):
        if parts[i] == "src" and parts[i + 1] == names.CASCADE:
            return "/".join(parts[i + 1 :])
    return path if names.is_cascade(path) else None


def _function_spans(tree: ast.AST, prefix: str = "") -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function, outer ones first."""
    spans = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.ClassDef):
            spans += _function_spans(node, f"{prefix}{node.name}.")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            spans.append((first, node.end_lineno or node.lineno, prefix + node.name))
            spans += _function_spans(node, f"{prefix}{node.name}.<locals>.")
    return spans


def _touched(source: str, lines: set[int]) -> set[str]:
    """Innermost functions of ``source`` holding any of ``lines``."""
    try:
        spans = _function_spans(ast.parse(source))
    except SyntaxError:
        return set()
    out = set()
    for line in lines:
        inside = [s for s in spans if s[0] <= line <= s[1]]
        if inside:
            out.add(min(inside, key=lambda s: s[1] - s[0])[2])
    return out


def _qualname(tree: ast.AST, line: int, name: str, prefix: str = "") -> str | None:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.ClassDef):
            found = _qualname(node, line, name, f"{prefix}{node.name}.")
            if found:
                return found
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            if first <= line <= node.lineno:
                return prefix + name
    return None
