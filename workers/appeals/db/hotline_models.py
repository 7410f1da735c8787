"""Models of 12345 hotline orders and the quarantine (registered on appeals.db.Base.metadata).

- `hotline_order`: the registry — one row per work-order number, whatever the source; the same
  number never starts two appeals. Events of the hotline (withdrawal, 催单, its satisfaction
  survey) wait here until they are forwarded into the appeal (`needs_action`).
- `hotline_update`: the outbox of status updates to the hotline (one row per milestone push,
  idempotent by `token`); undelivered rows are retried on the next sync.
- `hotline_quarantine`: records that cannot be an appeal, with the reason; fixed and resubmitted
  by the office (`appeals hotline quarantine resubmit`).
- `hotline_feed`: per Open311 endpoint, the newest update time seen (the next pull starts there)
  and the health of the last run.

All times are stored in UTC. Migrations: migrations/versions/0004_hotline.py, 0013_hotline_county.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, utcnow


class HotlineOrder(Base):
    """A 12345 work order known to us, and what became of it."""

    __tablename__ = "hotline_order"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_number: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(16))  # open311 | xlsx
    origin: Mapped[str | None] = mapped_column(String(255))  # the feed or file it first came from
    # the county (tenant) whose feed or import brought it; its appeal starts there. NULL: the chart's own
    county: Mapped[str | None] = mapped_column(String(64))
    # new (appeal not started yet) | started | withdrawn_before_intake (withdrawn before we saw it)
    state: Mapped[str] = mapped_column(String(32), default="new")
    business_key: Mapped[str] = mapped_column(String(80))
    process_instance_id: Mapped[str | None] = mapped_column(String(64))
    registration: Mapped[dict[str, Any]] = mapped_column(JSON)  # the AppealSubmitted variables
    raw_payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    received_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    first_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    remote_updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    needs_action: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    start_attempts: Mapped[int] = mapped_column(Integer, default=0)
    withdraw_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawal_forwarded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reminders: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    survey: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status_pushed: Mapped[str | None] = mapped_column(String(16))  # last milestone delivered
    last_push_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    push_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class HotlineUpdate(Base):
    """One status update for the hotline (the outbox); `delivered_at` once the platform took it."""

    __tablename__ = "hotline_update"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("hotline_order.id"), index=True)
    token: Mapped[str] = mapped_column(String(160), unique=True)
    milestone: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    remote_update_id: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class HotlineQuarantine(Base):
    """A record that could not become an appeal, kept with its reason until it is fixed."""

    __tablename__ = "hotline_quarantine"
    __table_args__ = (UniqueConstraint("source", "fingerprint", name="uq_hotline_quarantine_source_fingerprint"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(16))
    origin: Mapped[str | None] = mapped_column(String(255))
    county: Mapped[str | None] = mapped_column(String(64))  # as hotline_order.county
    order_number: Mapped[str | None] = mapped_column(String(64), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    raw_record: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {"fields": …, "raw": …}
    raw_text: Mapped[str | None] = mapped_column(Text)  # what could not even be parsed
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resubmitted_as: Mapped[str | None] = mapped_column(String(80))  # the appeal's business key


class HotlineFeed(Base):
    """An Open311 endpoint: where the next pull starts, and how the last run went."""

    __tablename__ = "hotline_feed"
    feed: Mapped[str] = mapped_column(String(255), primary_key=True)
    watermark: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_run_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
