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

ORG = {"county": "某县", "office_name": "县服务企业发展领导小组办公室", "number_prefix": "某县"}
FIELDS = {
    "enterpriseName": "某县绿源茶业有限公司",
    "creditCode": "91530900MA6K7PXW3R",
    "enterpriseAddress": "某县工业园区茶产业片区8号",
    "contactName": "李建华",
    "contactPosition": "总经理",
    "contactPhone": "13908831234",
    "contactEmail": "lijh@lvyuan-tea.example.cn",
    "channel": "hotline",
    "receivedAt": "2026-11-16T09:30:00.000+0800",
    "receivedBy": "王晓燕",
    "registrationNumber": "某县服企办收（2026）第12号",
    "category": "land",
    "appealKind": "help",
    "problemDescription": "企业新建精制茶加工厂房项目已完成备案，但用地预审与选址意见书办理迟迟未有进展，影响项目开工。" * 3,
    "requestedHelp": "协调自然资源、行政审批部门加快办理用地预审与选址意见书。",
    "leadDepartmentName": "县自然资源局",
    "assistingDepartmentNames": ["县行政审批局", "县住房和城乡建设局"],
    "dispatchNumber": "某县服企办交（2026）第7号",
    "transferNumber": "某县服企办报（2026）第2号",
    "approverName": "张卫东",
    "approvalComment": "请自然资源局牵头，5个工作日内办结并答复企业。",
    "dispatchedAt": "2026-11-17T10:00:00.000+0800",
    "handlingDue": "2026-11-24T18:00:00.000+0800",
    "resultClass": "A",
    "replyText": "已于11月20日完成用地预审，选址意见书已核发，并当面答复企业。",
    "satisfaction": "satisfied",
    "followUpNote": "企业表示问题已解决。",
    "reviewExplanation": "企业诉求涉及的规划调整须报市级审批，已向企业说明并纳入督办台账。",
    "departmentHeadName": "赵国强",
    "reminderNumber": "某县服企办催（2026）第3号",
    "overdueDays": 3,
    "issuedAt": "2026-11-23",
}


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
