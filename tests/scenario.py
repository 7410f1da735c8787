"""Helpers for process scenarios: act as a user of the right group, wait for the workers, fire timers."""

from __future__ import annotations

from typing import Any

from appeals.camunda import Camunda, CamundaError
from appeals.demo import DEMO_APPEALS

from .conftest import EngineHandle, wait_for


class Appeal:
    """One EnterpriseAppeal instance driven through its user tasks."""

    def __init__(self, engine: EngineHandle, process_instance_id: str) -> None:
        self.engine = engine
        self.id = process_instance_id
        self._clients: dict[str, Camunda] = {}

    @classmethod
    def start(cls, engine: EngineHandle, business_key: str, **overrides: Any) -> Appeal:
        variables = {**DEMO_APPEALS[0], **overrides}
        started = engine.client("office-clerk").start_process("EnterpriseAppeal", variables, business_key=business_key)
        return cls(engine, started["id"])

    def user(self, name: str) -> Camunda:
        if name == "admin":
            return self.engine.admin
        if name not in self._clients:
            self._clients[name] = self.engine.client(name)
        return self._clients[name]

    def task(self, key: str, user: str, timeout: float = 30.0) -> dict[str, Any]:
        """The open task `key`, as `user` sees it (waits for the workers to get there)."""
        tasks = wait_for(lambda: self.user(user).tasks(processInstanceId=self.id, taskDefinitionKey=key),
                         timeout=timeout, message=f"{key} for {user} (now at {self.waiting_at()})")
        return tasks[0]

    def complete(self, key: str, user: str, **variables: Any) -> dict[str, Any]:
        task = self.task(key, user)
        assert task["due"], f"{key} has no due date"
        client = self.user(user)
        client.claim(task["id"], user)
        client.complete_task(task["id"], variables)
        return task

    def tasks_of(self, user: str) -> list[dict[str, Any]]:
        return self.user(user).tasks(processInstanceId=self.id)

    def refused(self, user: str, key: str) -> bool:
        """`user` neither sees nor can complete the open task `key`."""
        task = self.task(key, "admin")
        if any(t["id"] == task["id"] for t in self.tasks_of(user)):
            return False
        try:
            self.user(user).complete_task(task["id"], {})
        except CamundaError as exc:
            # 403: no permission, or another county's appeal (the tenant check, CountyTenantPlugin)
            return exc.status in (403, 404)
        return False

    def variables(self) -> dict[str, Any]:
        return self.engine.admin.variables(self.id)

    def variables_history(self, name: str) -> Any:
        """A variable of this instance from history (works after the instance ended)."""
        import json

        found = self.engine.admin.get("/history/variable-instance", processInstanceId=self.id, variableName=name,
                                      deserializeValues="false")
        if not found:
            return None
        value = found[0]["value"]
        return json.loads(value) if found[0]["type"] == "Json" else value

    def waiting_at(self) -> list[str]:
        try:
            tree = self.engine.admin.get(f"/process-instance/{self.id}/activity-instances")
        except CamundaError:
            return ["(ended)"]
        found: list[str] = []

        def walk(node: dict[str, Any]) -> None:
            if not node.get("childActivityInstances"):
                found.append(node["activityId"])
            for child in node.get("childActivityInstances", []):
                walk(child)
        walk(tree)
        return found

    def incidents(self) -> list[dict[str, Any]]:
        return self.engine.admin.get("/incident", processInstanceId=self.id)

    def wait_until_ended(self, timeout: float = 30.0) -> dict[str, Any]:
        def ended():
            history = self.engine.admin.get(f"/history/process-instance/{self.id}")
            if self.incidents():
                raise AssertionError(f"incident: {self.incidents()[0]['incidentMessage']}")
            return history if history["state"] == "COMPLETED" else None
        return wait_for(ended, timeout=timeout, message=f"the end (now at {self.waiting_at()})")

    def fire_timer(self, activity_id: str) -> None:
        """Execute the timer job of `activity_id` now, through REST (no sleeping)."""
        jobs = wait_for(lambda: [j for j in self.engine.admin.timer_jobs(self.id)
                                 if j.get("failedActivityId") in (None, activity_id)
                                 and self._job_activity(j) == activity_id],
                        message=f"timer at {activity_id} (now at {self.waiting_at()})")
        self.engine.admin.execute_job(jobs[0]["id"])

    def _job_activity(self, job: dict[str, Any]) -> str | None:
        definition = self.engine.admin.get(f"/job-definition/{job['jobDefinitionId']}")
        return definition.get("activityId")


# --------------------------------------------------------------------------- common paths
def register_and_accept(appeal: Appeal, category: str | None = None) -> None:
    variables = {"verifyNote": "已电话核实情况属实", "scopeDecision": "accept"}
    if category:
        variables["category"] = category
    appeal.complete("Task_VerifyAppeal", "office-clerk", **variables)


def propose(appeal: Appeal, lead: str, situation: str = "single", assisting: list[str] | None = None) -> None:
    appeal.complete("Task_ProposeDispatch", "office-clerk", leadDepartment=lead,
                    assistingDepartments=assisting or [], dispatchSituation=situation,
                    dispatchNote="建议交办")


def approve(appeal: Appeal, approver: str, decision: str = "approve", comment: str = "同意") -> None:
    appeal.complete("Task_ApproveDispatch", approver, approvalDecision=decision, approvalComment=comment)


def sign(appeal: Appeal, handler: str) -> None:
    appeal.complete("Task_SignDispatch", handler, signDecision="sign", handlerName="张三", enterpriseContacted=True)


def report(appeal: Appeal, handler: str, result_class: str = "A") -> None:
    appeal.complete("Task_HandleAppeal", handler, handlingAction="report", resultClass=result_class,
                    replyText="已协调解决并书面答复企业", replyMethod="written")


def follow_up(appeal: Appeal, satisfaction: str = "satisfied", solved: str = "yes") -> None:
    appeal.complete("Task_FollowUp", "office-clerk", followUpMethod="phone", reallySolved=solved,
                    satisfaction=satisfaction, followUpNote="电话回访企业")


def dispatch_to(appeal: Appeal, lead: str, handler: str, approver: str = "office-director") -> None:
    register_and_accept(appeal)
    propose(appeal, lead)
    approve(appeal, approver)
    sign(appeal, handler)
