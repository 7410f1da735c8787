"""One deployment of every model: bpmn/, dmn/ and forms/ together.

Forms are bound with `camunda:formRefBinding="deployment"`, so a process version must be deployed
with its forms: the whole set goes in one deployment. Duplicate filtering makes an unchanged set a
no-op (no new deployment, no new versions). We do not use `deploy-changed-only`: it would leave the
unchanged forms out of a deployment whose BPMN changed, and that BPMN could no longer find them.

A new version of a process takes over the running instances of the older versions (`migrate_running`):
the workers serve the current diagrams, and every wait state keeps its id from version to version
(docs/rules.md), so each waiting token is mapped to its twin (`migration_plan`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .camunda import Camunda, CamundaError
from .settings import PROJECT_ROOT
from .vocabulary import CARD_LABELS

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
    migrations: list[Migration] = field(default_factory=list)
    card_labels_filled: int = 0  # running cards given their `cardLabel` (fill_card_labels)


@dataclass
class Migration:
    """Running instances of `source` (key:version) moved to `target`, or why they were not."""

    source: str
    target: str
    instances: int
    error: str | None = None


def migration_plan(camunda: Camunda, source_id: str, target_id: str) -> dict[str, Any]:
    """The engine's generated plan from `source_id` to `target_id`, completed with every activity of the same id.

    Camunda's generator maps equal ids only where their parent scopes are mapped too ("on the same level of
    sub process"), so an activity a new version moved into a new collapsed subprocess (docs/diagrams.md)
    would be left out. The engine itself can migrate such a token: it creates the new parent scope
    (without running its listeners or input mappings). So each activity the engine can migrate — the
    instructions of the identity plan `source → source` — that has a twin of the same id in the target
    and no instruction yet is mapped to it, with the event trigger updated where it has one (timers take
    the target's expressions). Returns the plan as `POST /migration/execute` takes it; the engine still
    validates it, and a plan it refuses leaves the instances where they are (`migrate_running`).
    """
    options = {"updateEventTriggers": True}
    plan = camunda.post("/migration/generate", {"sourceProcessDefinitionId": source_id,
                                                "targetProcessDefinitionId": target_id, **options})
    mapped = {a for i in plan["instructions"] for a in i["sourceActivityIds"]}
    every_source = camunda.post("/migration/generate", {"sourceProcessDefinitionId": source_id,
                                                        "targetProcessDefinitionId": source_id, **options})
    every_target = camunda.post("/migration/generate", {"sourceProcessDefinitionId": target_id,
                                                        "targetProcessDefinitionId": target_id, **options})
    in_target = {a for i in every_target["instructions"] for a in i["targetActivityIds"]}
    for instruction in every_source["instructions"]:
        [activity] = instruction["sourceActivityIds"]
        if activity in mapped or activity not in in_target:
            continue
        plan["instructions"].append({"sourceActivityIds": [activity], "targetActivityIds": [activity],
                                     "updateEventTrigger": bool(instruction.get("updateEventTrigger"))})
    return plan


def migrate_running(camunda: Camunda, target: dict[str, Any]) -> list[Migration]:
    """Move the running instances of every older version of `target`'s process to `target`.

    `target` is a process definition as REST returns it (`id`, `key`, `version`). A version whose
    instances the engine cannot map (its validation report) keeps them and is reported, not raised.
    """
    done: list[Migration] = []
    for source in camunda.get("/process-definition", key=target["key"], sortBy="version", sortOrder="asc"):
        if source["version"] >= target["version"]:
            continue
        count = camunda.get("/process-instance/count", processDefinitionId=source["id"])["count"]
        if not count:
            continue
        names = (f"{source['key']}:{source['version']}", f"{target['key']}:{target['version']}")
        try:
            plan = migration_plan(camunda, source["id"], target["id"])
            camunda.post("/migration/execute", {"migrationPlan": plan,
                                                "processInstanceQuery": {"processDefinitionId": source["id"]}})
        except CamundaError as exc:
            done.append(Migration(*names, count, str(exc)))
        else:
            done.append(Migration(*names, count))
    return done


def fill_card_labels(camunda: Camunda, page: int = 500) -> int:
    """Give every running card without its label the label `recordCard` now writes: `cardLabel` =
    vocabulary.CARD_LABELS[`cardKind`] (红牌/黄牌), set beside `cardKind` (the same execution), so the
    interview form (forms/InterviewForm.form) names the card of an interview task created before the
    workers wrote `cardLabel`. Returns how many were filled; idempotent (a scope that has `cardLabel`
    keeps it), and a `cardKind` without a label (`none`) is left alone. Runs as the administrator."""
    kinds: list[dict[str, Any]] = []
    while batch := camunda.get("/variable-instance", variableName="cardKind", deserializeValues="false",
                               firstResult=len(kinds), maxResults=page):
        kinds.extend(batch)
        if len(batch) < page:
            break
    filled = 0
    for kind in kinds:
        label = CARD_LABELS.get(kind.get("value"))
        execution = kind.get("executionId")
        if label is None or not execution or camunda.get("/variable-instance/count", variableName="cardLabel",
                                                          executionIdIn=execution)["count"]:
            continue
        camunda.put(f"/execution/{execution}/localVariables/cardLabel", {"value": label, "type": "String"})
        filled += 1
    return filled


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
    processes = list((answer.get("deployedProcessDefinitions") or {}).values())
    migrations = [m for d in processes for m in migrate_running(camunda, d)] if created else []
    return DeployResult(
        deployment_id=answer["id"],
        created=created,
        resources=names,
        process_definitions=[f"{d['key']}:{d['version']}" for d in processes],
        decision_definitions=[
            f"{d['key']}:{d['version']}" for d in (answer.get("deployedDecisionDefinitions") or {}).values()
        ],
        migrations=migrations,
        # on every deploy, changed models or not: an upgrade of the workers alone brings the labels too
        card_labels_filled=fill_card_labels(camunda),
    )
