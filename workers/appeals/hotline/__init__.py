"""The 12345 hotline adapter (spec §16): work orders in, status and replies back.

Two implementations of one small interface:

- `open311.Open311Client` — the platform's Open311 GeoReport v2 API (XML or JSON) with our
  documented extensions (`extensions=true`, `updated_after`, paging, `requests/{id}/updates`);
- `spreadsheet` — the 12345 work-order export (.xlsx) in, a results sheet (.xlsx) out.

Whatever the source, a record becomes either a `WorkOrder` (which starts an appeal through the
`AppealSubmitted` message) or a `Rejected` record (which goes to the quarantine with a Chinese
reason and can be fixed and resubmitted). `sync` keeps the registry, `simulator` plays the
platform for tests and demos, `cli` holds `appeals hotline …`. Protocol: docs/hotline.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

#: The milestones pushed back to the hotline, in their order in an appeal's life.
MILESTONES = ("registered", "dispatched", "signed", "replied", "closed")


class HotlineError(RuntimeError):
    """The hotline refused a call (4xx, a bad answer, a wrong key): retrying will not help.

    `report` carries what a sync did before it stopped (a `sync.SyncReport`), when there is one.
    """

    def __init__(self, message: str, report: Any = None) -> None:
        super().__init__(message)
        self.report = report


class HotlineUnavailable(HotlineError):
    """The hotline could not be reached or kept failing (connection, timeout, 5xx) after retries."""


@dataclass(frozen=True)
class Reminder:
    """One 催单 of the hotline: the enterprise called again."""

    id: str
    at: dt.datetime | None
    text: str


@dataclass(frozen=True)
class Survey:
    """The hotline's own follow-up call (回访) with the enterprise."""

    satisfaction: str  # very_satisfied | satisfied | basically_satisfied | dissatisfied
    really_solved: str  # yes | no
    note: str
    at: dt.datetime | None


@dataclass
class WorkOrder:
    """A work order that can become an appeal; `registration` uses the process variable names."""

    order_number: str
    source: str  # open311 | xlsx
    registration: dict[str, Any]
    received_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    withdrawn: bool = False
    withdraw_reason: str | None = None
    withdrawn_at: dt.datetime | None = None
    reminders: tuple[Reminder, ...] = ()
    survey: Survey | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # the record in our field names (resubmission)
    raw: dict[str, Any] = field(default_factory=dict)  # the record as it came
    notes: list[str] = field(default_factory=list)  # what the office should know (e.g. unknown category)

    @property
    def business_key(self) -> str:
        return business_key(self.order_number)


@dataclass
class Rejected:
    """A record that cannot become an appeal: quarantined, never dropped."""

    source: str
    reason: str  # Chinese, for the office
    order_number: str | None = None
    fields: dict[str, Any] | None = None
    raw: dict[str, Any] | None = None
    raw_text: str | None = None


Intake = WorkOrder | Rejected


@dataclass(frozen=True)
class StatusUpdate:
    """What goes back to the hotline at a milestone (a snapshot: it carries the reply too)."""

    order_number: str
    milestone: str
    status: str  # open | closed (Open311)
    status_notes: str
    updated_at: dt.datetime
    token: str  # idempotency key: the platform treats a repeated token as the same update
    agency_responsible: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class OrderSource(Protocol):
    """Where work orders come from: each record as a `WorkOrder` or a `Rejected`."""

    source: str

    def records(self) -> Iterator[Intake]: ...


@runtime_checkable
class StatusSink(Protocol):
    """Where status updates go; returns the platform's id of the update."""

    def push(self, update: StatusUpdate) -> str: ...


def business_key(order_number: str) -> str:
    """The appeal's business key for a 12345 work order (docs/data-dictionary.md)."""
    return f"12345-{order_number}"


__all__ = [
    "MILESTONES",
    "HotlineError",
    "HotlineUnavailable",
    "Intake",
    "OrderSource",
    "Rejected",
    "Reminder",
    "StatusSink",
    "StatusUpdate",
    "Survey",
    "WorkOrder",
    "business_key",
]
