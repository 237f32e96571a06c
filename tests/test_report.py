"""The regressions report that ``asv publish`` writes beside asv's site.

Unit tests render from blame files written here; the end-to-end test runs the real
``asv publish`` over results written with asv's own API for a tiny git repository,
and a headless Chromium walks from asv's page to a culprit's picture.
"""

from __future__ import annotations

import cProfile
import functools
import http.server
import json
import os
import pstats
import re
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import asv
import pytest

from asvtools import PROJECT, AsvProject, make_asv_project
from cascade_bench import blame_store, suite
from cascade_bench.report import publisher
from cascade_bench.report.render import SiteInfo
from cascade_bench.suite import SuiteError

store = suite.profile_store()
ASV_WWW = Path(asv.__file__).parent / "www"
ENV_NAME = "virtualenv-py3.11-hatchling"
HOSTILE = "<script>alert(1)</script> \"&' --> ]]>"
BENCH = "loops.HeavyJumpLoop.time_loop"
CALLS_BENCH = "calls.HeavyJumpLoop.track_calls_per_iteration"
ARTIFACTS = PROJECT / "artifacts"


# -- fixtures: profiles and blame files -------------------------------------------


def _step(k: int) -> int:
    return sum(i * i for i in range(k))


def _write_profile(conf_dir: Path, machine: str, commit: str, work: int) -> str:
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(20):
        _step(work)
    prof.disable()
    path = store.profile_path(
        conf_dir / "profiles", machine, commit, ENV_NAME, "heavy_jump_loop", 1000
    )
    store.write_stats(pstats.Stats(prof), path)
    return str(path.relative_to(conf_dir))


def _commit(sha: str, subject: str, author: str = "Ada") -> dict:
    return {
        "hash": sha,
        "short": sha[:8],
        "subject": subject,
        "author": author,
        "date": "2025-12-24T19:50:06+08:00",
    }


def _function(file: str, name: str, scale: float) -> dict:
    return {
        "file": file,
        "function": name,
        "cascade": file.startswith("cascade/"),
        "calls": [1.0, 1.0 if scale < 3 else 4.0],
        "primitive_calls": [1.0, 1.0],
        "own": [2.1e-6, 2.1e-6 * scale],
        "cumulative": [1.2e-5, 1.2e-5 * scale],
    }


def _blame(machine: str, parent: dict, culprit: dict, profiles: dict) -> dict:
    functions = [
        _function("cascade/runtime/resolvers.py", "ArgumentResolver.resolve", 4.7),
        _function("cascade/runtime/" + HOSTILE + ".py", "evil" + HOSTILE, 2.0),
        _function("asyncio/base_events.py", "BaseEventLoop._run_once", 1.0),
    ]
    regression = {
        "id": "r1-heavy_jump_loop-n1000",
        "kind": "regression",
        "signal": "time",
        "benchmark": BENCH,
        "params": {"n": "1000"},
        "workload": "heavy_jump_loop",
        "unit": "seconds",
        "before": 0.61,
        "after": 3.05,
        "ratio": 5.0,
        "confirmed": True,
        "confirmation": {
            "parent_median": 0.6,
            "culprit_median": 3.0,
            "parent_samples": 9,
            "culprit_samples": 9,
            "parent_rounds": [0.58, 0.6, 0.62],
            "culprit_rounds": [2.9, 3.0, 3.1],
            "separated": True,
            "significant": True,
        },
        "culprit": culprit,
        "parent": parent,
        "bisect": {"gap": 9, "built": 3, "failed": []},
        "calls": {"before": 205.1, "after": 4036.0},
        "functions": functions,
        "notes": ["+2.00 event-loop turns per iteration " + HOSTILE],
        "profiles": profiles,
        "some_future_field": {"ignored": True},
    }
    speedup = {
        **regression,
        "id": "s1-calls",
        "kind": "speedup",
        "signal": "calls",
        "benchmark": CALLS_BENCH,
        "unit": "calls/iteration",
        "before": 400.0,
        "after": 80.0,
        "ratio": 0.2,
        "confirmed": None,
        "confirmation": None,
        "profiles": {"culprit": "profiles/nowhere.prof.gz"},
    }
    return {
        "version": 1,
        "machine": machine,
        "generated_at": "2026-11-27T23:10:00+00:00",
        "findings": [regression, speedup],
    }


def _asv_pages(html: Path) -> None:
    """asv's own index.html and error.html, as ``asv publish`` copies them."""
    html.mkdir(parents=True, exist_ok=True)
    for page in ("index.html", "error.html"):
        shutil.copy(ASV_WWW / page, html / page)


def _texts(root: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(root.rglob("*.html")))


# -- unit tests -------------------------------------------------------------------


def test_report_renders_escaped_findings_with_picture_and_profiles(tmp_path: Path) -> None:
    parent, culprit = "a" * 40, "b" * 40
    profiles = {
        "parent": _write_profile(tmp_path, "box", parent, 50),
        "culprit": _write_profile(tmp_path, "box", culprit, 500),
    }
    blame = _blame(
        "box", _commit(parent, "parent " + HOSTILE), _commit(culprit, HOSTILE, HOSTILE), profiles
    )
    blame_store.blame_path(tmp_path / "blame", "box").parent.mkdir()
    blame_store.blame_path(tmp_path / "blame", "box").write_text(json.dumps(blame))
    html = tmp_path / "html"
    _asv_pages(html)
    site = SiteInfo(
        project="cascade",
        show_commit_url="https://example.invalid/commit/",
        benchmarks={BENCH: (["n"], [["200", "1000"]])},
        known_hashes=frozenset({parent, culprit}),
    )
    index = publisher.publish_report(tmp_path, tmp_path / "blame", html, site)
    report = index.parent
    text = index.read_text()

    verdict = text.split('id="verdict">')[1].split("</p>")[0]
    assert verdict.startswith("1 culprit commit: 1 with regressions. Worst: bbbbbbbb ")
    assert verdict.endswith(
        ": REGRESSION in HeavyJumpLoop (wall time 5.00× slower [confirmed side by side], "
        "calls 5.00× fewer), in cascade/runtime/resolvers.py:ArgumentResolver.resolve"
    )
    # The short list of culprit commits leads; the call-count speed-up is work, not a cost.
    assert (
        text.index("Culprit commits (1)")
        < text.index("Regressed series (1)")
        < text.index("Sped-up series (0)")
        < text.index("Work changed: call counts only (1)")
    )
    assert "Not narrowed to one commit" not in text
    # Every string from the blame file is escaped, in every page we wrote.
    everything = _texts(report)
    assert "<script" not in everything and "alert(1)</" not in everything
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &#34;&amp;&#39; --&gt; ]]&gt;" in everything
    assert f'href="https://example.invalid/commit/{culprit}"' in text
    assert "confirmed side by side" in text and "exact call-count step" in text
    assert "3 rounds each, separated" in text
    assert (
        f'href="../index.html#{BENCH}?machine=box&amp;p-n=1000&amp;commits=aaaaaaaa-bbbbbbbb"'
        in text
    )
    assert "610 ms → 3.05 s; calls per iteration 205.1 → 4,036 (×20)" in text

    detail = (report / "r1-heavy_jump_loop-n1000.html").read_text()
    assert 'src="img/r1-heavy_jump_loop-n1000.svg"' in detail
    svg = ET.parse(report / "img" / "r1-heavy_jump_loop-n1000.svg").getroot()
    assert svg.tag.endswith("svg") and float(svg.get("width", "0").rstrip("pt")) > 600
    assert not [e for e in svg.iter() if e.tag.endswith("script")]
    # Downloadable, uncompressed profiles that pstats (and snakeviz) open.
    for role in ("culprit", "parent"):
        href = detail.split(f"{role} {culprit[:8] if role == 'culprit' else parent[:8]}: ")[1]
        href = href.split('href="')[1].split('"')[0]
        original = store.load_stats(tmp_path / profiles[role])
        assert pstats.Stats(str(report / href)).total_calls == original.total_calls
    speedup = (report / "s1-calls.html").read_text()
    assert "profile missing: profiles/nowhere.prof.gz" in speedup
    assert 'parent aaaaaaaa: <span class="none">no profile stored' in speedup

    # The way in from asv's pages: a tab in its navbar, a line on its error page.
    for page in ("index.html", "error.html"):
        assert (html / page).read_text().count('id="cascade-bench-link"') == 1
        assert publisher.inject_link(html / page)  # idempotent
        assert (html / page).read_text().count('href="cascade-bench/index.html"') == 1
    assert '<li id="nav-li-cascade-bench" style=' in (html / "index.html").read_text()


def test_machines_get_their_own_sections_and_page_names(tmp_path: Path) -> None:
    for machine in ("alpha", "beta"):
        data = _blame(machine, _commit("a" * 40, "p"), _commit("b" * 40, "c"), {})
        data["findings"] = data["findings"][:1]
        blame_store.blame_path(tmp_path / "blame", machine).parent.mkdir(exist_ok=True)
        blame_store.blame_path(tmp_path / "blame", machine).write_text(json.dumps(data))
    index = publisher.publish_report(tmp_path, tmp_path / "blame", tmp_path / "html", SiteInfo())
    text = index.read_text()
    assert "Machine alpha</h2>" in text and "Machine beta</h2>" in text
    assert "2 culprit commits: 2 with regressions. Worst:" in text
    pages = sorted(p.name for p in index.parent.glob("*.html"))
    assert pages == [
        "beta-r1-heavy_jump_loop-n1000.html",
        "index.html",
        "r1-heavy_jump_loop-n1000.html",
    ]
    # One picture for both: same commits, workload and functions.
    assert len(list(index.parent.glob("img/*.svg"))) == 1


def test_without_blame_the_page_says_how_to_get_one(tmp_path: Path) -> None:
    html = tmp_path / "html"
    _asv_pages(html)
    index = publisher.publish_report(tmp_path, tmp_path / "blame", html, SiteInfo())
    assert "No attribution yet: run cascade-bench blame" in index.read_text()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "Expecting property name"),
        ('{"version": 2, "machine": "box", "findings": []}', "version 2 is not supported"),
        ('{"version": 1, "machine": "box"}', "top level.findings: missing"),
        ("[]", "top level: expected an object"),
    ],
)
def test_corrupt_blame_is_a_one_line_error_and_shown_on_the_page(
    tmp_path: Path, content: str, reason: str
) -> None:
    path = blame_store.blame_path(tmp_path / "blame", "box")
    path.parent.mkdir()
    path.write_text(content)
    with pytest.raises(SuiteError) as err:
        blame_store.load_blame(path)
    assert str(err.value).startswith(f"corrupt blame file {path}: ") and reason in str(err.value)
    assert "\n" not in str(err.value)
    index = publisher.publish_report(tmp_path, tmp_path / "blame", tmp_path / "html", SiteInfo())
    assert "Cannot read" in index.read_text() and "could not be read" in index.read_text()


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("hash", "not-a-hash", "findings[0].culprit.hash: not a hex commit hash"),
        ("id", "../escape", "findings[0].id: not filename-safe"),
        ("kind", "slower", "findings[0].kind: expected one of"),
        ("own", [1.0], "findings[0].functions[0].own: expected [parent, culprit]"),
    ],
)
def test_schema_violations_name_the_field(field: str, value: object, reason: str) -> None:
    data = _blame("box", _commit("a" * 40, "p"), _commit("b" * 40, "c"), {})
    finding = data["findings"][0]
    target = {"hash": finding["culprit"], "own": finding["functions"][0]}.get(field, finding)
    target[field] = value
    with pytest.raises(SuiteError, match=reason.replace("[", r"\[").replace("]", r"\]")):
        blame_store.parse_blame(data)


def test_blame_round_trips_through_the_model(tmp_path: Path) -> None:
    data = _blame("box", _commit("a" * 40, "p"), _commit("b" * 40, "c"), {"parent": "x.prof.gz"})
    blame = blame_store.parse_blame(data)
    blame_store.dump_blame(blame, tmp_path / "box.json")
    assert blame_store.load_blame(tmp_path / "box.json") == blame
    f = blame.findings[0]
    assert f.functions[0].own == (2.1e-6, 2.1e-6 * 4.7) and f.confirmation.significant
    assert blame.findings[1].confirmed is None and f.params == {"n": "1000"}


# -- end to end: the real asv publish, then a browser ----------------------------


def _git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": HOSTILE,
        "GIT_AUTHOR_EMAIL": "a@example.invalid",
        "GIT_COMMITTER_NAME": "c",
        "GIT_COMMITTER_EMAIL": "c@example.invalid",
    }
    return subprocess.run(
        ["git", "-C", str(repo), *args], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def _tiny_repo(path: Path) -> list[str]:
    path.mkdir()
    _git(path, "init", "-q", "-b", "main")
    commits = []
    for i, subject in enumerate(["start", "tidy", "resolve eagerly " + HOSTILE, "docs"]):
        (path / "f.txt").write_text(f"{i}\n")
        _git(path, "add", "f.txt")
        date = f"2025-12-2{i}T12:00:00+00:00"
        _git(path, "-c", f"user.date={date}", "commit", "-q", "-m", subject, "--date", date)
        commits.append(_git(path, "rev-parse", "HEAD"))
    return commits


def _write_results(project: AsvProject, repo: Path, commits: list[str]) -> None:
    """Results for ``commits`` as ``asv run`` stores them, through asv's own API."""
    from asv import util
    from asv.benchmarks import Benchmarks
    from asv.config import Config
    from asv.results import Results
    from asv.runner import BenchmarkResult

    conf = Config.load(str(project.conf_dir / "asv.conf.json"))
    conf.results_dir = str(project.results_dir)
    common = {"param_names": ["n"], "params": [["200", "1000"]], "version": "1", "code": ""}
    benches = [
        {**common, "name": BENCH, "type": "time", "unit": "seconds", "timeout": 60},
        {**common, "name": CALLS_BENCH, "type": "track", "unit": "calls/iteration", "timeout": 60},
    ]
    Benchmarks(conf, benches).save()
    util.write_json(
        str(project.results_dir / project.machine / "machine.json"),
        {"machine": project.machine},
        api_version=1,
    )
    times = [0.6, 0.61, 3.05, 3.0]
    calls = [205.1, 205.1, 4036.0, 4036.0]
    for sha, t, c in zip(commits, times, calls, strict=True):
        date = int(_git(repo, "log", "-1", "--format=%ct", sha)) * 1000
        res = Results(
            {"machine": project.machine, "python": "3.11", "hatchling": ""},
            {"hatchling": ""},
            sha,
            date,
            "3.11",
            ENV_NAME,
            {},
        )
        for bench, values in ((benches[0], [t / 5, t]), (benches[1], [c, c])):
            res.add_result(
                bench,
                BenchmarkResult(
                    result=values,
                    samples=[[v * 0.99, v, v * 1.01] for v in values],
                    number=[1, 1],
                    errcode=0,
                    stderr="",
                    profile=None,
                ),
            )
        res.save(str(project.results_dir))


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[AsvProject, list[str]]:
    root = tmp_path_factory.mktemp("publish")
    commits = _tiny_repo(root / "repo")
    project = make_asv_project(root / "suite", root / "repo")
    _write_results(project, root / "repo", commits)
    parent, culprit = commits[1], commits[2]
    profiles = {
        "parent": _write_profile(project.conf_dir, project.machine, parent, 50),
        "culprit": _write_profile(project.conf_dir, project.machine, culprit, 500),
    }
    subject = _git(root / "repo", "log", "-1", "--format=%s", culprit)
    blame = _blame(
        project.machine, _commit(parent, "tidy"), _commit(culprit, subject, HOSTILE), profiles
    )
    path = blame_store.blame_path(project.conf_dir / "blame", project.machine)
    path.parent.mkdir()
    path.write_text(json.dumps(blame))
    proc = project.asv("publish", timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Generating output for CascadeRegressions" in proc.stdout
    return project, commits


def test_asv_publish_writes_the_report_and_links_both_ways(
    published: tuple[AsvProject, list[str]],
) -> None:
    project, commits = published
    html = project.conf_dir / "html"
    report = html / "cascade-bench"
    assert (report / "index.html").is_file() and (
        report / "r1-heavy_jump_loop-n1000.html"
    ).is_file()
    assert 'href="cascade-bench/index.html"' in (html / "index.html").read_text()
    # asv's pages load their scripts and styles from the site itself, never a CDN.
    page = (html / "index.html").read_text()
    remote = re.findall(r'(?:src|href)="(https?://[^"]+)"', page)
    assert remote == ["https://github.com/airspeed-velocity/asv/"]  # a link, not a load
    assert 'src="vendor/jquery-jquery.min.js"' in page and (html / "vendor").is_dir()
    # Our link into asv's graph names a benchmark, parameter and commits asv knows.
    index_json = json.loads((html / "index.json").read_text())
    link = (report / "index.html").read_text().split('class="graph" href="')[1].split('"')[0]
    target, query = link.replace("&amp;", "&").split("#", 1)[1].split("?")
    assert target == BENCH and target in index_json["benchmarks"]
    q = dict(part.split("=") for part in query.split("&"))
    assert (
        q["machine"] == project.machine and q["p-n"] in index_json["benchmarks"][BENCH]["params"][0]
    )
    known = set(index_json["revision_to_hash"].values())
    assert {h for h in commits if h[:8] in q["commits"].split("-")} <= known
    assert q["commits"] == f"{commits[1][:8]}-{commits[2][:8]}"


# -- the browser ------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def _browser_or_skip() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).is_file()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install -e '.[test]')")
    if missing:
        reason = (
            f"browser test needs {', '.join(missing)} (apt-get install chromium chromium-driver)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def served(published: tuple[AsvProject, list[str]]) -> Iterator[str]:
    """asv's published site on a free localhost port, for the duration of one test."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    html = published[0].conf_dir / "html"
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(html))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_browser_walks_from_asv_to_a_culprit_picture(
    published: tuple[AsvProject, list[str]], served: str
) -> None:
    _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    culprit = published[1][2][:8]
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1400,1100",
        "--disable-gpu",
    ):
        options.add_argument(arg)
    # The path given: selenium-manager is never asked to find or download anything.
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        wait = WebDriverWait(driver, 20)
        # The network off: nothing outside the local site loads. asv's pages load their
        # scripts and styles from the site's vendor/ copies and draw their graphs.
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["https://*"]})  # every CDN
        driver.get(f"{served}/index.html")
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".benchmark-container"))
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#summarygrid-display canvas"))
        assert "error.html" not in driver.current_url
        driver.save_screenshot(str(ARTIFACTS / "report-asv-index.png"))
        driver.get(f"{served}/index.html#loops.HeavyJumpLoop.time_loop")
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#main-graph canvas.flot-base"))
        driver.save_screenshot(str(ARTIFACTS / "report-asv-graph.png"))
        driver.get(f"{served}/index.html")
        link = wait.until(ec.visibility_of_element_located((By.ID, "cascade-bench-link")))
        assert link.text == "Regression culprits"
        link.click()
        wait.until(ec.url_contains("/cascade-bench/index.html"))
        verdict = driver.find_element(By.ID, "verdict").text
        assert f"Worst: {culprit} " in verdict
        assert "REGRESSION in HeavyJumpLoop (wall time 5.00× slower" in verdict
        assert "ArgumentResolver.resolve" in verdict
        # The suite's tables fit the window: nothing wider than the page at 1400 px.
        overflow = driver.execute_script(
            "return [...document.querySelectorAll('table')].filter("
            "t => t.getBoundingClientRect().right > document.documentElement.clientWidth"
            ").length"
        )
        assert overflow == 0
        driver.save_screenshot(str(ARTIFACTS / "report-index.png"))

        driver.find_element(By.CSS_SELECTOR, "#r1-heavy_jump_loop-n1000 h3 a").click()
        wait.until(ec.url_contains("r1-heavy_jump_loop-n1000.html"))
        body = driver.find_element(By.TAG_NAME, "body").text
        assert culprit in body and "ArgumentResolver.resolve" in body
        assert "<script>alert(1)</script>" in body  # shown as text, never run
        img = driver.find_element(By.ID, "diff-picture")
        wait.until(lambda d: d.execute_script("return arguments[0].complete", img))
        assert driver.execute_script("return arguments[0].naturalWidth", img) > 600
        assert img.size["width"] > 600  # on screen, readable without zooming
        assert driver.execute_script(
            "return [...document.querySelectorAll('table')].filter("
            "t => t.getBoundingClientRect().right > document.documentElement.clientWidth"
            ").length"
        ) == 0  # the function tables fit 1400 px
        driver.set_window_size(1400, 2200)
        driver.save_screenshot(str(ARTIFACTS / "report-finding.png"))
    finally:
        driver.quit()


def test_retracted_findings_stay_visible(tmp_path: Path) -> None:
    data = _blame("box", _commit("a" * 40, "p"), _commit("b" * 40, "c"), {})
    gone = {**data["findings"][0], "id": "gone", "retracted": "2026-01-02: re-measured " + HOSTILE}
    data["retracted"] = [gone]
    path = blame_store.blame_path(tmp_path / "blame", "box")
    path.parent.mkdir()
    path.write_text(json.dumps(data))
    index = publisher.publish_report(tmp_path, path.parent, tmp_path / "html", SiteInfo())
    text = index.read_text()
    assert "Retracted after re-measurement (1)" in text
    assert "re-measured &lt;script&gt;" in text and "<script>alert" not in text
