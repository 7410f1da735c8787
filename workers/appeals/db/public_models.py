"""Models of public channels: online submissions and survey tokens (registered on appeals.db.Base.metadata)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, utcnow


class OnlineSubmission(Base):
    """One submission of the online questionnaire (channel `online`, spec §3).

    `token` is the receipt token shown to the enterprise, the appeal's business key is
    `WEB-<token>`. `form_nonce_hash` (SHA-256 of a value in the form) makes a double tap or a
    reload start no second appeal. `client_ip_hash` is an HMAC of the client address with the
    app's secret: abuse can be traced without storing the address. No field of the form is stored
    here; the appeal's data lives in the engine, and in `OnlineDelivery` only until the engine has
    it. `status`: pending (being submitted), queued (kept, the engine could not take it yet),
    started (the appeal runs), failed (left by an older version; retried like queued).
    """

    __tablename__ = "online_submission"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    business_key: Mapped[str] = mapped_column(String(64), unique=True)
    form_nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, queued, started, failed
    process_instance_id: Mapped[str | None] = mapped_column(String(64))
    client_ip_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class SurveyAnswer(Base):
    """A survey link that was used: one answer per appeal and follow-up round (spec §12).

    The answer itself goes to the engine (message `SurveyAnswered`); this row only makes the
    link single-use. `status` is `pending` while the message is being correlated.
    """

    __tablename__ = "survey_answer"
    __table_args__ = (
        UniqueConstraint("process_instance_id", "follow_up_round", name="uq_survey_answer_instance_round"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    process_instance_id: Mapped[str] = mapped_column(String(64))
    follow_up_round: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, answered
    answered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OnlineDelivery(Base):
    """What an enterprise submitted online, kept until the engine has started its appeal.

    The page writes this row before it calls the engine, so a submission survives the engine
    being down or refusing: the enterprise gets its receipt at once and
    `appeals.public.delivery` delivers the row when the engine takes it, idempotently by
    `business_key` (an appeal with that key is looked up before one is started). `variables` is
    the JSON of the process variables; it is cleared once delivered (the data then lives in the
    engine only). `leased_until` keeps two deliverers from sending one row at the same time.
    """

    __tablename__ = "online_delivery"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(Integer, ForeignKey("online_submission.id"), unique=True)
    business_key: Mapped[str] = mapped_column(String(64), unique=True)
    variables: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    leased_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
