"""The report's static pages: ``index.html`` (every finding) and one page per finding.

Plain HTML and CSS, no script and nothing fetched from elsewhere, so the pages work
offline. Every string from commits, profiles and the blame file goes through
jinja2's autoescaping.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from .. import fmt, suite
from ..blame_store import Source
from ..culprits import series_lists
from ..model import Finding
from . import chart
from .views import CulpritView, Download, FindingView, MachineView, SiteInfo, verdict

INDEX_TOP = 5  # functions shown per finding on the index; the detail page shows all
TEMPLATES = Path(__file__).with_name("templates")
STYLE = "style.css"

__all__ = ["SiteInfo", "write_report"]  # SiteInfo: publishers and tests import it here


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._=-]+", "_", text).strip("._") or "x"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(date=fmt.date, count=fmt.count, time=fmt.time)
    return env


def _export_profiles(
    view: FindingView, conf_dir: Path, out_dir: Path, exported: dict[Path, str]
) -> None:
    store = suite.profile_store()
    f = view.f
    for role, commit in (("culprit", f.culprit), ("parent", f.parent)):
        down = Download(role, commit)
        view.downloads.append(down)
        rel = f.profiles.get(role)
        if not rel:
            down.problem = "no profile stored"
            continue
        src = (conf_dir / rel).resolve()
        if src in exported:
            down.href = exported[src]
            continue
        if not src.is_file():
            down.problem = f"profile missing: {rel}"
            continue
        name = (
            _safe_name(
                f"{view.machine}-{commit.short}-{f.workload or 'profile'}-{fmt.params(f.params)}"
            )
            + ".prof"
        )
        try:
            (out_dir / "prof").mkdir(exist_ok=True)
            store.export_prof(src, out_dir / "prof" / name)
        except (ValueError, OSError) as exc:
            down.problem = str(exc).splitlines()[0]
            continue
        down.href = exported[src] = f"prof/{name}"


@dataclass
class _Written:
    """What earlier findings of the report wrote: page stems, exported profiles
    (source -> link) and pictures (``chart.picture_key`` -> link)."""

    stems: set[str] = field(default_factory=set)
    profiles: dict[Path, str] = field(default_factory=dict)
    pictures: dict[tuple, str] = field(default_factory=dict)


def write_report(out_dir: Path, conf_dir: Path, sources: list[Source], site: SiteInfo) -> Path:
    """Write the report for the blame files ``sources`` into ``out_dir``; returns index.html."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    written = _Written()
    machines = [_machine_view(src, site, out_dir, conf_dir, written) for src in sources]
    return _write_pages(out_dir, machines, site)


def _machine_view(
    src: Source, site: SiteInfo, out_dir: Path, conf_dir: Path, written: _Written
) -> MachineView:
    """One blame file's lists, its findings' pictures and profiles written."""
    mv = MachineView(machine=src.machine, path=str(src.path), error=src.error)
    if src.blame is None:
        return mv
    mv.generated_at = src.blame.generated_at
    mv.retracted = src.blame.retracted
    views = {
        finding.id: _finding_view(finding, src.machine, site, out_dir, conf_dir, written)
        for finding in src.blame.findings
    }
    listed = series_lists(src.blame.findings)
    mv.regressions, mv.speedups, mv.work = (
        [views[f.id] for f in listed[k]] for k in ("regression", "speedup", "work")
    )
    shown = {v.f.id: v for v in mv.views}  # each has a page; sizes are not steps
    mv.culprits, mv.ranges = (
        [CulpritView(c, next((shown[i] for i in c.findings if i in shown), None)) for c in cs]
        for cs in (src.blame.culprits, src.blame.ranges)
    )
    return mv


def _finding_view(
    finding: Finding,
    machine: str,
    site: SiteInfo,
    out_dir: Path,
    conf_dir: Path,
    written: _Written,
) -> FindingView:
    """A finding's view, its picture drawn (once per picture) and profiles exported."""
    stem = finding.id if finding.id not in written.stems else f"{machine}-{finding.id}"
    stem = _safe_name(stem)
    written.stems.add(stem)
    view = FindingView(finding, machine, stem, site)
    key = chart.picture_key(finding)
    if finding.functions and key not in written.pictures:
        written.pictures[key] = f"img/{stem}.svg"
        chart.draw_diff(finding, out_dir / written.pictures[key])
    view.picture = written.pictures.get(key)
    _export_profiles(view, conf_dir, out_dir, written.profiles)
    return view


def _write_pages(out_dir: Path, machines: list[MachineView], site: SiteInfo) -> Path:
    """The index and one page per finding, and the style sheet; returns index.html."""
    env = _env()
    shutil.copyfile(TEMPLATES / STYLE, out_dir / STYLE)
    common = {"site": site, "machines": machines, "many": len(machines) > 1}
    index = out_dir / "index.html"
    index.write_text(
        env.get_template("index.html").render(
            verdict=verdict(machines), index_top=INDEX_TOP, **common
        ),
        encoding="utf-8",
    )
    for mv in machines:
        for view in mv.views:
            (out_dir / view.page).write_text(
                env.get_template("finding.html").render(v=view, **common), encoding="utf-8"
            )
    return index
