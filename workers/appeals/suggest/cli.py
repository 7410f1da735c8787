"""`appeals suggest`: the category suggestion from the command line, registered in `appeals.cli`.

    appeals suggest "企业增容报装两个月未接电"      the suggestion as JSON
    appeals suggest train [--no-ledger]            learn from the starter set + the closed appeals
    appeals suggest evaluate FILE                  accuracy on a labelled TSV file
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..context import current_app
from ..settings import Settings


def _settings() -> Settings:
    """The settings of the command's `AppContext`."""
    return current_app().settings


def _echo(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


class _TextOrCommand(click.Group):
    """`appeals suggest TEXT` is `appeals suggest text TEXT` when TEXT names no sub-command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["text", *args]
        return super().parse_args(ctx, args)


@click.group("suggest", cls=_TextOrCommand)
def suggest() -> None:
    """Category suggestion from an appeal's words (docs/assisted-dispatch.md)."""


@suggest.command("text")
@click.argument("problem")
@click.option("--requested-help", "requested_help", default="", help="希望协调解决的具体事项.")
def text_command(problem: str, requested_help: str) -> None:
    """Suggest the category of PROBLEM (主要困难和问题) as JSON: category, confidence, top3, words."""
    from . import current_model

    _echo(current_model(_settings().data_dir).suggest(problem, requested_help).as_dict())


@suggest.command("train")
@click.option("--ledger/--no-ledger", "use_ledger", default=True, show_default=True,
              help="Also learn from the county's closed appeals (ledger_appeal).")
@click.option("--starter", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Another starter file (TSV: category, problem, requested help).")
def train_command(use_ledger: bool, starter: Path | None) -> None:
    """Train the model from the starter set and the closed appeals; store it in the data folder."""
    from ..db import engine_for, upgrade
    from . import ledger_examples, model_path, read_examples, starter_examples, train

    settings = _settings()
    examples = read_examples(starter) if starter else starter_examples()
    if use_ledger:
        upgrade(settings.ledger_url)
    ledger = ledger_examples(engine_for(settings.ledger_url)) if use_ledger else []
    try:
        model = train(examples, ledger)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    path = model_path(settings.data_dir)
    model.save(path)
    _echo({**model.info(), "path": str(path)})


@suggest.command("evaluate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def evaluate_command(file: Path) -> None:
    """Accuracy of the current model on a labelled FILE (TSV): top-1, top-3, per category."""
    from . import current_model, read_examples
    from .evaluation import evaluate

    _echo(evaluate(current_model(_settings().data_dir), read_examples(file)).as_dict())
