"""The pull request's sticky comment (``cascade-bench comment``) against a stand-in of
GitHub's REST API on the loopback interface: the first run creates the comment, the
next one updates that same comment; other people's comments are never touched."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from cascade_bench import cli
from cascade_bench.commands import comment


class GitHub:
    """Issue comments of one pull request, as the REST API serves them."""

    def __init__(self) -> None:
        self.comments: list[dict] = [{"id": 7, "body": "LGTM", "user": "someone"}]
        self.requests: list[tuple[str, str, dict | None]] = []
        self.tokens: set[str] = set()


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHub]:
    state = GitHub()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, code: int, doc: object) -> None:
            data = json.dumps(doc).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self) -> dict | None:
            size = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(size)) if size else None
            state.requests.append((self.command, self.path, payload))
            state.tokens.add(self.headers.get("Authorization", ""))
            return payload

        def do_GET(self) -> None:
            self._record()
            if self.path.startswith("/repos/doucx/Cascade/issues/12/comments"):
                page = int(self.path.rsplit("page=", 1)[1])
                self._reply(200, state.comments if page == 1 else [])
            else:
                self._reply(404, {"message": "Not Found"})

        def do_POST(self) -> None:
            payload = self._record()
            new = {"id": 100 + len(state.comments), "body": payload["body"]}
            state.comments.append(new)
            self._reply(201, new)

        def do_PATCH(self) -> None:
            payload = self._record()
            cid = int(self.path.rsplit("/", 1)[1])
            (target,) = [c for c in state.comments if c["id"] == cid]
            target["body"] = payload["body"]
            self._reply(200, target)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("GITHUB_TOKEN", "t0ken")
    try:
        yield state
    finally:
        server.shutdown()


def _comment(body: Path, pr: str = "12") -> int:
    return cli.main(["comment", "--repository", "doucx/Cascade", "--pull-request", pr,
                     "--body", str(body)])  # fmt: skip


REPORT = (
    "## compare: 1 culprit commit with regressions\n\n"
    "| commit | what moved |\n|---|---|\n| `abcd1234` | instructions 1.30× more |\n"
)


def test_first_run_creates_the_comment_and_the_next_updates_it(
    github: GitHub, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    body = tmp_path / "report.md"
    body.write_text(REPORT)
    assert _comment(body) == 0
    assert "created the report on doucx/Cascade#12" in capsys.readouterr().out
    assert [r[0] for r in github.requests] == ["GET", "POST"]
    body.write_text(REPORT.replace("1.30×", "1.02×"))
    assert _comment(body) == 0
    assert "updated the report" in capsys.readouterr().out
    assert [r[0] for r in github.requests] == ["GET", "POST", "GET", "PATCH"]
    ours = [c for c in github.comments if comment.MARKER in c["body"]]
    assert len(ours) == 1 and "1.02×" in ours[0]["body"]
    assert github.comments[0] == {"id": 7, "body": "LGTM", "user": "someone"}
    assert github.tokens == {"Bearer t0ken"}
    # As GitHub renders it: the marker is an invisible HTML comment, the table a table.
    html = MarkdownIt("commonmark").enable("table").render(ours[0]["body"])
    assert "<table>" in html and comment.MARKER in html and "1.02×" in html


def test_bad_input_is_one_line_and_calls_nothing(
    github: GitHub, tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch
) -> None:
    body = tmp_path / "report.md"
    body.write_text(REPORT)
    assert _comment(body, pr="0") == 2
    assert cli.main(["comment", "--repository", "not a repo", "--pull-request", "3",
                     "--body", str(body)]) == 2  # fmt: skip
    assert _comment(tmp_path / "missing.md") == 2
    monkeypatch.delenv("GITHUB_TOKEN")
    assert _comment(body) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4 and all(e.startswith("cascade-bench comment: error: ") for e in err)
    assert "GITHUB_TOKEN" in err[3] and "owner/name" in err[1]
    assert github.requests == []


def test_an_api_error_is_one_line(github: GitHub, tmp_path: Path, capsys) -> None:
    body = tmp_path / "report.md"
    body.write_text(REPORT)
    assert _comment(body, pr="99") == 2  # the stand-in knows no pull request 99
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "HTTP 404" in line
