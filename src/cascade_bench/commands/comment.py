"""``cascade-bench comment``: put a Markdown report on a pull request as one sticky
comment, created the first time and updated in place after (found again by a marker).

GitHub's REST API (``GITHUB_API_URL``, set on Actions runners; api.github.com
otherwise) with the token in ``GITHUB_TOKEN``; the workflow grants
``pull-requests: write``. Standard library only: three calls.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import urllib.error
import urllib.request
from pathlib import Path

from ..suite import SuiteError

MARKER = "<!-- cascade-bench: performance report -->"
LIMIT = 65_000  # GitHub refuses a comment body over 65,536 characters
REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "comment", help="create or update the suite's one comment on a pull request"
    )
    p.add_argument("--repository", required=True, help="owner/name of the pull request's repo")
    p.add_argument("--pull-request", required=True, type=int, help="the pull request's number")
    p.add_argument("--body", required=True, help="Markdown file of the report (compare --markdown)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    token = os.environ.get("GITHUB_TOKEN", "")
    if not REPOSITORY.match(args.repository):
        raise SuiteError(f"--repository must be owner/name, got {args.repository!r}")
    if args.pull_request <= 0:
        raise SuiteError(f"--pull-request must be a pull request's number, got {args.pull_request}")
    if not token:
        raise SuiteError("GITHUB_TOKEN is not set (the workflow passes secrets.GITHUB_TOKEN)")
    body = Path(args.body).read_text(encoding="utf-8")
    api = Api(os.environ.get("GITHUB_API_URL", "https://api.github.com"), token)
    done = sticky(api, args.repository, args.pull_request, body)
    print(f"comment: {done} the report on {args.repository}#{args.pull_request}")
    return 0


def sticky(api: Api, repository: str, number: int, markdown: str) -> str:
    """Create the comment, or update the one that carries ``MARKER``: "created" or
    "updated"."""
    body = f"{MARKER}\n{markdown}"
    if len(body) > LIMIT:
        body = body[:LIMIT] + "\n\n… (cut at GitHub's limit; the job summary has it all)\n"
    existing = _find(api, repository, number)
    if existing is None:
        api.call("POST", f"/repos/{repository}/issues/{number}/comments", {"body": body})
        return "created"
    api.call("PATCH", f"/repos/{repository}/issues/comments/{existing}", {"body": body})
    return "updated"


def _find(api: Api, repository: str, number: int) -> int | None:
    page = 1
    while True:
        comments = api.call(
            "GET", f"/repos/{repository}/issues/{number}/comments?per_page=100&page={page}"
        )
        for c in comments:
            if isinstance(c, dict) and MARKER in str(c.get("body", "")):
                return int(c["id"])
        if len(comments) < 100:
            return None
        page += 1


class Api:
    """GitHub's REST API at ``base``: JSON in, JSON out, one-line errors."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base.rstrip("/"), token

    def call(self, method: str, path: str, payload: dict | None = None) -> list | dict:
        data = None if payload is None else json.dumps(payload).encode()
        req = urllib.request.Request(
            self.base + path, data=data, method=method,
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {self.token}",
                "X-GitHub-Api-Version": "2022-11-28",
                **({"Content-Type": "application/json"} if data else {}),
            },
        )  # fmt: skip
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.loads(resp.read() or b"null") or {}
        except urllib.error.HTTPError as exc:
            raise SuiteError(f"GitHub API {method} {path}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise SuiteError(f"GitHub API {method} {path}: {exc}") from None
