"""The Markdown summary shows foreign text (commit subjects, function names, file
paths, parameters, notes) as text: it can neither fake the verdict nor break the table.

Rendered with a real CommonMark renderer (GitHub's tables enabled), as a job summary is.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from cascade_bench import fmt, markdown_view
from cascade_bench.culprits import culprit_lists
from cascade_bench.model import (
    Blame,
    Commit,
    Finding,
    FunctionDiff,
    SeriesSummary,
    Unresolved,
)

HOSTILE = "fix | **no regression** _x_ `tick` <script>alert(1)</script> [x](y)\n# Verdict: ok"


class _Html(HTMLParser):
    """Table rows (cells as text) and every tag the renderer produced."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _render(markdown: str) -> _Html:
    page = _Html()
    page.feed(MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown))
    return page


def _hostile_blame() -> Blame:
    def commit(sha: str) -> Commit:
        return Commit(hash=sha, short=sha[:8], subject=HOSTILE, author="<b>Eve</b>")

    fn = FunctionDiff(
        file="cascade/" + HOSTILE + ".py",
        function="evil_" + HOSTILE,
        cascade=True,
        calls=(1.0, 2.0),
        primitive_calls=(1.0, 2.0),
        own=(1e-6, 2e-6),
        cumulative=(1e-6, 2e-6),
    )
    finding = Finding(
        id="r1",
        kind="regression",
        signal="instructions",
        benchmark="instructions.X.track_instructions_per_iteration",
        culprit=commit("b" * 40),
        parent=commit("a" * 40),
        before=1.0,
        after=2.0,
        ratio=2.0,
        params={"n": HOSTILE},
        unit="instructions/iteration",
        functions=[fn],
        notes=[HOSTILE],
    )
    series = SeriesSummary(
        benchmark="loops." + HOSTILE,
        params={"n": HOSTILE},
        measured=3,
        failed=0,
        skipped=0,
        first=None,
        born=False,
        steps=1,
        explained=0,
        unresolved=[Unresolved("c" * 40, "d" * 40, HOSTILE)],
    )
    return Blame(
        machine="box",
        generated_at="2026-11-28T00:00:00+00:00",
        findings=[finding],
        series=[series],
        **culprit_lists([finding]),
    )


def test_foreign_text_cannot_fake_the_verdict_or_break_the_table() -> None:
    markdown = markdown_view.markdown(_hostile_blame())
    page = _render(markdown)
    # Only the markup the suite writes: its verdict in bold, one table, the details list.
    assert "script" not in page.tags and "a" not in page.tags and "em" not in page.tags
    assert "h1" not in page.tags  # a newline in a subject cannot start a heading
    assert page.tags.count("strong") == 1  # the verdict, nothing a subject adds
    header, *body = page.rows
    assert len(body) == len(_hostile_blame().culprits) == 1
    assert len(body[0]) == len(header) == 4, body
    # The subject and the function name are shown as written (newline as a space).
    shown = " ".join(HOSTILE.split())
    assert shown in body[0][1] and "evil_" + shown in body[0][3], body[0]
    # Every line the suite writes stays one line: no line of the summary starts
    # with foreign text.
    assert not [line for line in markdown.splitlines() if line.startswith("# Verdict")]


@pytest.mark.parametrize(
    "text",
    [HOSTILE, "a\r\nb\u2028c", "\\", "1.0\\|", "&amp; &#124;", "<!-- x -->", "~~s~~ ***b***"],
)
def test_markdown_text_renders_as_written(text: str) -> None:
    page = _render(f"| a |\n|---|\n| {fmt.markdown_text(text)} |\n")
    assert page.tags == ["table", "thead", "tr", "th", "tbody", "tr", "td"]
    assert page.rows[1] == [" ".join(text.split())]
