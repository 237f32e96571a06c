"""The picture of a finding: where the time went, parent vs culprit, per loop iteration.

Two horizontal bar panels over the top functions of the ranked diff, in the table's
order: bytecodes per iteration (deterministic, the table's ranking; own time where no
bytecodes are stored) and cumulative time; changed functions have bold red labels.
The title names the loop size of the profiles it shows, which the page links. Drawn
with matplotlib's SVG backend through ``Figure`` directly, so pyplot's global
backend is never touched.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .. import fmt, signals
from ..model import Finding, FunctionDiff

TOP = 12
PARENT_COLOR = "#8c99a6"
CULPRIT_COLOR = {"regression": "#d62728", "speedup": "#2a9d46"}
CHANGED_COLOR = "#b00020"
CHANGE = 1.25  # a cost this many times larger (or smaller) counts as changed


def changed(fn: FunctionDiff) -> bool:
    """Calls per iteration moved, or own/cumulative time moved by ``CHANGE`` or more."""
    if abs(fn.calls[1] - fn.calls[0]) >= 0.005 * max(1.0, fn.calls[0]):
        return True
    for before, after in (fn.own, fn.cumulative):
        r = signals.ratio(before, after)
        if r is None and after > 0:
            return True  # new: no ratio from a zero base, but it moved
        if r is not None and (r >= CHANGE or r <= 1 / CHANGE):
            return True
    return False


def _plain(text: str) -> str:
    return text.replace("$", r"\$")  # no mathtext from names like "a$b$"


def _short(text: str, limit: int = 40) -> str:
    return _plain(text if len(text) <= limit else "…" + text[-(limit - 1) :])


def picture_key(finding: Finding, top: int = TOP) -> tuple:
    """Findings with equal keys get the same picture (a time and a calls step of one pair)."""
    return (
        finding.kind,
        finding.workload or finding.benchmark,
        tuple(finding.params.items()),
        finding.parent.hash,
        finding.culprit.hash,
        tuple(finding.functions[:top]),
    )


def draw_diff(finding: Finding, dest: Path, top: int = TOP) -> Path | None:
    """Write the SVG of ``finding``'s function diff to ``dest``; None without functions."""
    fns = finding.functions[:top]
    if not fns:
        return None
    import matplotlib  # heavy: only when a picture is drawn

    fig, axes = _figure(len(fns))
    first = (
        ("bytecodes", "bytecodes per iteration (deterministic)")
        if all(f.bytecodes is not None for f in fns)
        else ("own", "own time per iteration")
    )
    for ax, (attr, title) in zip(axes, (first, ("cumulative", "cumulative time per iteration")),
                                 strict=True):  # fmt: skip
        _panel(ax, finding, fns, attr, title)
    _label_functions(axes[0], fns)
    axes[1].legend(loc="lower right", fontsize=10)
    params = profile_size(finding) or fmt.params(finding.params)
    fig.suptitle(
        _plain(
            f"{finding.workload or finding.benchmark}({params}): "
            f"{finding.parent.short} → {finding.culprit.short}   (bold red: changed functions)"
        ),
        fontsize=12,
    )
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Glyphs as paths: the picture looks the same whatever fonts the browser has;
    # a fixed salt and no date keep the file identical for identical data.
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "cascade-bench"}):
        fig.savefig(dest, format="svg", metadata={"Date": None})
    return dest


def profile_size(finding: Finding) -> str | None:
    """``n=1000`` from the culprit's profile path (``…/n=1000.prof.gz``), if linked."""
    match = re.search(r"n=(\d+)", str((finding.profiles or {}).get("culprit", "")))
    return f"n={match.group(1)}" if match else None


def _figure(n: int) -> tuple[Any, Any]:
    """A figure of two panels side by side for ``n`` functions, and its axes."""
    from matplotlib.figure import Figure

    # Fixed margins in inches (constrained layout costs more than the drawing).
    width, height = 13.0, 1.45 + 0.6 * n
    left, right, top_margin, bottom = 3.5, 0.25, 0.75, 0.6
    fig = Figure(figsize=(width, height), dpi=100)
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        top=1 - top_margin / height,
        bottom=bottom / height,
        wspace=0.06,
    )
    return fig, fig.subplots(1, 2, sharey=True)


def _panel(ax: Any, finding: Finding, fns: list[FunctionDiff], attr: str, title: str) -> None:
    """One panel: parent and culprit bars of ``attr`` (own or cumulative time) per
    function, each culprit bar labelled with its ratio."""
    ys = list(range(len(fns)))
    culprit_color = CULPRIT_COLOR.get(finding.kind, CULPRIT_COLOR["regression"])
    pairs = [getattr(f, attr) for f in fns]
    if attr == "bytecodes":
        name, scale = "bytecodes per iteration", 1.0
    else:
        name, scale = fmt.time_unit(max(max(p) for p in pairs) or 1e-9)
    before = [p[0] / scale for p in pairs]
    after = [p[1] / scale for p in pairs]
    h = 0.38
    ax.barh(
        [y - h / 2 for y in ys],
        before,
        h,
        color=PARENT_COLOR,
        label=f"parent {finding.parent.short}",
    )
    ax.barh(
        [y + h / 2 for y in ys],
        after,
        h,
        color=culprit_color,
        label=f"culprit {finding.culprit.short}",
    )
    top_value = max(before + after) or 1.0
    for y, pair, value in zip(ys, pairs, after, strict=True):
        ax.text(value + top_value * 0.01, y + h / 2, fmt.ratio(*pair), va="center", fontsize=9)
    ax.set_xlim(0, top_value * 1.15)
    ax.set_title(title, fontsize=12)
    ax.set_xlabel(name, fontsize=11)
    ax.grid(axis="x", alpha=0.3)
    ax.tick_params(axis="x", labelsize=10)


def _label_functions(ax: Any, fns: list[FunctionDiff]) -> None:
    """Function and file per row, changed functions in bold red, rank 1 at the top."""
    ax.set_yticks(list(range(len(fns))))
    ax.set_yticklabels([f"{_short(f.function)}\n{_short(f.file)}" for f in fns], fontsize=10)
    for label, fn in zip(ax.get_yticklabels(), fns, strict=True):
        if changed(fn):
            label.set_color(CHANGED_COLOR)
            label.set_fontweight("bold")
    ax.invert_yaxis()
