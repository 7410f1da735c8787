"""Engine upkeep against the real engine: the client reads the form references the engine returns
(docs/operaton.md). The pinned versions and the reference under either name: tests/unit/test_engine_upkeep.py."""

from __future__ import annotations

from appeals.camunda import FormRef

from ..conftest import EngineHandle
from ..scenario import Appeal


def test_form_references_from_the_real_engine(workers: EngineHandle) -> None:
    clerk = workers.client("office-clerk")
    assert clerk.start_form("EnterpriseAppeal") == FormRef(ref="AppealRegistrationForm", binding="deployment")
    appeal = Appeal.start(workers, "FORMREF-1")
    task = appeal.task("Task_VerifyAppeal", "office-clerk")
    assert clerk.task_form(task["id"]) == FormRef(ref="VerifyAppealForm", binding="deployment")
