"""Every value the code writes fits the column it goes to, on PostgreSQL as on SQLite.

SQLite ignores declared lengths (`VARCHAR(8)` takes `registration`), PostgreSQL refuses them; the
suite used to run on SQLite only, and production could not register one appeal (issue 18). Two
guards: this static test compares every code list and number format with its column, and the
application database on SQLite carries triggers that refuse an over-long value as PostgreSQL does
(`appeals.db.sqlite_length_triggers`), so the whole suite sees what production would.

A new short column (a status, a kind, a code) must be added to `CODE_COLUMNS` with the values that
go into it, or to `IDENTIFIER_COLUMNS` with the reason its values are bounded: otherwise this test
fails and says which column has no declared source.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import String

from appeals import db, numbering
from appeals import vocabulary as v
from appeals.ledger.cards import KINDS as CARD_KINDS
from appeals.org import DEMO_ORG, load

HOTLINE_MILESTONES = ("registered", "dispatched", "signed", "replied", "closed")

# column → the values the code writes into it
CODE_COLUMNS: dict[str, tuple[str, ...]] = {
    "number_sequence.kind": tuple(numbering.KINDS),
    "issued_number.kind": tuple(numbering.KINDS),
    "ledger_appeal.status": tuple(v.AppealStatus),
    "ledger_appeal.category": tuple(v.Category),
    "ledger_appeal.suggested_category": tuple(v.Category),  # appeals.suggest: a category code
    "ledger_appeal.kind": tuple(v.AppealKind),
    "ledger_appeal.channel": tuple(v.Channel),
    "ledger_appeal.result_class": tuple(v.ResultClass),
    "ledger_appeal.last_satisfaction": tuple(v.Satisfaction),
    "ledger_appeal.reply_method": tuple(v.ReplyMethod),
    "ledger_appeal.close_reason": tuple(v.CloseReason),
    "ledger_appeal.follow_up_outcome": tuple(v.FollowUpOutcome),
    "ledger_appeal.dispatch_situation": tuple(v.DispatchSituation),  # ProposeDispatchForm
    "ledger_follow_up.satisfaction": tuple(v.Satisfaction),
    "ledger_follow_up.method": tuple(v.FollowUpMethod),
    "ledger_card.kind": CARD_KINDS,
    "ledger_card.escalation": ("deputy_interview", "principal_interview"),
    "ledger_card.level": tuple(v.SupervisionLevel),
    "hotline_order.source": ("open311", "xlsx"),
    "hotline_order.state": ("new", "started", "withdrawn_before_intake"),
    "hotline_order.status_pushed": HOTLINE_MILESTONES,
    "hotline_update.milestone": HOTLINE_MILESTONES,
    "hotline_quarantine.source": ("open311", "xlsx"),
    "outbox_message.channel": ("email", "sms", "webhook"),
    "outbox_message.status": ("pending", "sending", "sent", "failed", "undelivered"),
    "online_submission.status": ("pending", "queued", "started", "failed"),
    "survey_answer.status": ("pending", "answered"),
}
# column → why its values are bounded (checked where a number can be computed)
IDENTIFIER_COLUMNS: dict[str, str] = {
    "ledger_enterprise.credit_code": "统一社会信用代码: exactly 18 characters (GB 32100-2015)",
    "ledger_appeal.credit_code": "统一社会信用代码: exactly 18 characters",
    "ledger_appeal.result_class": "A/B/C",
    "online_submission.token": "secrets.token_urlsafe(16): 22 characters",
    "online_submission.business_key": "WEB- + token",
    "online_delivery.business_key": "WEB- + token (the online_submission's)",
    "online_submission.form_nonce_hash": "SHA-256 hex: 64",
    "online_submission.client_ip_hash": "HMAC-SHA-256 hex: 64",
    "ledger_appeal.county": "a Camunda tenant id of the org chart: org.chart.TENANT_PATTERN, at most 64",
}
NUMBER_COLUMNS = ("issued_number.number", "ledger_appeal.registration_number", "ledger_appeal.dispatch_number",
                  "ledger_appeal.transfer_number")


def _string_columns() -> dict[str, int]:
    return {
        f"{table.name}.{column.name}": column.type.length
        for table in db.Base.metadata.sorted_tables for column in table.columns
        if isinstance(column.type, String) and column.type.length
    }


@pytest.mark.parametrize("column", sorted(CODE_COLUMNS))
def test_every_code_value_fits_its_column(column: str) -> None:
    length = _string_columns()[column]
    too_long = [value for value in CODE_COLUMNS[column] if len(value) > length]
    assert not too_long, f"{column} is VARCHAR({length}) but the code writes {too_long}"


def test_every_short_string_column_has_a_declared_source() -> None:
    """Columns shorter than 64 characters hold codes: each must say where its values come from."""
    undeclared = sorted(
        name for name, length in _string_columns().items()
        if length < 64 and name not in CODE_COLUMNS and name not in IDENTIFIER_COLUMNS
        and not name.endswith(("_phone", "_name"))
    )
    assert not undeclared, f"columns with no declared source of values (add them above): {undeclared}"


def test_a_county_tenant_fits_the_ledgers_county_column() -> None:
    from appeals.org.chart import TENANT_PATTERN

    longest = "a" + "b" * 63
    assert TENANT_PATTERN.match(longest) and not TENANT_PATTERN.match(longest + "c")
    assert _string_columns()["ledger_appeal.county"] >= len(longest)


@pytest.mark.parametrize("kind", sorted(numbering.KINDS))
def test_document_numbers_fit_their_columns(kind: str) -> None:
    prefixes = [load(DEMO_ORG).number_prefix,
                "新疆维吾尔自治区伊犁哈萨克自治州察布查尔锡伯自治县"]  # a county's longest full name
    columns = _string_columns()
    for prefix in prefixes:
        number = numbering.format_number(prefix, kind, 2026, 999_999)
        for column in NUMBER_COLUMNS:
            assert len(number) <= columns[column], f"{number!r} ({len(number)}) does not fit {column}"


def test_sqlite_refuses_what_postgresql_refuses(tmp_path) -> None:
    """The SQLite application database carries a length trigger for every declared VARCHAR(n)."""
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    url = f"sqlite:///{tmp_path / 'strict.sqlite'}"
    db.upgrade(url)  # the migration installs the triggers
    engine = db.engine_for(url)
    statements = db.sqlite_length_triggers(db.Base.metadata)
    column_of = re.compile(r'length\(NEW\."(\w+)"\)')
    guarded = {table + "." + column_of.search(sql).group(1) for table, sql in statements}
    assert guarded == set(_string_columns())
    with pytest.raises(IntegrityError, match=r"character varying\(96\): number_sequence.kind"):
        with engine.begin() as conn:
            conn.execute(insert(db.NumberSequence).values(year=2026, kind="k" * 97, last_value=0))
    with engine.begin() as conn:  # the longest value that fits is taken
        conn.execute(insert(db.NumberSequence).values(year=2026, kind="k" * 96, last_value=0))
