"""The application database's own tables and the declarative base every capability's models use:
number sequences, the org snapshot, the imported calendar."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class NumberSequence(Base):
    """The last serial issued per year and number type (收 / 交 / 报)."""

    __tablename__ = "number_sequence"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(96), primary_key=True)  # numbering.series_kind (0007: 32, 0015: 96)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class IssuedNumber(Base):
    """A number given to one appeal; the same appeal never gets a second number of a kind."""

    __tablename__ = "issued_number"
    __table_args__ = (
        UniqueConstraint("kind", "owner_key", name="uq_issued_number_kind_owner"),
        UniqueConstraint("kind", "year", "serial", name="uq_issued_number_kind_year_serial"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(96))  # numbering.series_kind (0007: 32, 0015: 96)
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(64))
    owner_key: Mapped[str] = mapped_column(String(128))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OrgSnapshot(Base):
    """The org chart as last synced into Camunda; workers read who oversees whom from it."""

    __tablename__ = "org_snapshot"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    synced_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)


class CalendarDay(Base):
    """One day of an imported holiday schedule (spec §17): a holiday or a make-up working day (调休).

    Overrides chinesecalendar for that day; see `appeals.workdays` and docs/calendar.md.
    """

    __tablename__ = "calendar_day"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(255))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CalendarYear(Base):
    """A year an override file touched; `complete` when the file declared the whole official schedule."""

    __tablename__ = "calendar_year"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    notice: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(255))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
