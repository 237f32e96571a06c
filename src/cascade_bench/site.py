"""Publishing the site so that a failure never costs the last good report.

``asv publish`` deletes its ``html_dir`` before it writes anything: a publish that
fails half-way (a corrupt results file, a full disk) would leave a broken site.
Here asv writes into a sibling directory, which replaces ``html_dir`` only once
asv finished; a failure leaves the old site as it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from .asvconf import Suite
from .suite import SuiteError


def publish(suite: Suite) -> None:
    """``asv publish`` into a fresh directory beside ``html_dir``, then swapped in."""
    html = suite.html_dir
    fresh = html.with_name(f".{html.name}.new-{os.getpid()}")
    old = html.with_name(f".{html.name}.old-{os.getpid()}")
    shutil.rmtree(fresh, ignore_errors=True)
    proc = subprocess.run(
        [sys.executable, "-m", "asv", "--config", str(suite.config_path), "publish",
         "--html-dir", str(fresh)],
        cwd=suite.conf_dir, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0 or not (fresh / "index.html").is_file():
        shutil.rmtree(fresh, ignore_errors=True)
        tail = (proc.stderr or proc.stdout).strip().splitlines()
        raise SuiteError(
            f"asv publish failed (the report in {html} is unchanged): "
            f"{tail[-1][-200:] if tail else proc.returncode}"
        )
    if html.exists():
        html.replace(old)
    fresh.replace(html)
    shutil.rmtree(old, ignore_errors=True)
