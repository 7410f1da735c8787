"""The reporting ledger (问题台账) and the reports made of it (spec §13–§14, docs/figures.md).

- `record_milestone(engine, process_instance_id, milestone, variables, at=None)`: keep the ledger in
  step with the process (called by the runtime's milestone after-hook, `appeals.milestones`); `MILESTONE_VARIABLES` says what each
  milestone reads.
- `rebuild_from_history(camunda, engine, since=None)`: the same ledger from the engine's history.
- `record_card(...)`, `cards(...)`: the departments' yellow and red cards.
- `figures(engine, period)`, `trend(...)`, `annual_review(...)`: the figures of a period.
- `produce_report(engine, period, out_dir)`: the Word bulletin and the .xlsx ledger of a period.
"""

from .cards import Card, cards, record_card
from .figures import DepartmentFigures, OverdueItem, Rates, Report, annual_review, figures, score, trend
from .history import rebuild_from_history, signed_time
from .periods import Period
from .recording import MILESTONE_VARIABLES, MILESTONES, LedgerError, record_milestone
from .reports import is_first_workday_of_month, produce_report

__all__ = [
    "MILESTONES",
    "MILESTONE_VARIABLES",
    "Card",
    "DepartmentFigures",
    "LedgerError",
    "OverdueItem",
    "Period",
    "Rates",
    "Report",
    "annual_review",
    "cards",
    "figures",
    "is_first_workday_of_month",
    "produce_report",
    "rebuild_from_history",
    "record_card",
    "record_milestone",
    "score",
    "signed_time",
    "trend",
]
