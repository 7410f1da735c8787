"""Yellow and red cards of the departments (亮牌, spec §9), kept in the ledger.

The card ladder (two consecutive yellow cards → red, two consecutive red → the principal is
interviewed) decides *when* to issue a card; it records the card here and reads a department's
history back with `cards(...)`. Cards are not in the process history, so a ledger rebuild keeps them.

Each card has its level (`LEVELS`): a county's (`county`, its department, in the county's figures) or the
city's (`city`, a city department the city carded for the county appeal it handles; only the city's
comparison counts it). `COUNTY_CARDS` is the condition a county's figures narrow the cards by.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..db.ledger_models import LedgerAppeal, LedgerCard, LedgerDepartment
from ..vocabulary import CARD_LABELS, ESCALATION_LABELS
from .department_names import own_name, record_names
from .recording import derive, utc

CARDS = LedgerCard.__table__
APPEALS = LedgerAppeal.__table__
DEPARTMENTS = LedgerDepartment.__table__
KINDS = ("yellow", "red")
KIND_LABELS = CARD_LABELS
LEVELS = ("county", "city")  # vocabulary.SupervisionLevel
COUNTY_CARDS = CARDS.c.level == "county"
"""The cards a county's figures, workbook and bulletin may count (never the city's)."""


@dataclass(frozen=True)
class Card:
    id: int
    department: str
    department_name: str
    kind: str
    issued_at: dt.datetime
    process_instance_id: str | None
    registration_number: str | None
    enterprise_name: str | None
    reason: str | None
    escalation: str | None
    source_key: str | None
    level: str = "county"

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def escalation_label(self) -> str:
        """后续措施 in Chinese ('' for none; an unknown code as it is)."""
        return ESCALATION_LABELS.get(self.escalation, self.escalation) if self.escalation else ""


def _query():
    # the unit's name as the card's appeal's county recorded it (ledger.department_names)
    own, on, name = own_name(DEPARTMENTS, CARDS.c.department, APPEALS.c.county)
    return (select(CARDS.c.id, CARDS.c.department, name.label("department_name"), CARDS.c.kind,
                   CARDS.c.issued_at, CARDS.c.process_instance_id, APPEALS.c.registration_number,
                   APPEALS.c.enterprise_name, CARDS.c.reason, CARDS.c.escalation, CARDS.c.source_key,
                   CARDS.c.level)
            .join(DEPARTMENTS, DEPARTMENTS.c.code == CARDS.c.department)
            .outerjoin(APPEALS, APPEALS.c.process_instance_id == CARDS.c.process_instance_id)
            .outerjoin(own, on))


def record_card(
    engine: Engine,
    department: str,
    kind: str,
    issued_at: dt.datetime | str | None = None,
    *,
    process_instance_id: str | None = None,
    reason: str | None = None,
    escalation: str | None = None,
    source_key: str | None = None,
    department_name: str | None = None,
    county: str | None = None,
    level: str = "county",
) -> Card:
    """Issue a card to `department` (idempotent by `source_key`: the same key returns the card
    already issued) at `level` (`LEVELS`: a county's card, or the city's). A department or appeal the
    ledger has not seen yet gets a placeholder row (of `county`, the appeal's tenant id). Raises
    ValueError for a kind or level the ledger does not know."""
    if kind not in KINDS:
        raise ValueError(f"card kind {kind!r}; one of {', '.join(KINDS)}")
    if level not in LEVELS:
        raise ValueError(f"card level {level!r}; one of {', '.join(LEVELS)}")
    when = utc(issued_at) if issued_at is not None else dt.datetime.now(dt.UTC).replace(microsecond=0)
    for _attempt in range(3):
        try:
            with engine.begin() as conn:
                if source_key is not None:
                    found = conn.execute(_query().where(CARDS.c.source_key == source_key)).first()
                    if found is not None:
                        return Card(**found._mapping)
                if conn.execute(select(DEPARTMENTS.c.code).where(DEPARTMENTS.c.code == department)).first() is None:
                    conn.execute(DEPARTMENTS.insert().values(code=department, name=department_name or department))
                record_names(conn, county, {department: department_name})
                if process_instance_id is not None and conn.execute(select(APPEALS.c.process_instance_id).where(
                        APPEALS.c.process_instance_id == process_instance_id)).first() is None:
                    stub = {"process_instance_id": process_instance_id, "county": county, "dispatch_count": 0,
                            "return_count": 0, "extension_count": 0, "follow_up_rounds": 0}
                    conn.execute(APPEALS.insert().values(**stub, **derive(stub)))
                card_id = conn.execute(CARDS.insert().values(
                    department=department, kind=kind, issued_at=when, process_instance_id=process_instance_id,
                    reason=reason, escalation=escalation, source_key=source_key,
                    level=level)).inserted_primary_key[0]
                return Card(**conn.execute(_query().where(CARDS.c.id == card_id)).one()._mapping)
        except IntegrityError:  # the same source_key issued concurrently: read it back
            if source_key is None:
                raise
    raise RuntimeError(f"could not record the card {source_key!r}")


def cards(
    engine: Engine,
    *,
    department: str | None = None,
    kind: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    process_instance_id: str | None = None,
    where: Any = None,
    level: str | None = None,
) -> list[Card]:
    """Cards in issue order, filtered by department, kind, appeal, level (`LEVELS`; None: both), a
    half-open time range and `where` (a condition on the cards, e.g. a county's:
    `ledger.counties.County.card_condition`)."""
    query = _query()
    if where is not None:
        query = query.where(where)
    if level is not None:
        query = query.where(CARDS.c.level == level)
    if department is not None:
        query = query.where(CARDS.c.department == department)
    if kind is not None:
        query = query.where(CARDS.c.kind == kind)
    if since is not None:
        query = query.where(CARDS.c.issued_at >= utc(since))
    if until is not None:
        query = query.where(CARDS.c.issued_at < utc(until))
    if process_instance_id is not None:
        query = query.where(CARDS.c.process_instance_id == process_instance_id)
    with engine.connect() as conn:
        return [Card(**row._mapping) for row in conn.execute(query.order_by(CARDS.c.issued_at, CARDS.c.id))]
