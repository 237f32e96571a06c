"""Fetch the scripts and styles asv's pages load from CDNs, from the npm registry,
into ``src/cascade_bench/report/vendor/`` (committed: the published site works
offline, and a build needs no network).

    python envtools/vendor_report_assets.py          # verify and (re)write the files
    python envtools/vendor_report_assets.py --check  # verify what is committed

Each package is pinned with the registry's sha512 ``integrity``; ``ASSETS`` maps
asv 0.6.6's CDN address of a file to the package file that replaces it. asv loads
stupidtable 1.0.1 from cdnjs; npm has the same plugin as stupid-table-plugin from
1.1.3 on (same API).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "src" / "cascade_bench" / "report" / "vendor"
REGISTRY = "https://registry.npmjs.org"

# package@version: sha512 integrity, as the registry publishes it (dist.integrity).
PACKAGES = {
    "jquery@3.3.1": "sha512-Ubldcmxp5np52/ENotGxlLe6aGMvmF4R8S6tZjsP6Knsaxd/xp3Zrh50cG93lR6nPXyUFwzN3ZSOQI0wRJNdGg==",  # noqa: E501
    "flot@0.8.3": "sha512-xg2otcTJDvS+ERK+my4wxG/ASq90QURXtoM4LhacCq0jQW2jbyjdttbRNqU2cPykrpMvJ6b2uSp6SAgYAzj9tQ==",  # noqa: E501
    "flot-orderbars@1.0.0": "sha512-Jv51fvzevUjNXEeozpwEKfPjhiZhfiJddv0WHjduUTCmSF+7T5K7C9c9Y1wIVmUhDBv5fLMjgbwKecT0GIKPZA==",  # noqa: E501
    "stupid-table-plugin@1.1.3": "sha512-2Vk7XouQPxUQPRe9w0Fu7ZZ8kHLK7rDoLMsCgtKxRNJ7f4dSOGvW9CkHsq5wD6QsaEnWoyLBYH3xOEsrK3yWBg==",  # noqa: E501
    "blueimp-md5@2.19.0": "sha512-DRQrD6gJyy8FbiE4s+bDoXS9hiW3Vbx5uCdwvcCf3zLHL+Iv7LtGHLpr+GZV8rHG8tK766FGYBwRbu8pELTt+w==",  # noqa: E501
    "bootstrap@3.1.1": "sha512-TAzqS8E/ISpVHP29gYhy+1NSV+FJwApDVQhDfgLYsIuUDJiqJzH2DfORN5tiu+Ie2iBLrzEG34t4Rf465cigqg==",  # noqa: E501
}

# asv's CDN address -> (package, file inside its tarball).
ASSETS = {
    "https://code.jquery.com/jquery-3.3.1.min.js": ("jquery@3.3.1", "dist/jquery.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.min.js":
        ("flot@0.8.3", "jquery.flot.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.time.min.js":
        ("flot@0.8.3", "jquery.flot.time.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.selection.min.js":
        ("flot@0.8.3", "jquery.flot.selection.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/flot/0.8.3/jquery.flot.categories.min.js":
        ("flot@0.8.3", "jquery.flot.categories.js"),
    "https://cdn.jsdelivr.net/npm/flot-orderbars@1.0.0/js/jquery.flot.orderBars.js":
        ("flot-orderbars@1.0.0", "js/jquery.flot.orderBars.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/stupidtable/1.0.1/stupidtable.min.js":
        ("stupid-table-plugin@1.1.3", "stupidtable.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/blueimp-md5/2.19.0/js/md5.min.js":
        ("blueimp-md5@2.19.0", "js/md5.min.js"),
    "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/js/bootstrap.min.js":
        ("bootstrap@3.1.1", "dist/js/bootstrap.min.js"),
    "https://cdn.jsdelivr.net/npm/bootstrap@3.1.1/dist/css/bootstrap.min.css":
        ("bootstrap@3.1.1", "dist/css/bootstrap.min.css"),
}  # fmt: skip


def local_name(url: str) -> str:
    """The vendored file's name: the package and its file, flattened."""
    package, member = ASSETS[url]
    return f"{package.split('@')[0]}-{Path(member).name}"


def _tarball(package: str) -> bytes:
    name, version = package.rsplit("@", 1)
    url = f"{REGISTRY}/{name}/-/{name.split('/')[-1]}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=60) as resp:
        data = resp.read()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != PACKAGES[package]:
        raise SystemExit(f"{package}: integrity {digest} is not the pinned {PACKAGES[package]}")
    return data


def fetch() -> dict[str, bytes]:
    files, tarballs = {}, {}
    for url, (package, member) in ASSETS.items():
        if package not in tarballs:
            tarballs[package] = tarfile.open(fileobj=io.BytesIO(_tarball(package)))
        member_file = tarballs[package].extractfile(f"package/{member}")
        if member_file is None:
            raise SystemExit(f"{package}: no {member} in its tarball")
        files[local_name(url)] = member_file.read()
    return files


def main(argv: list[str]) -> int:
    files = fetch()
    manifest = {url: local_name(url) for url in ASSETS}
    if argv[:1] == ["--check"]:
        stale = [n for n, data in files.items() if (VENDOR / n).read_bytes() != data]
        print("vendored assets match the registry" if not stale else f"stale: {stale}")
        return 1 if stale else 0
    VENDOR.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (VENDOR / name).write_bytes(data)
    (VENDOR / "assets.json").write_text(json.dumps(
        {"packages": PACKAGES, "replaces": manifest}, indent=2) + "\n")  # fmt: skip
    print(f"wrote {len(files)} files to {VENDOR}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
