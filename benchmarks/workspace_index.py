"""Workspace index speed and size on a large real package.

    python benchmarks/workspace_index.py [FOLDER]

FOLDER defaults to Django copied out of the corpus site-packages (``work/corpus-site/django``, which
the bundled-model recipe installs) into a temporary folder, as a stand-in for a big workspace. Prints
cold and warm (persisted) build times, the store's size, re-indexing one file, search latency and
the process's RSS growth.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def rss_mb() -> float:
    """This process's resident set size in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(folder: str | None) -> None:
    """Print the table."""
    scratch = Path(tempfile.mkdtemp(prefix="hoverdoc-index-bench-"))
    os.environ["HOVERDOC_CACHE_DIR"] = str(scratch / "cache")
    if folder is None:
        folder = str(shutil.copytree("work/corpus-site/django", scratch / "ws" / "django"))
        folder = str(Path(folder).parent)
    from hoverdoc.core.workspace_index import find_context
    from hoverdoc.core.workspace_scan import build_index, index_file, python_files
    from hoverdoc.core.workspace_store import WorkspaceStore

    root = Path(folder).resolve()
    store = WorkspaceStore(root)
    before = rss_mb()
    started = time.perf_counter()
    index, report = build_index(root, store=store)
    cold = time.perf_counter() - started
    grown = rss_mb() - before
    started = time.perf_counter()
    _, warm_report = build_index(root, store=store)
    warm = time.perf_counter() - started
    files = list(python_files(root))[:200]
    reindex = []
    for path in files:
        started = time.perf_counter()
        index_file(index, root, path, store=store)
        reindex.append((time.perf_counter() - started) * 1000)
    searches = []
    for entry in list(index.entries())[:500]:
        started = time.perf_counter()
        find_context(index, " ".join(entry.terms), entry.path, entry.qualname)
        searches.append((time.perf_counter() - started) * 1000)
    p95 = lambda xs: statistics.quantiles(xs, n=20)[-1]  # noqa: E731
    print(f"| {root} | value |\n| --- | ---: |")
    print(f"| files / documented definitions | {report.files_parsed} / {report.entries} |")
    print(f"| full build, cold | {cold:.2f} s |")
    print(f"| full build, warm (persisted, {warm_report.files_reused} files reused) | {warm:.2f} s |")
    print(f"| store size | {store.path.stat().st_size / 1e6:.1f} MB |")
    print(f"| re-index one file p50 / p95 | {statistics.median(reindex):.1f} / {p95(reindex):.1f} ms |")
    print(f"| search p50 / p95 | {statistics.median(searches):.2f} / {p95(searches):.2f} ms |")
    print(f"| RSS growth of the build | {grown:.0f} MB |")
    store.close()
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
