"""Models of 12345 hotline orders and the quarantine (registered on appeals.db.Base.metadata)."""

from __future__ import annotations
