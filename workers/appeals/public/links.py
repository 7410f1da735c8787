"""Signed links of the satisfaction survey (spec §12): one link per appeal and follow-up round.

The token carries the process instance id and the follow-up round, signed with
APPEALS_PUBLIC_SECRET (itsdangerous, HMAC-SHA1 over a timestamped payload; the payload is readable,
not secret: it holds no personal data). It expires after 30 days by default.

The round is the number of the follow-up: 1 for the first 回访, 2 after a rework, and so on; while
the appeal waits at Task_FollowUp it is `len(followUpHistory) + 1` (see `follow_up_round`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..settings import require_secret

SALT = "appeals.public.survey"
DEFAULT_MAX_AGE_DAYS = 30


class SurveyTokenError(ValueError):
    """The link is not one of ours, was changed, or has expired (`expired`)."""

    def __init__(self, message: str, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True)
class SurveyToken:
    process_instance_id: str
    round: int


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def make_survey_token(process_instance_id: str, round: int, secret: str) -> str:
    if not process_instance_id or round < 1:
        raise ValueError("a survey token needs a process instance id and a round >= 1")
    return _serializer(require_secret(secret)).dumps({"p": process_instance_id, "r": int(round)})


def read_survey_token(token: str, secret: str, max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> SurveyToken:
    """The instance and round of a survey link; SurveyTokenError if forged, changed or expired."""
    if not token or len(token) > 512:
        raise SurveyTokenError("malformed")
    try:
        data = _serializer(secret).loads(token, max_age=max_age_days * 86400)
    except SignatureExpired:
        raise SurveyTokenError("expired", expired=True) from None
    except BadSignature:
        raise SurveyTokenError("bad signature") from None
    if not isinstance(data, dict):
        raise SurveyTokenError("bad payload")
    pid, rnd = data.get("p"), data.get("r")
    if not isinstance(pid, str) or not pid or not isinstance(rnd, int) or isinstance(rnd, bool) or rnd < 1:
        raise SurveyTokenError("bad payload")
    return SurveyToken(pid, rnd)


def survey_link(process_instance_id: str, round: int, base_url: str, *, secret: str | None) -> str:
    """The link sent with the follow-up notification, e.g. https://…/survey/<token>.

    `round` is the follow-up round the link answers (`follow_up_round(variables)` while the appeal
    waits at Task_FollowUp). `secret`: the settings' `public.secret` (APPEALS_PUBLIC_SECRET); None or too
    short raises the error of `require_secret`.
    """
    secret = require_secret(secret)
    return f"{base_url.rstrip('/')}/survey/{make_survey_token(process_instance_id, round, secret)}"


def follow_up_round(variables: Mapping[str, Any]) -> int:
    """The round of the follow-up now open: one more than the follow-ups recorded so far."""
    history = variables.get("followUpHistory") or []
    return len(history) + 1 if isinstance(history, list) else 1
