"""External-task handlers, one module per capability, all registered on one router.

A handler is `def handler(task: Task, ctx: AppContext) -> dict | None`, registered with
`@router.topic(name, variables=..., milestone=..., throws=...)` (see `appeals.runtime.router`).
The milestone fan-out (ledger + 12345 status) is the router's one after-hook,
`appeals.milestones.record_milestone_hook`; no handler calls it.

Every module of this package is imported here, so a new capability registers its topics by
existing; the static tests check that every topic has a BPMN task and every BPMN topic a handler.
"""

import importlib
import pkgutil

from ..milestones import milestone_variables, record_milestone_hook
from ..runtime import Router

router = Router(milestone_variables=milestone_variables)


def chart_of(task, ctx):  # noqa: ANN001, ANN201 - Task, AppContext -> OrgChart (imports would cycle)
    """The org chart of the task's county (its tenant: `AppContext.org_chart`); the chart's own county
    for an instance without tenant."""
    return ctx.org_chart(task.tenant_id) if task.tenant_id else ctx.org_chart()

router.after(record_milestone_hook)

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")
