"""Each county's own name of a unit in the ledger (`ledger_department_name`, migration 0016).

Departments of two counties share a group id (`dept-industry`: 县工信局 in 某县, 乙县工业局 in 乙县);
`ledger_department.name` is the name last recorded by any county. A query that shows a unit of an appeal
reads the name its county recorded:

    own, on, name = own_name(DEPARTMENTS, A.c.handler_group, A.c.county)
    select(..., name).select_from(A.outerjoin(DEPARTMENTS, ...).outerjoin(own, on))

`name` is the county's name, else the ledger's (rows without a county, units no appeal of the county
named yet). A county's documents still prefer the chart's names of its units (`County.department_name`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection

from ..db.ledger_models import LedgerDepartmentName

NAMES = LedgerDepartmentName.__table__


def own_name(departments: Any, code: Any, county: Any) -> tuple[Any, Any, Any]:
    """(an alias of the per-county names, its join condition on `code` and `county`, the name expression:
    the county's name, else `departments.c.name`)."""
    own = NAMES.alias()
    return own, and_(own.c.code == code, own.c.county == county), func.coalesce(own.c.name, departments.c.name)


def names_of(conn: Connection, county: str | None) -> dict[str, str]:
    """code → `county`'s own name of each unit its appeals recorded (empty for None)."""
    if county is None:
        return {}
    return dict(conn.execute(select(NAMES.c.code, NAMES.c.name).where(NAMES.c.county == county)).all())


def record_names(conn: Connection, county: str | None, names: Mapping[str, str | None]) -> None:
    """Keep `county`'s names of units (code → name; empty names and a None county change nothing). The unit
    must exist in `ledger_department` (foreign key)."""
    names = {code: name for code, name in names.items() if code and name}
    if county is None or not names:
        return
    existing = names_of(conn, county)
    for code, name in names.items():
        if code not in existing:
            conn.execute(NAMES.insert().values(code=code, county=county, name=name))
        elif existing[code] != name:
            conn.execute(NAMES.update().where(NAMES.c.code == code, NAMES.c.county == county).values(name=name))
