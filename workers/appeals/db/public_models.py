"""Models of public channels: online submissions and survey tokens (registered on appeals.db.Base.metadata)."""

from __future__ import annotations
