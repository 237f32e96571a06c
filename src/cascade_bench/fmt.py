"""Every number, time, ratio and parameter the suite prints, formatted in one place;
and text the suite did not write (commit subjects, function names, paths), made safe
to embed in Markdown."""

from __future__ import annotations

import math
import re
import string
from collections.abc import Mapping
from datetime import datetime

from . import signals

TIME_UNITS = (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9))


def time_unit(seconds: float) -> tuple[str, float]:
    """The unit a duration reads best in: (name, seconds per unit)."""
    for name, scale in TIME_UNITS[:-1]:
        if abs(seconds) >= scale:
            return name, scale
    return TIME_UNITS[-1]


def time(seconds: float) -> str:
    """``3.1 s``, ``590 ms``, ``0 s``."""
    if seconds == 0:
        return "0 s"
    name, scale = time_unit(seconds)
    return f"{seconds / scale:.3g} {name}"


def count(value: float) -> str:
    """Calls per iteration: up to three decimals, trailing zeros dropped."""
    return f"{value:,.3f}".rstrip("0").rstrip(".") if value else "0"


def value(v: float, unit: str) -> str:
    """A benchmark value in its asv unit."""
    if unit == "seconds":
        return time(v)
    if unit.startswith("calls"):
        return f"{v:,.2f} {unit}"
    return f"{v:.4g} {unit}"


def span(before: float, after: float, unit: str) -> str:
    """``590 ms → 3.1 s``; ``73.77 → 74.77 calls/iteration`` (the unit said once)."""
    if unit == "seconds":
        return f"{time(before)} → {time(after)}"
    return f"{before:,.2f} → {after:,.2f} {unit}"


def ratio(before: float, after: float) -> str:
    """``×2.31`` (``×23`` from 10 on); ``=``, ``new`` and ``gone`` at the edges."""
    if before == after:
        return "="
    r = signals.ratio(before, after)
    if r is None:
        return "new"
    if after <= 0:
        return "gone"
    return f"×{r:.2f}" if r < 10 else f"×{r:.0f}"


def factor(r: float | None) -> str:
    """A step's size as a factor of at least 1: ``2.3×`` (speed-ups inverted)."""
    if not r or not math.isfinite(r):
        return "?"
    f = r if r >= 1 else 1 / r
    if f < 10:
        return f"{f:.2f}×"  # small steps matter: 1.04 is not 1.0
    return f"{f:.1f}×" if f < 100 else f"{f:.0f}×"


def params(p: Mapping[str, str]) -> str:
    """``n=1000``; several joined by ``, ``."""
    return ", ".join(f"{k}={v}" for k, v in p.items())


def date(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M %z")
    except ValueError:
        return iso


# CommonMark renders a backslash before any ASCII punctuation as that character, and
# GitHub's tables split cells on unescaped "|" only: escaping all of it leaves no markup.
_MD_ESCAPE = {ord(c): "\\" + c for c in string.punctuation}


def markdown_text(text: object) -> str:
    """Foreign text as one line of literal Markdown text: every ASCII punctuation
    character backslash-escaped (no emphasis, code, links, HTML, table cells or
    entities), every run of whitespace (newlines too) one space. For inline use
    only: never inside a code span, where backslashes are literal."""
    return re.sub(r"\s+", " ", str(text)).strip().translate(_MD_ESCAPE)


def code(text: object) -> str:
    """Foreign text in monospace: an HTML code element, whose content Markdown still
    parses, so the escaped text stays literal (a code span would not unescape it)."""
    return f"<code>{markdown_text(text)}</code>"


def commits(hashes: list[str], shown: int = 4) -> str:
    """Short hashes, the first ``shown`` of them, then how many more."""
    text = ", ".join(h[:8] for h in hashes[:shown])
    return text + (f" and {len(hashes) - shown} more" if len(hashes) > shown else "")


def duration(seconds: float) -> str:
    """A person's reading of elapsed time: ``45 s``, ``3 min 5 s``, ``1 h 2 min``."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60} s"
    return f"{s // 3600} h {s % 3600 // 60} min"
