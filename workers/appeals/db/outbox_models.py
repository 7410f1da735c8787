"""Models of the notification outbox (registered on appeals.db.Base.metadata).

One row per message: the key is derived from the external task's activity instance, the event, the
channel and the recipient, so a redelivered task finds its messages and sends none twice. A delivery
takes the row from `pending`/`failed` to `sending` in one conditional UPDATE (its claim, until
`claimed_until`), so two deliveries of the same key running at once never both send
(appeals.notify.deliver, docs/notifications.md).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, utcnow


class OutboxMessage(Base):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    process_instance_id: Mapped[str | None] = mapped_column(String(64), index=True)
    event: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))  # email | sms | webhook
    recipient: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    # pending | sending | sent | failed | undelivered
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(64))  # the delivery sending it now (host:pid:random)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # its claim lapses then
