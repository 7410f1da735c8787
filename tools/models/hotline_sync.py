"""Layout bootstrap of bpmn/HotlineSync.bpmn: the periodic 12345 sync (spec §16, docs/hotline.md).

A timer start event (cycle `SYNC_CYCLE`) starts one short instance that pulls new and changed
work orders (external task `pullHotlineOrders`): new orders start appeals, withdrawals, 催单 and
the hotline's survey results are correlated into them, and status updates that could not be
delivered are retried. To sync more or less often, change `SYNC_CYCLE` here (or the timer in
Camunda Modeler), regenerate and deploy: the new version's timer replaces the old one.

Run `python tools/models/hotline_sync.py` to regenerate the diagram.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bpmn_builder import Process  # noqa: E402

SYNC_CYCLE = "R/PT5M"  # ISO 8601 repeating interval: every 5 minutes, forever

p = Process("HotlineSync", "12345工单同步", ttl="P180D", version_tag="1.0")
p.start("StartEvent_SyncDue", "同步时间已到", 0, 0, timer_cycle=SYNC_CYCLE)
p.external("Task_PullHotlineOrders", "拉取12345工单并同步办理状态", 1, 0, "pullHotlineOrders")
p.end("EndEvent_SyncDone", "本轮同步完成", 2, 0)
p.flow("SequenceFlow_SyncDueToPull", "StartEvent_SyncDue", "Task_PullHotlineOrders")
p.flow("SequenceFlow_PullToDone", "Task_PullHotlineOrders", "EndEvent_SyncDone")

if __name__ == "__main__":
    p.write()
