"""Stand-in Cascade repositories for testing cascade-bench end to end."""

from .render import Features, render_tree
from .repo import (
    HISTORY,
    LABELS,
    WORKLOADS,
    Change,
    CommitExpectation,
    StandinRepo,
    add_commit,
    append_neutral,
    append_slowdown,
    build_standin_repo,
)

__all__ = [
    "HISTORY",
    "LABELS",
    "WORKLOADS",
    "Change",
    "CommitExpectation",
    "Features",
    "StandinRepo",
    "add_commit",
    "append_neutral",
    "append_slowdown",
    "build_standin_repo",
    "render_tree",
]
