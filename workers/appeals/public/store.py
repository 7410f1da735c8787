"""The public pages' own records in the application database: submissions and used survey links."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..db import utcnow
from ..db.public_models import OnlineDelivery, OnlineSubmission, SurveyAnswer

STALE_PENDING = dt.timedelta(minutes=5)  # a submission left pending by a crash may be retried after this
DELIVERY_LEASE = dt.timedelta(minutes=2)  # one deliverer owns a kept submission this long
FIRST_RETRY_SECONDS = 5.0
MAX_RETRY_SECONDS = 300.0


def new_token() -> str:
    """A receipt token: 16 upper-case hex digits (64 random bits), easy to read out on the phone."""
    return secrets.token_hex(8).upper()


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a form submission: `new`/`retry` (go on), `started`, `queued` (kept,
    waiting for the engine) or `busy`."""

    state: str
    id: int | None = None
    token: str | None = None
    business_key: str | None = None
    process_instance_id: str | None = None


@dataclass(frozen=True)
class Delivery:
    """A kept submission leased for one delivery attempt."""

    id: int
    submission_id: int
    business_key: str
    variables: dict[str, Any]
    attempts: int


class Store:
    def __init__(self, engine: Engine, secret: str) -> None:
        self.engine = engine
        self._pepper = hashlib.sha256(("appeals.public.ip:" + secret).encode()).digest()

    def ip_hash(self, address: str | None) -> str:
        return hmac.new(self._pepper, (address or "").encode(), hashlib.sha256).hexdigest()

    # --- online submissions -------------------------------------------------------------------
    def claim_submission(self, nonce: str, client_ip: str | None) -> Claim:
        """Reserve a receipt token for the form with this nonce (one appeal per form, also on retry)."""
        nonce_hash = hashlib.sha256(nonce.encode()).hexdigest()
        for _attempt in range(3):
            token = new_token()
            try:
                with self.engine.begin() as conn:
                    new_id = conn.execute(insert(OnlineSubmission).values(
                        token=token, business_key=f"WEB-{token}", form_nonce_hash=nonce_hash, status="pending",
                        client_ip_hash=self.ip_hash(client_ip), created_at=utcnow(),
                    ).returning(OnlineSubmission.id)).scalar_one()
                return Claim("new", new_id, token, f"WEB-{token}")
            except IntegrityError:
                pass
            with self.engine.begin() as conn:
                row = conn.execute(select(OnlineSubmission).where(
                    OnlineSubmission.form_nonce_hash == nonce_hash)).one_or_none()
                if row is None:
                    continue  # the random token collided: draw another
                if row.status == "started":
                    return Claim("started", row.id, row.token, row.business_key, row.process_instance_id)
                if row.status == "queued":
                    return Claim("queued", row.id, row.token, row.business_key)
                stale = utcnow() - STALE_PENDING
                taken = conn.execute(update(OnlineSubmission).where(
                    OnlineSubmission.id == row.id,
                    (OnlineSubmission.status == "failed")
                    | ((OnlineSubmission.status == "pending") & (OnlineSubmission.created_at < stale)),
                ).values(status="pending", created_at=utcnow())).rowcount
                if taken == 1:
                    return Claim("retry", row.id, row.token, row.business_key)
                return Claim("busy", row.id)
        return Claim("busy")

    def submission_started(self, claim: Claim, process_instance_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(OnlineSubmission).where(OnlineSubmission.id == claim.id).values(
                status="started", process_instance_id=process_instance_id, started_at=utcnow()))

    def submission_failed(self, claim: Claim) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(OnlineSubmission).where(OnlineSubmission.id == claim.id).values(status="failed"))

    # --- kept submissions (delivered by appeals.public.delivery) ---------------------------------
    def keep_submission(self, claim: Claim, variables: Mapping[str, Any]) -> Delivery:
        """Keep what was submitted before the engine is called; returns it leased to the caller."""
        payload = json.dumps(dict(variables), ensure_ascii=False)
        now = utcnow()
        with self.engine.begin() as conn:
            row = conn.execute(select(OnlineDelivery).where(OnlineDelivery.submission_id == claim.id)).one_or_none()
            if row is None:
                delivery_id = conn.execute(insert(OnlineDelivery).values(
                    submission_id=claim.id, business_key=claim.business_key, variables=payload, attempts=0,
                    next_attempt_at=now, leased_until=now + DELIVERY_LEASE, created_at=now,
                ).returning(OnlineDelivery.id)).scalar_one()
                attempts = 0
            else:
                delivery_id, attempts = row.id, row.attempts
                conn.execute(update(OnlineDelivery).where(OnlineDelivery.id == row.id).values(
                    variables=payload, leased_until=now + DELIVERY_LEASE))
            conn.execute(update(OnlineSubmission).where(OnlineSubmission.id == claim.id).values(status="queued"))
        return Delivery(delivery_id, claim.id, claim.business_key or "", dict(variables), attempts)

    def lease_due(self, limit: int = 20) -> list[Delivery]:
        """Kept submissions whose next attempt is due and that no other deliverer holds, leased."""
        now = utcnow()
        free = OnlineDelivery.leased_until.is_(None) | (OnlineDelivery.leased_until < now)
        with self.engine.connect() as conn:
            rows = conn.execute(select(OnlineDelivery).where(
                OnlineDelivery.delivered_at.is_(None), OnlineDelivery.next_attempt_at <= now, free,
            ).order_by(OnlineDelivery.next_attempt_at).limit(limit)).all()
        leased = []
        for row in rows:
            with self.engine.begin() as conn:
                taken = conn.execute(update(OnlineDelivery).where(OnlineDelivery.id == row.id, free).values(
                    leased_until=now + DELIVERY_LEASE)).rowcount
            if taken == 1:
                leased.append(Delivery(row.id, row.submission_id, row.business_key, json.loads(row.variables or "{}"),
                                       row.attempts))
        return leased

    def delivered(self, delivery: Delivery, process_instance_id: str) -> None:
        """The engine has the appeal: the submission is started, the kept copy is dropped."""
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(update(OnlineDelivery).where(OnlineDelivery.id == delivery.id).values(
                variables=None, delivered_at=now, leased_until=None, last_error=None))
            conn.execute(update(OnlineSubmission).where(OnlineSubmission.id == delivery.submission_id).values(
                status="started", process_instance_id=process_instance_id, started_at=now))

    def delivery_failed(self, delivery: Delivery, error: str) -> dt.datetime:
        """Count the attempt and set the next one (5 s, doubling, at most 5 min); returns when."""
        attempts = delivery.attempts + 1
        wait = min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), MAX_RETRY_SECONDS)
        next_at = utcnow() + dt.timedelta(seconds=wait)
        with self.engine.begin() as conn:
            conn.execute(update(OnlineDelivery).where(OnlineDelivery.id == delivery.id).values(
                attempts=attempts, last_error=error[:500], next_attempt_at=next_at, leased_until=None))
        return next_at

    def kept_variables(self, business_key: str) -> dict[str, Any] | None:
        """The variables of a submission still waiting for the engine, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(OnlineDelivery.variables).where(
                OnlineDelivery.business_key == business_key, OnlineDelivery.delivered_at.is_(None))).first()
        return json.loads(row.variables) if row and row.variables else None

    def submission(self, token: str) -> OnlineSubmission | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(OnlineSubmission).where(OnlineSubmission.token == token)).one_or_none()
        return row

    # --- survey answers -----------------------------------------------------------------------
    def survey_used(self, process_instance_id: str, round: int) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(SurveyAnswer.id).where(
                SurveyAnswer.process_instance_id == process_instance_id,
                SurveyAnswer.follow_up_round == round)).first() is not None

    def claim_survey(self, process_instance_id: str, round: int) -> bool:
        """Reserve the one answer of this round; False if it was given (or is being given)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(SurveyAnswer).values(
                    process_instance_id=process_instance_id, follow_up_round=round, status="pending",
                    answered_at=utcnow()))
            return True
        except IntegrityError:
            return False

    def survey_answered(self, process_instance_id: str, round: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(SurveyAnswer).where(
                SurveyAnswer.process_instance_id == process_instance_id, SurveyAnswer.follow_up_round == round,
            ).values(status="answered", answered_at=utcnow()))

    def release_survey(self, process_instance_id: str, round: int) -> None:
        """The answer did not reach the engine: free the round for another try."""
        with self.engine.begin() as conn:
            conn.execute(delete(SurveyAnswer).where(
                SurveyAnswer.process_instance_id == process_instance_id, SurveyAnswer.follow_up_round == round,
                SurveyAnswer.status == "pending"))
