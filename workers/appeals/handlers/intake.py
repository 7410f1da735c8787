"""Intake: numbering the registered appeal (spec §4)."""

from __future__ import annotations

from ..numbering import issue_number
from ..runtime import Task
from ..services import services
from . import router


@router.topic("assignRegistrationNumber", variables=())
def assign_registration_number(task: Task) -> dict[str, str]:
    """Give the appeal its 登记编号 (收), the same one on every redelivery."""
    svc = services()
    prefix = svc.org_chart().number_prefix
    number = issue_number(svc.db, "registration", task.process_instance_id, prefix)
    return {"registrationNumber": number}


@router.topic("prepareDispatchOptions", variables=())
def prepare_dispatch_options(task: Task) -> dict[str, list[dict[str, str]]]:
    """The departments of the org chart as select options for the office's dispatch form."""
    chart = services().org_chart()
    options = [{"label": group.name, "value": group.id} for group in chart.of_kind("department")]
    return {"departmentOptions": options}
