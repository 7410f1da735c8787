"""Whose figures: one county's appeals in the ledger (issue 19, docs/city-level.md 'Figures at both levels').

    County.of(chart, "yixian") -> County      (chart: the synced org chart; None: the chart's own county)

Every ledger row records its county (`ledger_appeal.county`, the county's Camunda tenant id). A county's
figures, workbook, bulletin and dashboard count only the rows of its tenant; the chart's own county (the
top of the chart) also counts the rows without a county (recorded by a deployment whose chart named no
tenants). A chart without tenants makes a county that narrows nothing: one county, every row, as before.

A department group id two counties share (`dept-industry`) is one code in the ledger; its name on a
county's documents is the county's own (乙县工业局), from the county's chart (`department_names`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select

from ..db.ledger_models import LedgerAppeal, LedgerCard
from .cards import COUNTY_CARDS

if TYPE_CHECKING:
    from ..org import OrgChart

A = LedgerAppeal.__table__
CARDS = LedgerCard.__table__


@dataclass(frozen=True)
class County:
    """One county's share of the ledger.

    `tenant`: its tenant id (None: a chart without tenants, every row); `home`: the chart's own county
    (also the rows without a county, and the cards of no appeal); `name`: 某县; `department_names`:
    group id → the county's name of that unit (overrides the ledger's names)."""

    tenant: str | None
    name: str
    home: bool = True
    department_names: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, chart: OrgChart, tenant: str | None = None) -> County:
        """The county of `chart` whose tenant is `tenant` (None: the chart's own county). Raises
        LookupError for a tenant the chart names no county for (the city's tenant included: the city has
        no ledger of its own, its figures are the comparison of `ledger.city`)."""
        if tenant is not None and chart.city_tenant and tenant == chart.city_tenant:
            raise LookupError(f"'{tenant}' is the city's tenant: the city's figures are `appeals city-report`")
        county = chart.for_tenant(tenant)
        names = {g.id: g.name for g in county.groups if g.name}
        return cls(county.tenant, county.county, home=county.tenant == chart.tenant, department_names=names)

    def condition(self) -> Any:
        """The ledger rows of this county (None: every row)."""
        if self.tenant is None:
            return None
        mine = A.c.county == self.tenant
        return or_(mine, A.c.county.is_(None)) if self.home else mine

    def card_condition(self) -> Any:
        """The cards of this county: its own (level `county`, never the city's cards of its transferred
        appeals) of its appeals, and for the home county those of no appeal. Without tenants, every
        county card."""
        condition = self.condition()
        if condition is None:
            return COUNTY_CARDS
        of_appeals = CARDS.c.process_instance_id.in_(select(A.c.process_instance_id).where(condition))
        return and_(COUNTY_CARDS, or_(of_appeals, CARDS.c.process_instance_id.is_(None)) if self.home else of_appeals)

    def department_name(self, code: str | None, ledger_name: str | None) -> str | None:
        """The county's name of a unit, else the ledger's."""
        return self.department_names.get(code or "", ledger_name) if code else ledger_name


def county_name(county: County | None, code: str | None, ledger_name: str | None) -> str | None:
    return county.department_name(code, ledger_name) if county is not None else ledger_name
