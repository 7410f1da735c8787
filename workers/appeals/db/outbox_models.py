"""Models of the notification outbox (registered on appeals.db.Base.metadata)."""

from __future__ import annotations
