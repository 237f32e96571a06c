"""The report inside ``asv publish``: an ``OutputPublisher`` asv finds among its subclasses.

asv runs publishers after copying its site template into ``html_dir`` and before
writing ``index.json``; ours writes ``html/cascade-bench/`` from the blame store and
adds a link to it in asv's ``index.html`` (its navigation bar) and ``error.html``
(where asv's page would send a browser that cannot load its scripts). asv's pages
load jQuery, flot, bootstrap and friends from CDNs; the site gets the copies in
``vendor/`` (from the npm registry, pinned: ``envtools/vendor_report_assets.py``)
and asv's pages point at them, so the published site works offline. It never
builds or runs anything.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asv.console import log
from asv.publishing import OutputPublisher

if TYPE_CHECKING:  # the report's modules load only when publishing (asv imports this)
    from .views import SiteInfo

REPORT_DIR = "cascade-bench"
LINK_ID = "cascade-bench-link"
LINK_LABEL = "Regression culprits"
_NAV = re.compile(r'(<ul class="nav navbar-nav navbar-left">.*?)(\s*</ul>)', re.S)
_BODY = re.compile(r"<body[^>]*>", re.I)


def inject_link(page: Path, href: str = f"{REPORT_DIR}/index.html") -> bool:
    """Add a link to the report to one of asv's pages; idempotent. False if no place found."""
    if not page.is_file():
        return False
    text = page.read_text(encoding="utf-8")
    if f'id="{LINK_ID}"' in text:
        return True
    link = f'<a id="{LINK_ID}" href="{href}">{LINK_LABEL}</a>'
    nav = _NAV.search(text)
    if nav:  # asv's navbar: a tab beside "Regressions"
        # Kept on top even when asv's CSS (from a CDN) is missing and its panes overlap.
        style = "position: relative; z-index: 1040"
        item = f'\n\t<li id="nav-li-{REPORT_DIR}" style="{style}">{link}</li>'
        text = text[: nav.end(1)] + item + text[nav.end(1) :]
    else:
        body = _BODY.search(text)
        if not body:
            return False
        banner = (
            f'\n<p style="font: 16px sans-serif; padding: 8px; background: #fff7e0">'
            f"{link}: what caused each regression (works offline)</p>"
        )
        text = text[: body.end()] + banner + text[body.end() :]
    page.write_text(text, encoding="utf-8")
    return True


VENDOR = Path(__file__).with_name("vendor")


def ship_assets(html_dir: Path) -> int:
    """Copy the vendored scripts and styles into ``html_dir/vendor`` and point asv's
    pages at them instead of their CDNs; the number of addresses replaced."""
    replaces = json.loads((VENDOR / "assets.json").read_text(encoding="utf-8"))["replaces"]
    (html_dir / "vendor").mkdir(parents=True, exist_ok=True)
    for name in set(replaces.values()):
        shutil.copyfile(VENDOR / name, html_dir / "vendor" / name)
    # The tag's subresource integrity names the CDN's file: each gets ours, computed once.
    swaps = []
    for url, name in replaces.items():
        digest = base64.b64encode(hashlib.sha512((VENDOR / name).read_bytes()).digest()).decode()
        tag = re.compile(r'<(?:script|link)\b[^>]*"' + re.escape(url) + r'"[^>]*>')
        swaps.append((tag, url, f"vendor/{name}", f'integrity="sha512-{digest}"'))

    def local(m: re.Match, url: str, path: str, integrity: str) -> str:
        return re.sub(r'integrity="[^"]*"', integrity, m.group(0).replace(url, path))

    count = 0
    for page in html_dir.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        for tag, url, path, integrity in swaps:
            text, n = tag.subn(functools.partial(local, url=url, path=path, integrity=integrity),
                               text)  # fmt: skip
            count += n
        page.write_text(text, encoding="utf-8")
    return count


def _site_info(conf: Any, benchmarks: Any, revisions: dict[str, int]) -> SiteInfo:
    from .views import SiteInfo

    return SiteInfo(
        project=str(getattr(conf, "project", "project")),
        show_commit_url=str(getattr(conf, "show_commit_url", "") or ""),
        benchmarks={
            name: (list(b.get("param_names", [])), [list(p) for p in b.get("params", [])])
            for name, b in dict(benchmarks).items()
        },
        known_hashes=frozenset(revisions),
    )


def publish_report(conf_dir: Path, blame_dir: Path, html_dir: Path, site: SiteInfo) -> Path:
    """Write the report of the stores in ``blame_dir`` into ``html_dir/cascade-bench``
    and link it from asv's pages (profile paths are relative to ``conf_dir``)."""
    from ..blame_store import find_blames
    from .render import write_report

    sources = find_blames(blame_dir)
    for src in sources:
        if src.error:
            log.warning(f"cascade-bench report: {src.error}")
    if not sources:
        log.info("cascade-bench report: no attribution yet (run cascade-bench blame)")
    index = write_report(html_dir / REPORT_DIR, conf_dir, sources, site)
    for page in ("index.html", "error.html"):
        if not inject_link(html_dir / page) and page == "index.html":
            log.warning(f"cascade-bench report: no place for a link in {html_dir / page}")
    return index


class CascadeRegressions(OutputPublisher):
    name = REPORT_DIR
    button_label = LINK_LABEL
    description = "Culprit commits and function diffs of the suite's regressions"
    order = 10  # after asv's own publishers (regressions: 3)

    @classmethod
    def publish(
        cls, conf: Any, repo: Any, benchmarks: Any, graphs: Any, revisions: dict[str, int]
    ) -> None:
        # asv runs in the config's directory: relative paths start there.
        conf_dir = Path.cwd()
        html_dir = Path(conf.html_dir)
        # The blame store lives beside the results it describes (Suite.blame_dir).
        blame_dir = (conf_dir / conf.results_dir).parent / "blame"
        site = _site_info(conf, benchmarks, revisions)
        index = publish_report(conf_dir, blame_dir, html_dir, site)
        shipped = ship_assets(html_dir)
        log.info(f"cascade-bench report: {index}; {shipped} CDN address(es) served from vendor/")
