"""Cascade's commit history as asv sees it: the first-parent line of the branch."""

from __future__ import annotations

import ast
from functools import cache, cached_property

from .asvconf import Suite
from .findings import Commit
from .suite import SuiteError


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
        """Commits of an asv/git range ``A..B`` (or one commit), oldest first."""
        if ".." in spec:
            a, b = spec.split("..", 1)
            left, right = self.suite.resolve_commit(a), self.suite.resolve_commit(b or "HEAD")
            if left not in self.position or right not in self.position:
                raise SuiteError(f"range {spec} is not on the first-parent line of {self.branch}")
            return self.between(left, right)
        commit = self.suite.resolve_commit(spec)
        if commit not in self.position:
            raise SuiteError(f"commit {spec} is not on {self.branch}")
        return [commit]

    @cache  # noqa: B019 - one History per command; commits never change
    def commit(self, commit: str) -> Commit:
        """Hash, subject, author and author date (ISO 8601) of ``commit``."""
        out = self.suite.git("show", "-s", "--format=%H%x00%s%x00%an%x00%aI", commit)
        full, subject, author, date = out.rstrip("\n").split("\0")
        return Commit(full, full[:8], subject, author, date)

    def qualify(self, commit: str, file: str, line: int, name: str) -> str:
        """``Class.method`` for a profiled function, read from the source at ``commit``.

        cProfile records only the bare function name and its first line."""
        paths = [
            p
            for p in self.suite.git("ls-tree", "-r", "--name-only", commit).split()
            if p == file or p.endswith("/" + file)
        ]
        if len(paths) != 1:
            return name
        try:
            tree = ast.parse(self.suite.git("show", f"{commit}:{paths[0]}"))
        except (SyntaxError, SuiteError):
            return name
        return _qualname(tree, line, name) or name


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
