"""What a sync did (`SyncReport`), what a status push did (`PushResult`), and the time helpers the
registry, the drain and the outbox share."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

log = logging.getLogger("appeals.hotline")

# --------------------------------------------------------------------------- reports
@dataclass
class SyncReport:
    """What one sync, import or resubmission did."""

    source: str
    origin: str
    records: int = 0
    pages: int = 0
    new: int = 0
    known: int = 0
    updated: int = 0
    quarantined: int = 0
    quarantine_known: int = 0
    withdrawn_before_intake: int = 0
    started: int = 0
    linked: int = 0
    start_failed: int = 0
    withdrawals: int = 0
    reminders: int = 0
    surveys: int = 0
    pushes_delivered: int = 0
    pushes_failed: int = 0
    blank_rows: int = 0
    summary_rows: int = 0  # totals rows of a spreadsheet (合计：9 条), skipped
    errors: list[str] = field(default_factory=list)
    order_ids: list[int] = field(default_factory=list, repr=False)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def merge(self, other: SyncReport) -> None:
        """Add another report's counters and errors (a drain worker's) to this one."""
        for name, value in vars(other).items():
            if isinstance(value, int) and not isinstance(value, bool):
                setattr(self, name, getattr(self, name) + value)
        self.errors.extend(other.errors)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("order_ids")
        return data

    def summary(self) -> str:
        parts = [f"读取{self.records}条", f"新工单{self.new}件", f"启动诉求{self.started}件"]
        for label, value in (("关联已有诉求", self.linked), ("已知工单", self.known), ("有更新", self.updated),
                             ("隔离", self.quarantined), ("已在隔离区", self.quarantine_known),
                             ("立案前已撤回", self.withdrawn_before_intake), ("启动失败", self.start_failed),
                             ("转入撤回", self.withdrawals), ("转入催单", self.reminders),
                             ("转入回访结果", self.surveys), ("推送状态", self.pushes_delivered),
                             ("推送失败", self.pushes_failed), ("空行", self.blank_rows),
                             ("合计行", self.summary_rows)):
            if value:
                parts.append(f"{label}{value}行" if label in ("空行", "合计行") else f"{label}{value}件")
        text = "，".join(parts)
        if self.errors:
            text += "；问题：" + "；".join(self.errors[:5])
        return text


@dataclass
class PushResult:
    """The outcome of `push_status`: delivered now, or waiting in the outbox for the next sync."""

    delivered: bool
    pending: int = 0
    skipped: bool = False
    note: str = ""


# --------------------------------------------------------------------------- time helpers
def to_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """An aware time in UTC (None stays None)."""
    return moment.astimezone(dt.UTC) if moment else None


def stored_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored time as aware UTC (SQLite gives naive UTC back)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
