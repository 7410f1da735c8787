"""One deployment of every model: bpmn/, dmn/ and forms/ together.

Forms are bound with `camunda:formRefBinding="deployment"`, so a process version must be deployed
with its forms: the whole set goes in one deployment. Duplicate filtering makes an unchanged set a
no-op (no new deployment, no new versions). We do not use `deploy-changed-only`: it would leave the
unchanged forms out of a deployment whose BPMN changed, and that BPMN could no longer find them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .camunda import Camunda
from .settings import PROJECT_ROOT

DEPLOYMENT_NAME = "enterprise-appeals"
MODEL_DIRS = {"bpmn": "*.bpmn", "dmn": "*.dmn", "forms": "*.form"}


def model_files(root: Path = PROJECT_ROOT) -> list[Path]:
    files: list[Path] = []
    for folder, pattern in MODEL_DIRS.items():
        files.extend(sorted((root / folder).glob(pattern)))
    return files


@dataclass
class DeployResult:
    deployment_id: str | None
    created: bool
    resources: list[str]
    process_definitions: list[str]
    decision_definitions: list[str]


def deploy(camunda: Camunda, root: Path = PROJECT_ROOT, name: str = DEPLOYMENT_NAME) -> DeployResult:
    files = model_files(root)
    if not files:
        raise FileNotFoundError(f"no models under {root}/bpmn, dmn or forms")
    names = [f.name for f in files]
    if len(set(names)) != len(names):
        raise ValueError("two model files share a name; resource names must be unique in a deployment")
    before = {d["id"] for d in camunda.get("/deployment", name=name)}
    answer = camunda.deploy(name, [(f.name, f.read_bytes()) for f in files], changed_only=False)
    created = answer["id"] not in before
    return DeployResult(
        deployment_id=answer["id"],
        created=created,
        resources=names,
        process_definitions=[
            f"{d['key']}:{d['version']}" for d in (answer.get("deployedProcessDefinitions") or {}).values()
        ],
        decision_definitions=[
            f"{d['key']}:{d['version']}" for d in (answer.get("deployedDecisionDefinitions") or {}).values()
        ],
    )
