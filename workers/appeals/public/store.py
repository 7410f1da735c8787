"""The public pages' own records in the application database: submissions and used survey links."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..db import utcnow
from ..db.public_models import OnlineSubmission, SurveyAnswer

STALE_PENDING = dt.timedelta(minutes=5)  # a submission left pending by a crash may be retried after this


def new_token() -> str:
    """A receipt token: 16 upper-case hex digits (64 random bits), easy to read out on the phone."""
    return secrets.token_hex(8).upper()


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a form submission: `new`/`retry` (go on), `started` or `busy`."""

    state: str
    id: int | None = None
    token: str | None = None
    business_key: str | None = None
    process_instance_id: str | None = None


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
