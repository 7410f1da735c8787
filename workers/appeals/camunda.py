"""The one client of the Camunda 7 REST API.

pycamunda (0.6.1) provides thin request objects and no worker loop, no HTTP timeout and no shared
session by default. This module hides it: every call goes through one `requests.Session` (connection
reuse, credentials, default timeout) and callers see plain Python values. Where pycamunda has no
request object (jobs, incidents, authorizations' upsert, multipart deployments by file name) the
same session is used directly.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pycamunda
import pycamunda.processdef
import requests
import tenacity
from requests.adapters import HTTPAdapter

log = logging.getLogger(__name__)


REFUSAL_LOG_INTERVAL = 60.0  # seconds between two operator messages about a refused login


def unlock_command(user: str) -> str:
    """The operator's command that clears a user's failed logins (`appeals unlock USER`)."""
    return f"appeals unlock {user}"


def unauthorized_message(user: str) -> str:
    """The operator message for an engine that answers HTTP 401 to `user` (README, "Login delays")."""
    return (f"引擎拒绝了用户 {user} 的登录（HTTP 401）：密码不对，或该用户连续登录失败后正处于登录延迟中"
            f"（有人在猜密码时会一再出现）。请核对其密码设置；延迟最多 60 秒后自动解除，立即解除："
            f"`{unlock_command(user)}`（或以管理员 POST /engine-rest/user/{user}/unlock）。"
            f" The engine refused user {user} (HTTP 401): wrong password or login delay after failed "
            f"attempts; unlock with `{unlock_command(user)}`.")


class CamundaError(RuntimeError):
    """The engine answered with an error status."""

    def __init__(self, status: int, message: str, type_: str = "") -> None:
        super().__init__(f"HTTP {status}: {type_ + ': ' if type_ else ''}{message}")
        self.status = status
        self.message = message
        self.type = type_

    @property
    def is_conflict(self) -> bool:
        """The engine's optimistic locking refused a write because another transaction changed
        the same instance first (`OptimisticLockingException`); the whole call was rolled back, so
        repeating it is safe."""
        return self.type == "OptimisticLockingException"


def _conflict(exc: BaseException) -> bool:
    return isinstance(exc, CamundaError) and exc.is_conflict


# A message that meets a worker completing a task of the same instance loses the optimistic lock;
# the engine rolled the call back whole, so it is repeated (bounded, with jitter).
retry_on_conflict = tenacity.retry(
    retry=tenacity.retry_if_exception(_conflict), stop=tenacity.stop_after_attempt(8),
    wait=tenacity.wait_random_exponential(multiplier=0.05, max=2.0), reraise=True)


class _TimeoutSession(requests.Session):
    """A session with a default timeout, since pycamunda never passes one."""

    def __init__(self, timeout: float, pool_size: int) -> None:
        super().__init__()
        self.default_timeout = timeout
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, method, url, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, **kwargs)


@dataclass(frozen=True)
class FileValue:
    """A file process variable (e.g. a generated document), downloadable in Cockpit and Tasklist."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Transient:
    """A variable that lives only until the engine's transaction ends (Camunda transient variable):
    never stored, never in history. The next step of the same transaction (a task listener of the
    user task that follows) reads it; the process scope never holds it."""

    value: str | None


def to_variable(value: Any) -> dict[str, Any]:
    """A Python value as a Camunda typed variable (`Transient(text)` → a transient String)."""
    if isinstance(value, Transient):
        return {"value": value.value, "type": "String", "valueInfo": {"transient": True}}
    if isinstance(value, FileValue):
        return {
            "value": base64.b64encode(value.content).decode("ascii"),
            "type": "File",
            "valueInfo": {"filename": value.filename, "mimeType": value.mime_type, "encoding": "UTF-8"},
        }
    if isinstance(value, bool):
        return {"value": value, "type": "Boolean"}
    if isinstance(value, int):
        return {"value": value, "type": "Long" if abs(value) > 2**31 - 1 else "Integer"}
    if isinstance(value, float):
        return {"value": value, "type": "Double"}
    if isinstance(value, dt.datetime):
        return {"value": value.strftime("%Y-%m-%dT%H:%M:%S.000%z"), "type": "Date"}
    if isinstance(value, (dict, list)):
        return {
            "value": json.dumps(value, ensure_ascii=False),
            "type": "Json",
        }
    if value is None:
        return {"value": None, "type": "Null"}
    return {"value": str(value), "type": "String"}


def to_variables(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: to_variable(value) for name, value in values.items()}


def from_variable(var: Mapping[str, Any] | Any) -> Any:
    """A Camunda typed variable (REST dict or pycamunda Variable) as a Python value."""
    if hasattr(var, "type_"):
        type_, value = var.type_, var.value
    else:
        type_, value = var.get("type"), var.get("value")
    if type_ == "Json" and isinstance(value, str):
        return json.loads(value)
    return value


@dataclass(frozen=True)
class FormRef:
    """Where a user task's or start event's form lives, as the REST API's `/form` answers it.

    `key` is a form key (e.g. an embedded form's path) when the model uses one; `ref` is the id of a
    deployed Camunda Form (`camunda:formRef`) with its `binding` (`deployment`, `latest`, `version`)
    and `version` (only for binding `version`)."""

    key: str | None = None
    ref: str | None = None
    binding: str | None = None
    version: int | None = None


# Camunda 7 names the deployed-form reference `camundaFormRef`; Operaton, its maintained fork, the same
# object `operatonFormRef` (docs/operaton.md). Both are read, so the client runs against either engine.
FORM_REF_FIELDS = ("camundaFormRef", "operatonFormRef")


def form_ref(answer: Mapping[str, Any] | None) -> FormRef:
    """A `/task/{id}/form` or `/process-definition/…/startForm` answer as a FormRef (either engine)."""
    answer = answer or {}
    ref = next((answer[name] for name in FORM_REF_FIELDS if answer.get(name)), None) or {}
    version = ref.get("version")
    return FormRef(key=answer.get("key"), ref=ref.get("key"), binding=ref.get("binding"),
                   version=int(version) if version is not None else None)


@dataclass(frozen=True)
class LockedTask:
    """An external task fetched and locked for this worker."""

    id: str
    topic: str
    process_instance_id: str
    business_key: str | None
    activity_id: str
    retries: int | None
    variables: dict[str, Any]
    activity_instance_id: str = ""
    tenant_id: str | None = None
    """The county (or `city`) the instance belongs to (docs/city-level.md); None without tenants."""


class Camunda:
    """Client of one engine for one user (the admin, the worker user or a test user)."""

    def __init__(
        self,
        url: str,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        pool_size: int = 10,
        explain_refusal: bool = True,
    ) -> None:
        """`explain_refusal`: log the operator message of `unauthorized_message` on HTTP 401 (a
        service's own user); False for a person's login check, whose wrong password is no incident."""
        self.url = url.rstrip("/")
        self.user = user
        self.explain_refusal = explain_refusal
        self._refusal_logged_at = -REFUSAL_LOG_INTERVAL
        self.session = _TimeoutSession(timeout, pool_size)
        if user is not None:
            self.session.auth = (user, password or "")

    # --- plumbing ---------------------------------------------------------------------------
    def _call(self, request: pycamunda.base.CamundaRequest, **kwargs: Any) -> Any:
        request.session = self.session
        try:
            return request(**kwargs)
        except pycamunda.PyCamundaException as exc:
            raise self._refused(self._translate(exc)) from exc

    def _refused(self, error: CamundaError) -> CamundaError:
        """`error`, after telling the operator what a 401 means for this client's user: a wrong
        password, or the engine's login delay after failed attempts (someone else may be guessing),
        and how to unlock. Logged at most once a minute per client, at ERROR."""
        if error.status == 401 and self.user is not None and self.explain_refusal:
            now = time.monotonic()
            if now - self._refusal_logged_at >= REFUSAL_LOG_INTERVAL:
                self._refusal_logged_at = now
                log.error(unauthorized_message(self.user))
        return error

    @staticmethod
    def _translate(exc: Exception) -> CamundaError:
        status = {
            pycamunda.BadRequest: 400,
            pycamunda.Unauthorized: 401,
            pycamunda.Forbidden: 403,
            pycamunda.NotFound: 404,
        }.get(type(exc), 500)
        message, type_ = str(exc), ""
        try:  # pycamunda passes a 5xx body on as text: keep the engine's exception type
            body = json.loads(message)
            if isinstance(body, dict):
                message, type_ = body.get("message", message), body.get("type", "")
        except ValueError:
            pass
        return CamundaError(status, message, type_)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """A REST call by path; returns the decoded JSON (or None for 204)."""
        response = self.session.request(method, f"{self.url}{path}", **kwargs)
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                raise self._refused(CamundaError(response.status_code, response.text[:500])) from None
            if not isinstance(body, dict):
                body = {}
            raise self._refused(CamundaError(response.status_code, body.get("message", ""), body.get("type", "")))
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.content

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, json=body, **kwargs)

    def put(self, path: str, body: Any = None) -> Any:
        return self.request("PUT", path, json=body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def close(self) -> None:
        self.session.close()

    # --- health -------------------------------------------------------------------------------
    def version(self) -> str:
        return self.get("/version")["version"]

    # --- deployments --------------------------------------------------------------------------
    def deploy(
        self, name: str, resources: Iterable[tuple[str, bytes]], changed_only: bool = True
    ) -> dict[str, Any]:
        """One deployment of all resources; unchanged resources create no new versions."""
        files = {}
        for index, (filename, content) in enumerate(resources):
            files[f"resource-{index}-{filename}"] = (filename, content)
        data = {
            "deployment-name": name,
            "enable-duplicate-filtering": "true",
            "deploy-changed-only": "true" if changed_only else "false",
            "deployment-source": "appeals-cli",
        }
        return self.request("POST", "/deployment/create", data=data, files=files)

    # --- processes ----------------------------------------------------------------------------
    def start_process(
        self, key: str, variables: Mapping[str, Any] | None = None, business_key: str | None = None
    ) -> dict[str, Any]:
        start = pycamunda.processdef.StartInstance(url=self.url, key=key, business_key=business_key)
        for name, var in to_variables(variables or {}).items():
            start.add_variable(name=name, value=var["value"], type_=var["type"], value_info=var.get("valueInfo"))
        instance = self._call(start)
        return {"id": instance.id_, "businessKey": instance.business_key}

    def correlate(
        self,
        message: str,
        business_key: str | None = None,
        variables: Mapping[str, Any] | None = None,
        process_instance_id: str | None = None,
    ) -> dict[str, Any]:
        """Correlate a message (to a waiting event, or a message start); returns the result.

        Repeated when the engine reports a concurrent update of the instance (a worker completing
        one of its tasks at the same moment): the refused call changed nothing."""
        body: dict[str, Any] = {"messageName": message, "resultEnabled": True}
        if business_key is not None:
            body["businessKey"] = business_key
        if process_instance_id is not None:
            body["processInstanceId"] = process_instance_id
        if variables:
            body["processVariables"] = to_variables(variables)
        results = retry_on_conflict(self.post)("/message", body)
        return results[0] if results else {}

    def variables(self, process_instance_id: str) -> dict[str, Any]:
        # deserializeValues=false: Json variables come as their text, which from_variable parses
        raw = self.get(f"/process-instance/{process_instance_id}/variables", deserializeValues="false")
        return {name: from_variable(var) for name, var in raw.items()}

    def evaluate_decision(self, key: str, variables: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Evaluate the latest version of a decision table; one dict per matched rule."""
        results = self.post(f"/decision-definition/key/{key}/evaluate", {"variables": to_variables(variables)})
        return [{name: from_variable(var) for name, var in row.items()} for row in results]

    # --- tasks --------------------------------------------------------------------------------
    def tasks(self, **query: Any) -> list[dict[str, Any]]:
        return self.post("/task", query)

    def claim(self, task_id: str, user_id: str) -> None:
        self.post(f"/task/{task_id}/claim", {"userId": user_id})

    def complete_task(self, task_id: str, variables: Mapping[str, Any] | None = None) -> None:
        self.post(f"/task/{task_id}/complete", {"variables": to_variables(variables or {})})

    def task_form(self, task_id: str) -> FormRef:
        """The form of an open user task (`GET /task/{id}/form`)."""
        return form_ref(self.get(f"/task/{task_id}/form"))

    def start_form(self, process_key: str) -> FormRef:
        """The start form of a process's latest version (`GET /process-definition/key/{key}/startForm`)."""
        return form_ref(self.get(f"/process-definition/key/{process_key}/startForm"))

    # --- jobs (pycamunda has no job module) ---------------------------------------------------
    def timer_jobs(self, process_instance_id: str) -> list[dict[str, Any]]:
        return self.get("/job", processInstanceId=process_instance_id, timers="true")

    def execute_job(self, job_id: str) -> None:
        self.post(f"/job/{job_id}/execute")

    # --- external tasks -----------------------------------------------------------------------
    # Plain REST calls (not pycamunda's request objects): the engine's error body keeps its `type`
    # (e.g. OptimisticLockingException) for the runtime's retry policy, and the long poll gets its
    # own per-request timeout instead of changing the session that handler threads share.
    def fetch_and_lock(
        self,
        worker_id: str,
        topics: Iterable[tuple[str, int, list[str] | None]],
        max_tasks: int,
        async_response_timeout_ms: int,
    ) -> list[LockedTask]:
        """POST /external-task/fetchAndLock as a long poll; topics are (name, lock ms, variables)."""
        body = {
            "workerId": worker_id,
            "maxTasks": max_tasks,
            "asyncResponseTimeout": async_response_timeout_ms,
            "topics": [
                {"topicName": name, "lockDuration": lock_ms,
                 **({"variables": list(variables)} if variables is not None else {})}
                for name, lock_ms, variables in topics
            ],
        }
        # the long poll must outlive the engine's own response timeout; only this request waits longer
        timeout = self.session.default_timeout + async_response_timeout_ms / 1000
        tasks = self.request("POST", "/external-task/fetchAndLock", json=body, timeout=timeout) or []
        return [
            LockedTask(
                id=task["id"],
                topic=task["topicName"],
                process_instance_id=task["processInstanceId"],
                business_key=task.get("businessKey"),
                activity_id=task["activityId"],
                retries=task.get("retries"),
                variables={k: from_variable(v) for k, v in (task.get("variables") or {}).items()},
                activity_instance_id=task.get("activityInstanceId") or "",
                tenant_id=task.get("tenantId"),
            )
            for task in tasks
        ]

    def complete_external(
        self, task_id: str, worker_id: str, variables: Mapping[str, Any] | None = None
    ) -> None:
        self.post(f"/external-task/{task_id}/complete",
                  {"workerId": worker_id, "variables": to_variables(variables or {})})

    def bpmn_error(
        self,
        task_id: str,
        worker_id: str,
        code: str,
        message: str,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        self.post(f"/external-task/{task_id}/bpmnError",
                  {"workerId": worker_id, "errorCode": code, "errorMessage": message,
                   "variables": to_variables(variables or {})})

    def failure(
        self,
        task_id: str,
        worker_id: str,
        message: str,
        details: str,
        retries: int,
        retry_timeout_ms: int,
    ) -> None:
        self.post(f"/external-task/{task_id}/failure",
                  {"workerId": worker_id, "errorMessage": message[:600], "errorDetails": details,
                   "retries": retries, "retryTimeout": retry_timeout_ms})

    def extend_lock(self, task_id: str, worker_id: str, new_duration_ms: int) -> None:
        self.post(f"/external-task/{task_id}/extendLock", {"workerId": worker_id, "newDuration": new_duration_ms})
