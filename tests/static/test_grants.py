"""Each level reads its own definitions (docs/city-level.md, "Cockpit: counts and counties"): every process
and decision of bpmn/ and dmn/ is named for a level, no county group reads a city-only one nor every
definition, and no city group reads a county-only one but the city's own bulletin (MonthlyBulletin, whose
review task goes to the city's office)."""

from __future__ import annotations

import re
from pathlib import Path

from appeals.org.chart import CITY_KINDS
from appeals.org.grants import (
    CITY_DECISIONS,
    CITY_DEFINITIONS,
    COUNTY_DECISIONS,
    COUNTY_DEFINITIONS,
    DECISION_DEFINITION,
    GRANTS,
    PROCESS_DEFINITION,
    WORKER_GRANTS,
)

ROOT = Path(__file__).resolve().parents[2]


def _ids(folder: str, element: str) -> set[str]:
    found: set[str] = set()
    for path in (ROOT / folder).glob(f"*.{folder}"):
        found |= set(re.findall(rf'<(?:bpmn:)?{element} id="([^"]+)"', path.read_text(encoding="utf-8")))
    return found


def _reads(kind: str, resource_type: int) -> set[str]:
    return {rid for rtype, rid, permissions in GRANTS[kind] if rtype == resource_type and "READ" in permissions}


def test_every_model_is_read_by_a_level() -> None:
    processes, decisions = _ids("bpmn", "process"), _ids("dmn", "decision")
    assert processes and decisions
    assert processes == set(COUNTY_DEFINITIONS) | set(CITY_DEFINITIONS)
    assert decisions == set(COUNTY_DECISIONS) | set(CITY_DECISIONS)


def test_each_level_reads_its_own_definitions() -> None:
    city_only = set(CITY_DEFINITIONS) - set(COUNTY_DEFINITIONS)
    city_only_decisions = set(CITY_DECISIONS) - set(COUNTY_DECISIONS)
    assert "CityAppeal" in city_only and "CityDispatchApproval" in city_only_decisions
    for kind in GRANTS:
        if kind == "admin":
            continue
        processes, decisions = _reads(kind, PROCESS_DEFINITION), _reads(kind, DECISION_DEFINITION)
        assert "*" not in processes and "*" not in decisions, kind
        if kind in CITY_KINDS:
            own = set(CITY_DEFINITIONS) | ({"MonthlyBulletin"} if kind == "city-center" else set())
            assert processes == own and decisions == set(CITY_DECISIONS), kind
        else:
            assert processes == set(COUNTY_DEFINITIONS) and decisions == set(COUNTY_DECISIONS), kind


def test_the_workers_read_each_of_our_definitions_and_not_every_one() -> None:
    """The workers' group names every process and decision by its key, never '*' (a grant on every
    definition lets Camunda list the engine's own job definitions, those of no process, to the workers)."""
    processes = {rid for rtype, rid, _ in WORKER_GRANTS if rtype == PROCESS_DEFINITION}
    decisions = {rid for rtype, rid, _ in WORKER_GRANTS if rtype == DECISION_DEFINITION}
    assert processes == _ids("bpmn", "process") and decisions == _ids("dmn", "decision")
