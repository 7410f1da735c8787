"""Models of the reporting ledger (问题台账, spec §13–§14), registered on appeals.db.Base.metadata.

One row per appeal (`ledger_appeal`, keyed by its process instance id), one per follow-up round
(`ledger_follow_up`), the enterprises and departments they name, and the yellow/red cards of the
departments (`ledger_card`). The ledger is kept in step by `appeals.ledger.record_milestone` (called
by the milestone handlers) and can be rebuilt from the engine's history
(`appeals.ledger.rebuild_from_history`); the report figures (docs/figures.md) are SQL aggregates
over it.

Times are stored in UTC (`UtcDateTime`): PostgreSQL keeps `timestamptz`, SQLite keeps the UTC wall
time as text, so range comparisons work the same on both; values come back as aware UTC datetimes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class UtcDateTime(TypeDecorator):
    """An aware datetime stored as UTC; naive values read back (SQLite) are UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the ledger stores aware times only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class LedgerDepartment(Base):
    """A unit appeals are dispatched to (org chart group id `dept-…`, or `city-center`)."""

    __tablename__ = "ledger_department"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))


class LedgerDepartmentName(Base):
    """A county's own name of a unit. Departments of two counties share a group id (`dept-industry`: 县工信局
    in 某县, 乙县工业局 in 乙县), so `ledger_department.name` is only the name last recorded by any county;
    this keeps each county's (the tenant id of `ledger_appeal.county`), as its appeals recorded it."""

    __tablename__ = "ledger_department_name"
    code: Mapped[str] = mapped_column(String(64), ForeignKey("ledger_department.code"), primary_key=True)
    county: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))


class LedgerEnterprise(Base):
    """An enterprise, by its unified social credit code (统一社会信用代码)."""

    __tablename__ = "ledger_enterprise"
    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(200))


class LedgerAppeal(Base):
    """One appeal as the reports see it: who, what, where it went, the milestone times, deadlines,
    result, satisfaction and on-time flags (docs/figures.md defines how each is used)."""

    __tablename__ = "ledger_appeal"
    __table_args__ = (
        # response rate: appeals dispatched in a period (covering: no table lookups)
        Index("ix_ledger_appeal_dispatched", "dispatched_at", "handler_group", "signed_at", "sign_due",
              "responded_on_time", "county"),
        # on-time and resolution rates (first result in a period, covering) and the overdue list
        # (no result yet, or a result after the cut-off, and the deadline before it)
        Index("ix_ledger_appeal_result_due", "first_result_reported_at", "handling_due", "handler_group",
              "handled_on_time", "result_class", "county"),
        # counts by category, channel and status: appeals received in a period
        Index("ix_ledger_appeal_received", "received_at"),
        # appeals closed in a period
        Index("ix_ledger_appeal_closed", "closed_at"),
    )

    process_instance_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # whose appeal: the county's Camunda tenant id (`mouxian`, `yixian`; docs/city-level.md), from the
    # instance's tenant, else the chart's own county; None only in a deployment whose chart names no tenants
    county: Mapped[str | None] = mapped_column(String(64))
    business_key: Mapped[str | None] = mapped_column(String(128))
    registration_number: Mapped[str | None] = mapped_column(String(64), index=True)
    external_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(16))
    # what the category suggestion proposed at registration (issue 16); `category` is what the office chose
    suggested_category: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str | None] = mapped_column(String(16))
    # the enterprise (as registered; its row in ledger_enterprise holds the latest name)
    credit_code: Mapped[str | None] = mapped_column(
        String(18), ForeignKey("ledger_enterprise.credit_code"), index=True)
    enterprise_name: Mapped[str | None] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    problem_description: Mapped[str | None] = mapped_column(Text)
    requested_help: Mapped[str | None] = mapped_column(Text)
    # dispatch (the latest round)
    lead_department: Mapped[str | None] = mapped_column(String(64), ForeignKey("ledger_department.code"))
    handler_group: Mapped[str | None] = mapped_column(String(64), ForeignKey("ledger_department.code"))
    assisting_departments: Mapped[list[str] | None] = mapped_column(JSON)
    assisting_department_names: Mapped[str | None] = mapped_column(String(500))
    dispatch_situation: Mapped[str | None] = mapped_column(String(16))
    dispatch_number: Mapped[str | None] = mapped_column(String(64))
    transfer_number: Mapped[str | None] = mapped_column(String(64))
    dispatch_count: Mapped[int] = mapped_column(Integer, default=0)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    last_return_reason: Mapped[str | None] = mapped_column(Text)
    handler_name: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(32))
    # milestones
    received_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    registered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    signed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    first_result_reported_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    result_reported_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    followed_up_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # deadlines
    sign_due: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    handling_due: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    # result and follow-up
    result_class: Mapped[str | None] = mapped_column(String(1))
    reply_text: Mapped[str | None] = mapped_column(Text)
    reply_method: Mapped[str | None] = mapped_column(String(16))
    last_satisfaction: Mapped[str | None] = mapped_column(String(24))
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    follow_up_rounds: Mapped[int] = mapped_column(Integer, default=0)
    follow_up_outcome: Mapped[str | None] = mapped_column(String(16))
    handling_round: Mapped[int | None] = mapped_column(Integer)
    close_reason: Mapped[str | None] = mapped_column(String(32))
    # closed as `merged` (a duplicate, issue 16): the registration number of the appeal that goes on
    merged_into: Mapped[str | None] = mapped_column(String(64))
    # on-time flags (None: not yet decided)
    responded_on_time: Mapped[bool | None] = mapped_column(Boolean)
    handled_on_time: Mapped[bool | None] = mapped_column(Boolean)


class LedgerFollowUp(Base):
    """One follow-up (回访) of an appeal: the rounds of its `followUpHistory`, numbered from 1."""

    __tablename__ = "ledger_follow_up"
    # satisfaction rate: follow-ups in a period (covering)
    __table_args__ = (Index("ix_ledger_follow_up_at", "at", "process_instance_id", "satisfaction"),)
    process_instance_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("ledger_appeal.process_instance_id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    handling_round: Mapped[int | None] = mapped_column(Integer)
    satisfaction: Mapped[str | None] = mapped_column(String(24))
    really_solved: Mapped[bool | None] = mapped_column(Boolean)
    method: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class LedgerCard(Base):
    """A yellow or red card (亮牌, spec §9) issued to a department, usually for one appeal.

    `source_key` makes issuing idempotent (e.g. the timer job or external task that issued it);
    `escalation` names what follows (e.g. `deputy_interview` 约谈分管负责人,
    `principal_interview` 约谈主要负责人), as the card ladder decides. `level` says whose card it is:
    `county` (a county's department, in the county's figures) or `city` (a city department carded by
    the city for the county appeal it handles, `process_instance_id`; only the city's comparison counts
    it; migration 0014)."""

    __tablename__ = "ledger_card"
    __table_args__ = (
        CheckConstraint("kind IN ('yellow', 'red')", name="kind"),
        CheckConstraint("level IN ('county', 'city')", name="level"),
        Index("ix_ledger_card_department_issued", "department", "issued_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    department: Mapped[str] = mapped_column(String(64), ForeignKey("ledger_department.code"))
    process_instance_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("ledger_appeal.process_instance_id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    issued_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    escalation: Mapped[str | None] = mapped_column(String(32))
    source_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    level: Mapped[str] = mapped_column(String(8), default="county", server_default="county")
