"""The org chart and Camunda identity (spec §1).

- `chart`: the chart as data: groups and users from a YAML file, parsed and checked (`load`, `parse`);
- `grants`: what each kind of group may do in Camunda, the technical groups, the Tasklist filters;
- `identity`: `IdentitySync`, which makes Camunda identity match a chart, idempotently.
"""

from .chart import (
    CAMUNDA_ADMIN_GROUP,
    CITY_KINDS,
    DEMO_ORG,
    ID_PATTERN,
    KINDS,
    PUBLIC_GROUP,
    WORKER_GROUP,
    OrgChart,
    OrgChartError,
    OrgGroup,
    OrgUser,
    load,
    parse,
)
from .grants import (
    FILTERS,
    GRANTS,
    GROUP,
    PUBLIC_GRANTS,
    PUBLIC_PROCESS,
    WORKER_GRANTS,
    Grant,
)
from .identity import IdentitySync, SyncReport

__all__ = [
    "CAMUNDA_ADMIN_GROUP", "CITY_KINDS", "DEMO_ORG", "ID_PATTERN", "KINDS", "PUBLIC_GROUP", "WORKER_GROUP", "OrgChart",
    "OrgChartError", "OrgGroup", "OrgUser", "load", "parse", "FILTERS", "GRANTS", "GROUP", "PUBLIC_GRANTS",
    "PUBLIC_PROCESS", "WORKER_GRANTS", "Grant", "IdentitySync", "SyncReport",
]
