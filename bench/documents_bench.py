"""Micro-benchmark of appeals.documents: render N documents of each kind in one process, one thread.

    .venv/bin/python bench/documents_bench.py [-n 200] [--kind dispatch] [--pin]

Prints documents/second per kind and over all kinds (wall time of render_document, which includes
building the document and zipping the .docx), plus the one-off cost of the first render (the base
document is built once per process and cached).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

try:
    import appeals  # noqa: F401
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workers"))

from appeals.documents import KINDS, render_document  # noqa: E402
from appeals.documents.sample import SAMPLE_APPEAL, SAMPLE_ORG  # noqa: E402

ORG = SAMPLE_ORG
# a long description, as real appeals have
FIELDS = {**SAMPLE_APPEAL, "problemDescription": SAMPLE_APPEAL["problemDescription"] * 3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="documents per kind (default 200)")
    parser.add_argument("--kind", choices=list(KINDS), action="append", help="only these kinds")
    parser.add_argument("--pin", action="store_true", help="pin the process to one CPU (Linux)")
    args = parser.parse_args()
    kinds = args.kind or list(KINDS)
    if args.pin and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    start = time.perf_counter()
    render_document("registration", FIELDS, org=ORG)
    first = time.perf_counter() - start
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs visible; "
          f"single process, single thread; n={args.n} per kind")
    print(f"first render (builds the cached base document): {first * 1000:.1f} ms")
    print(f"{'kind':<24}{'docs/s':>9}{'ms/doc':>9}{'median':>9}{'KB':>7}")
    total_docs, total_time = 0, 0.0
    for kind in kinds:
        render_document(kind, FIELDS, org=ORG)  # warm-up
        times = []
        size = 0
        for _ in range(args.n):
            t0 = time.perf_counter()
            doc = render_document(kind, FIELDS, org=ORG)
            times.append(time.perf_counter() - t0)
            size = len(doc.content)
        elapsed = sum(times)
        total_docs += args.n
        total_time += elapsed
        print(f"{kind:<24}{args.n / elapsed:>9.1f}{elapsed / args.n * 1000:>9.2f}"
              f"{statistics.median(times) * 1000:>9.2f}{size / 1024:>7.1f}")
    print(f"{'all kinds':<24}{total_docs / total_time:>9.1f}{total_time / total_docs * 1000:>9.2f}")


if __name__ == "__main__":
    main()
