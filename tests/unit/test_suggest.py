"""Category suggestion (issue 16): trained on the shipped starter set, explained by its words, offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from appeals.suggest import CategoryModel, current_model, model_path, read_examples, starter_examples, train
from appeals.suggest.cli import suggest as suggest_command
from appeals.suggest.evaluation import evaluate
from appeals.vocabulary import Category

CATEGORIES = {str(c) for c in Category}
EVAL = Path(__file__).resolve().parents[2] / "bench" / "data" / "suggest-eval.tsv"


@pytest.fixture(scope="module")
def model() -> CategoryModel:
    return train(starter_examples())


def test_starter_set_covers_every_category_and_is_not_the_evaluation_set() -> None:
    starter = starter_examples()
    assert len(starter) >= 400
    assert {e.category for e in starter} == CATEGORIES
    held_out = read_examples(EVAL)
    assert {e.category for e in held_out} == CATEGORIES
    assert not {e.problem for e in starter} & {e.problem for e in held_out}, "the evaluation set is held out"


@pytest.mark.parametrize(("problem", "requested_help", "category"), [
    ("这个月厂区停了好几次电，一停电生产线就得停", "请供电公司保障供电", "power"),
    ("公司想贷款五百万扩大生产，银行说要抵押", "", "financing"),
    ("厂房的土地证一直办不下来", "请帮忙办理不动产权证", "land"),
    ("给县里的工程供了货，验收后一直拖欠货款", "请按合同付款", "contract"),
    ("急需招聘一百名普工，招不到人", "请组织招聘会", "labor"),
])
def test_clear_cases(model: CategoryModel, problem: str, requested_help: str, category: str) -> None:
    suggestion = model.suggest(problem, requested_help)
    assert suggestion.category == category
    assert 0 < suggestion.confidence <= 1
    assert suggestion.words, "the words that weighed most are given"


@pytest.mark.parametrize(("problem", "category"), [
    ("稳岗返还资金审核通过了还没到账，员工也在问", "policy"),  # money + workers: policy, not labor
    ("以工代训补贴怎么申领，新员工培训想享受政策", "labor"),  # a subsidy, but for training workers
    ("项目用地已摘牌，但施工许可办不了，因为土地证没下来", "land"),
    ("项目备案后环评和施工许可审批慢，开不了工", "project"),
    ("创业担保贷款贴息政策怎么申请", "financing"),
    ("引进的博士安家补贴没有落实", "talent"),
])
def test_hard_cases_have_the_right_category_in_the_top_three(model: CategoryModel, problem: str,
                                                             category: str) -> None:
    suggestion = model.suggest(problem)
    assert category in [c for c, _ in suggestion.top]
    assert len(suggestion.top) == 3
    assert sum(p for _, p in suggestion.top) <= 1.0 + 1e-9


def test_explanation_names_the_words_of_the_appeal(model: CategoryModel) -> None:
    suggestion = model.suggest("新上生产线需要增容，报装两个月了仍未接电", "请协调供电公司尽快接电")
    assert suggestion.category == "power"
    words = [w for w, _ in suggestion.words]
    assert {"增容", "接电"} & set(words), words
    assert all(weight > 0 for _, weight in suggestion.words)
    assert all(w in "新上生产线需要增容，报装两个月了仍未接电请协调供电公司尽快接电" for w in words)


def test_empty_text_gets_a_low_confidence_suggestion(model: CategoryModel) -> None:
    suggestion = model.suggest("", "")
    assert suggestion.category in CATEGORIES
    assert suggestion.confidence < 0.5
    assert suggestion.words == []


def test_held_out_accuracy_meets_the_targets(model: CategoryModel) -> None:
    result = evaluate(model, read_examples(EVAL))
    assert result.top1 >= 0.85, result.errors
    assert result.top3 >= 0.97, result.errors


def test_unknown_category_is_refused() -> None:
    from appeals.suggest import Example

    with pytest.raises(ValueError, match="unknown categories"):
        CategoryModel.train([Example("power", "停电"), Example("weather", "下雨")])


@pytest.mark.slow
def test_model_file_round_trip_and_first_use(tmp_path: Path, model: CategoryModel) -> None:
    model.save(model_path(tmp_path))
    loaded = current_model(tmp_path)
    assert loaded.suggest("频繁停电").category == model.suggest("频繁停电").category
    fresh = tmp_path / "fresh"
    first = current_model(fresh)  # no file: trained from the starter set and saved
    assert model_path(fresh).exists()
    assert first.sources == {"starter": len(starter_examples()), "ledger": 0}
    assert current_model(fresh) is first, "cached while the file is unchanged"


def test_cli_prints_the_suggestion_as_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           model: CategoryModel) -> None:
    monkeypatch.setenv("APPEALS_DATA_DIR", str(tmp_path))
    model.save(model_path(tmp_path))
    result = CliRunner().invoke(suggest_command, ["企业反映厂区频繁停电，设备无法运行", "--requested-help", "保障供电"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["category"] == "power"
    assert [t["category"] for t in data["top3"]][0] == "power" and len(data["top3"]) == 3
    assert data["words"] and {"word", "weight"} <= set(data["words"][0])
    evaluated = CliRunner().invoke(suggest_command, ["evaluate", str(EVAL)])
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.output)["top1"] >= 0.85


@pytest.mark.slow
def test_cli_train_learns_from_the_ledger(fresh_database_url: str, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from appeals.db import engine_for, upgrade
    from appeals.db.ledger_models import LedgerAppeal

    upgrade(fresh_database_url)
    engine = engine_for(fresh_database_url)
    closed = dt.datetime(2026, 10, 5, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(LedgerAppeal.__table__.insert(), [
            {"process_instance_id": f"p{i}", "status": "closed", "category": "other", "closed_at": closed,
             "problem_description": f"园区食堂饭菜价格太贵第{i}次反映", "requested_help": "请协调食堂"}
            for i in range(5)])
    monkeypatch.setenv("APPEALS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("APPEALS_DATABASE_URL", fresh_database_url)
    result = CliRunner().invoke(suggest_command, ["train"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["sources"] == {"starter": len(starter_examples()), "ledger": 5}
    assert model_path(tmp_path).exists()
    assert current_model(tmp_path).suggest("园区食堂饭菜价格太贵").category == "other"


def test_bulletin_reports_the_suggestion_accuracy_in_real_use(fresh_database_url: str) -> None:
    import datetime as dt

    from appeals.db import engine_for, upgrade
    from appeals.db.ledger_models import LedgerAppeal
    from appeals.ledger.bulletin import suggestion_note
    from appeals.ledger.figures import figures
    from appeals.ledger.periods import Period

    upgrade(fresh_database_url)
    engine = engine_for(fresh_database_url)
    october = dt.datetime(2026, 10, 12, 2, tzinfo=dt.UTC)
    rows = [("power", "power"), ("land", "project"), ("labor", "labor"), ("policy", "policy"), ("other", None)]
    with engine.begin() as conn:
        conn.execute(LedgerAppeal.__table__.insert(), [
            {"process_instance_id": f"s{i}", "status": "dispatched", "category": chosen, "suggested_category": suggested,
             "received_at": october, "dispatched_at": october} for i, (chosen, suggested) in enumerate(rows)])
        # dispatched in another month: not counted
        conn.execute(LedgerAppeal.__table__.insert(), {
            "process_instance_id": "s9", "status": "dispatched", "category": "power", "suggested_category": "land",
            "dispatched_at": october + dt.timedelta(days=40)})
    report = figures(engine, Period.parse("2026-10"), as_of=dt.datetime(2026, 11, 5, tzinfo=dt.UTC))
    assert (report.suggestion_checked, report.suggestion_accepted) == (4, 3)
    assert "一致的3件，建议准确率75.0%" in suggestion_note(report)


def _closed(i: int, problem: str, reply: str, **extra):
    import datetime as dt

    from appeals.suggest.similar import ClosedAppeal

    values = {"registration_number": f"某县服企办收（2026）第{i}号", "category": "power", "requested_help": "",
              "result_class": "A", "closed_at": dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
              "enterprise_name": f"某县第{i}机械有限公司", "contact_name": "王经理", "credit_code": None, **extra}
    return ClosedAppeal(f"p{i}", problem=problem, reply=reply, **values)


def test_similar_cases_are_ranked_and_scrubbed() -> None:
    from appeals.suggest.similar import SimilarCases, similar_text

    index = SimilarCases([
        _closed(1, "厂区频繁停电，生产线原料报废", "供电公司已更换老化线路，恢复稳定供电，王经理（13912345678）表示满意。"),
        _closed(2, "增容报装两个月未接电", "某县第2机械有限公司的增容工程已完成，91140525MA0K2U7X4L 已送电。"),
        _closed(3, "贷款因缺少抵押物未获批准", "已对接担保公司", category="financing"),
        _closed(4, "厂区经常停电，设备无法运行", "已协调恒达精密制造有限公司共用备用电源。"),
    ])
    found = index.search("近一个月厂区频繁停电，损失较大", "请保障供电", exclude=["p4"])
    assert [c.registration_number for c in found][0] == "某县服企办收（2026）第1号"
    assert "某县服企办收（2026）第4号" not in [c.registration_number for c in found], "the appeal itself is left out"
    assert all(c.category != "financing" for c in found), "an unrelated case is below the threshold"
    text = similar_text(found) + "".join(c.reply for c in index.search("停电", limit=5))
    for secret in ("13912345678", "王经理", "某县第2机械有限公司", "91140525MA0K2U7X4L", "恒达精密制造有限公司"):
        assert secret not in text
    assert "A类" in similar_text(found) and "某联系人" in text
    assert SimilarCases([]).search("停电") == []
    assert similar_text([]) == "暂无相似的已办结诉求。"


def test_similar_cases_index_follows_the_ledger(fresh_database_url: str) -> None:
    import datetime as dt

    from appeals.db import engine_for, upgrade
    from appeals.db.ledger_models import LedgerAppeal
    from appeals.suggest.similar import SimilarCases, similar_variables

    upgrade(fresh_database_url)
    engine = engine_for(fresh_database_url)
    closed = dt.datetime(2026, 10, 5, tzinfo=dt.UTC)
    row = {"status": "closed", "category": "power", "closed_at": closed, "result_class": "A",
           "problem_description": "厂区频繁停电", "reply_text": "已更换线路"}
    with engine.begin() as conn:
        for values in ({**row, "process_instance_id": "c1"},
                       {**row, "process_instance_id": "c2", "close_reason": "withdrawn"},  # no result: not shown
                       {**row, "process_instance_id": "c3", "closed_at": None}):  # still open
            conn.execute(LedgerAppeal.__table__.insert(), values)
    assert len(SimilarCases.of_ledger(engine)) == 1
    with engine.begin() as conn:
        conn.execute(LedgerAppeal.__table__.insert(), {**row, "process_instance_id": "c4",
                                                       "closed_at": closed + dt.timedelta(days=1)})
    assert len(SimilarCases.of_ledger(engine)) == 2, "rebuilt when an appeal was closed since"
    variables = similar_variables(engine, "c4", {"problemDescription": "最近经常停电"})
    assert [c["similarity"] > 0 for c in variables["similarCases"]] == [True]
    assert "已更换线路" in variables["similarCasesText"]


def test_duplicates_of_the_same_enterprise_are_found(fresh_database_url: str, model: CategoryModel) -> None:
    import datetime as dt

    from appeals.db import engine_for, upgrade
    from appeals.db.ledger_models import LedgerAppeal, LedgerEnterprise
    from appeals.suggest.duplicates import duplicate_variables, find_duplicates

    upgrade(fresh_database_url)
    engine = engine_for(fresh_database_url)
    now = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    code, other_code = "91140525MA0K2U7X4L", "91140525MA0H8C3E25"
    base = {"status": "registered", "enterprise_name": "某县恒达机械制造有限公司", "contact_phone": "13912345678",
            "received_at": now - dt.timedelta(days=7)}
    outage = "我公司近期多次遭遇无计划停电，每次停电熔炉内的原料都要报废，恳请协调供电公司查明原因、保障供电。"
    rows = [
        {**base, "process_instance_id": "open-same", "credit_code": code, "problem_description": outage,
         "registration_number": "某县服企办收（2026）第3号", "channel": "online", "category": "power"},
        {**base, "process_instance_id": "other-problem", "credit_code": code, "category": "financing",
         "problem_description": "流动资金紧张，申请的贷款因缺少抵押物未获批准。"},
        {**base, "process_instance_id": "other-enterprise", "credit_code": other_code,
         "enterprise_name": "某县绿源农产品加工有限公司", "contact_phone": "0356-6012345", "problem_description": outage},
        {**base, "process_instance_id": "long-closed", "credit_code": code, "problem_description": outage,
         "status": "closed", "closed_at": now - dt.timedelta(days=200)},
        {**base, "process_instance_id": "name-and-phone", "credit_code": None, "problem_description": outage,
         "category": "power"},
    ]
    with engine.begin() as conn:
        conn.execute(LedgerEnterprise.__table__.insert(), [{"credit_code": code, "name": "某县恒达机械制造有限公司"},
                                                           {"credit_code": other_code, "name": "某县绿源农产品加工有限公司"}])
        for row in rows:
            conn.execute(LedgerAppeal.__table__.insert(), row)
    restated = {"creditCode": code, "enterpriseName": "某县恒达机械制造有限公司", "contactPhone": "13912345678",
                "problemDescription": "来电人称其工厂本月已停电五次，没有预先通知，炉内物料全部报废。",
                "requestedHelp": "要求供电部门解决。"}
    found = find_duplicates(engine, model, "new", restated, "power", now=now)
    assert [c.process_instance_id for c in found] == ["open-same", "name-and-phone"] or \
        [c.process_instance_id for c in found] == ["name-and-phone", "open-same"]
    variables = duplicate_variables(engine, model, "new", restated, "power")
    assert variables["possibleDuplicate"] is True
    assert variables["duplicateText"].startswith("同一企业已有相似诉求")
    unrelated = {**restated, "problemDescription": "急需招聘一百名普工", "requestedHelp": "请组织招聘会"}
    assert find_duplicates(engine, model, "new", unrelated, "labor", now=now) == []
    nobody = {"problemDescription": restated["problemDescription"]}
    assert duplicate_variables(engine, model, "new", nobody, "power") == {
        "possibleDuplicate": False, "duplicateCandidates": [], "duplicateOf": None, "duplicateOfNumber": None,
        "mergeInto": None, "duplicateText": None}
