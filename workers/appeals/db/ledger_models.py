"""Models of the reporting ledger (issue: ledger and bulletin) (registered on appeals.db.Base.metadata)."""

from __future__ import annotations
