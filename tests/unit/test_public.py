"""The public pages (appeals.public): questionnaire, progress lookup, survey link.

Flask's test client drives the app; a fake gateway replaces the engine. The helpers here are shared with
tests/engine/test_public.py (the same pages against the session's real engine), the browser and cluster tests."""

from __future__ import annotations

import dataclasses
import re
import secrets
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from appeals.camunda import CamundaError
from appeals.db import utcnow
from appeals.db.public_models import OnlineDelivery, OnlineSubmission
from appeals.public import create_app, follow_up_round, survey_link
from appeals.public.app import EXTENSION
from appeals.public.delivery import deliver_due
from appeals.public.gateway import EngineUnavailable, NotWaiting
from appeals.public.links import SALT, SurveyTokenError, read_survey_token
from appeals.public.submissions import FIELD_NAMES, parse_lookup_key
from appeals.settings import EngineSettings, OrgSettings, PublicSettings, Settings, SettingsError
from appeals.validation import check_email

SECRET = "public-test-secret-" + secrets.token_hex(16)
PUBLIC_PASSWORD = "public-" + secrets.token_hex(8)
PHONE = "13812345678"
VALID = {
    "enterpriseName": "某县鑫源精密铸造有限公司",
    "creditCode": "91140525MA0K2U7X4L",
    "enterpriseAddress": "某县经济开发区工业大道18号",
    "contactName": "赵经理",
    "contactPosition": "副总经理",
    "contactPhone": PHONE,
    "contactEmail": "zhao@example.com",
    "category": "power",
    "appealKind": "help",
    "problemDescription": "新上熔炼车间需要增容到2000千伏安，报装三个月未接电。",
    "requestedHelp": "协调供电公司尽快完成增容接电。",
    "agree": "1",
}


def public_settings(base: Settings, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"secret": SECRET, "password": PUBLIC_PASSWORD,
                              "base_url": "http://public.test", "registration_wait_seconds": 15.0}
    values.update(overrides)
    return dataclasses.replace(base, public=PublicSettings(**values))


def form_of(page: str) -> dict[str, str]:
    """The hidden fields (csrf_token, nonce) of the first form on a page."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))


def post_form(client, path: str, data: dict[str, Any], token_from: str | None = None):
    """GET the page (or `token_from`) for its CSRF token (and nonce), then POST data with them."""
    hidden = form_of(client.get(token_from or path).get_data(as_text=True))
    return client.post(path, data={**hidden, **data})


# =========================================================================== unit: fake engine
class FakeGateway:
    """Stands in for the engine: records what the app would start and answer."""

    def __init__(self) -> None:
        self.started: list[tuple[str, dict[str, Any]]] = []
        self.answers: list[tuple[str, dict[str, Any]]] = []
        self.store: dict[str, dict[str, Any]] = {}
        self.waiting: set[str] = set()

    def submit(self, business_key: str, variables: dict[str, Any]) -> str:
        pid = f"pid-{len(self.started) + 1}"
        self.started.append((business_key, dict(variables)))
        self.store[pid] = {**variables, "businessKey": business_key,
                           "registrationNumber": f"某县服企办收（2026）第{len(self.started)}号",
                           "appealStatus": "registered"}
        return pid

    def find_by_business_key(self, business_key: str) -> str | None:
        return next((p for p, v in self.store.items() if v.get("businessKey") == business_key), None)

    def find_by_registration_number(self, number: str) -> str | None:
        return next((p for p, v in self.store.items() if v.get("registrationNumber") == number), None)

    def instance(self, pid: str) -> dict[str, Any] | None:
        return {"id": pid, "state": "ACTIVE", "startTime": "2026-03-02T09:00:00.000+0800",
                "tenantId": self.store[pid].get("countyCode")} if pid in self.store else None

    def variables(self, pid: str, names=None) -> dict[str, Any]:
        values = self.store.get(pid, {})
        return {k: v for k, v in values.items() if names is None or k in names}

    def waits_for_survey(self, pid: str) -> bool:
        return pid in self.waiting

    def answer_survey(self, pid: str, variables: dict[str, Any]) -> None:
        if pid not in self.waiting:
            raise NotWaiting("not waiting")
        self.waiting.discard(pid)
        self.answers.append((pid, dict(variables)))
        self.store[pid]["followUpHistory"] = [*self.store[pid].get("followUpHistory", []), variables]


def make_app(tmp_path, **overrides: Any):
    base = Settings(engine=EngineSettings(url="http://127.0.0.1:9/engine-rest"), data_dir=tmp_path)
    app = create_app(public_settings(base, **overrides))
    app.config["TESTING"] = True
    gateway = FakeGateway()
    app.extensions[EXTENSION].gateway = gateway
    return app, gateway


@pytest.fixture
def fake(tmp_path):
    return make_app(tmp_path)


def test_create_app_needs_the_secret_and_the_password(tmp_path) -> None:
    def base(**public: Any) -> Settings:
        return Settings(data_dir=tmp_path, public=PublicSettings(**public))

    with pytest.raises(SettingsError, match="APPEALS_PUBLIC_SECRET"):
        create_app(base(password="x"))
    with pytest.raises(SettingsError, match="at least"):
        create_app(base(secret="short", password="x"))
    with pytest.raises(SettingsError, match="APPEALS_PUBLIC_PASSWORD"):
        create_app(base(secret=SECRET))


def test_landing_page_is_chinese_for_phones_with_security_headers(fake) -> None:
    app, _ = fake
    client = app.test_client()
    page = client.get("/")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body
    assert 'lang="zh-CN"' in body and "在线反映诉求" in body and "查询办理进度" in body
    assert "<script" not in body
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in page.headers["Cache-Control"]
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_data(as_text=True) == "ok\n"
    css = client.get("/static/public.css")
    assert css.status_code == 200 and "no-store" not in css.headers.get("Cache-Control", "")
    css.close()


def test_questionnaire_lists_the_ten_categories_and_four_kinds_in_chinese(fake) -> None:
    app, _ = fake
    body = app.test_client().get("/appeal").get_data(as_text=True)
    for label in ("政策执行", "合同履行", "用地审批", "用电保障", "融资服务", "人才服务", "招工用工", "项目推动",
                  "软环境建设", "其它", "咨询", "求助", "建议", "投诉", "统一社会信用代码", "主要困难和问题",
                  "希望协调解决的具体事项"):
        assert label in body, label
    assert 'name="csrf_token"' in body and 'name="website"' in body


def test_invalid_credit_code_shows_the_message_next_to_the_field_and_starts_nothing(fake) -> None:
    app, gateway = fake
    client = app.test_client()
    response = post_form(client, "/appeal", {**VALID, "creditCode": "91140525MA0K2U7X4M",
                                             "contactEmail": "not-an-address"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "统一社会信用代码校验位不正确" in body
    assert "电子邮箱格式不正确" in body
    assert re.search(r'id="creditCode-error">[^<]*校验位不正确', body), "the message sits next to its field"
    assert "某县鑫源精密铸造有限公司" in body and "91140525MA0K2U7X4M" in body, "typed values are kept"
    assert gateway.started == []
    with app.extensions[EXTENSION].store.engine.connect() as conn:
        assert conn.execute(select(OnlineSubmission)).all() == []


def test_required_fields_phone_and_lengths_are_checked(fake) -> None:
    app, gateway = fake
    client = app.test_client()
    data = {**VALID, "contactPhone": "12345", "problemDescription": "难" * 5001, "appealKind": "", "agree": ""}
    data.pop("enterpriseName")
    body = post_form(client, "/appeal", data).get_data(as_text=True)
    for message in ("缺少企业名称", "联系电话应为手机号或带区号的座机号", "主要困难和问题超过5000字",
                    "缺少诉求类型", "请阅读并同意个人信息使用说明后提交"):
        assert message in body, message
    response = post_form(client, "/appeal", {**VALID, "category": "weapons"})
    assert response.status_code == 400 and "问题类别“weapons”不在规定范围内" in response.get_data(as_text=True)
    assert gateway.started == []


def test_a_post_without_csrf_token_is_refused(tmp_path) -> None:
    app, gateway = make_app(tmp_path)
    client = app.test_client()
    client.get("/appeal")
    response = client.post("/appeal", data={**VALID, "nonce": "n" * 24})
    assert response.status_code == 400
    assert "页面已过期或提交来源无法确认" in response.get_data(as_text=True)
    assert gateway.started == []
    wrong = client.post("/appeal", data={**VALID, "nonce": "n" * 24, "csrf_token": "forged"})
    assert wrong.status_code == 400 and gateway.started == []
    for path in ("/lookup", "/survey/whatever"):
        refused = client.post(path, data={"number": "x", "phone": PHONE})
        assert refused.status_code == 400, path
        assert "Traceback" not in refused.get_data(as_text=True)


def test_submissions_and_lookups_are_rate_limited_per_client(tmp_path) -> None:
    app, _ = make_app(tmp_path, rate_submit="3 per minute", rate_submit_refused="4 per minute",
                      rate_lookup="2 per minute")
    client = app.test_client()
    statuses = [post_form(client, "/appeal", {"enterpriseName": "x"}).status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 429], "refused submissions have their own limit"
    page = post_form(client, "/appeal", VALID)
    assert page.status_code == 429 and "操作过于频繁" in page.get_data(as_text=True)
    assert client.get("/appeal").status_code == 200, "reading the form is not limited by the submit limit"
    lookups = [post_form(client, "/lookup", {"number": "某县服企办收（2026）第1号", "phone": PHONE}).status_code
               for _ in range(3)]
    assert lookups == [404, 404, 429]
    other = app.test_client()
    other_ip = other.post("/lookup", data={}, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other_ip.status_code == 400, "another client has its own budget"


@given(typos=st.integers(0, 11))  # fewer than the refused limit: at 12 the client is a flood (429)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_corrected_typos_do_not_use_up_the_submit_limit(tmp_path, typos: int) -> None:
    """Tester 2: an enterprise correcting typos was told "操作过于频繁" after 5 tries. Refused tries
    count against their own, higher limit; accepted submissions keep theirs (floods stay limited)."""
    app, gateway = make_app(tmp_path / secrets.token_hex(4), rate_submit="2 per minute",
                            rate_submit_refused="12 per minute")
    client = app.test_client()
    for _ in range(typos):
        assert post_form(client, "/appeal", {**VALID, "contactPhone": "12345"}).status_code == 400
    assert post_form(client, "/appeal", VALID).status_code == 303, f"accepted after {typos} corrections"
    assert post_form(client, "/appeal", {**VALID, "problemDescription": "另一件事"}).status_code == 303
    assert post_form(client, "/appeal", {**VALID, "problemDescription": "第三件事"}).status_code == 429
    assert len(gateway.started) == 2
    flood = [post_form(client, "/appeal", {"enterpriseName": "x"}).status_code for _ in range(13 - typos)]
    assert flood[-1] == 429, "refused tries are limited too"


def test_a_client_that_used_up_the_refused_limit_waits_like_a_flood(tmp_path) -> None:
    app, gateway = make_app(tmp_path, rate_submit="2 per minute", rate_submit_refused="3 per minute")
    client = app.test_client()
    assert [post_form(client, "/appeal", {**VALID, "contactPhone": "12345"}).status_code
            for _ in range(3)] == [400, 400, 400]
    assert post_form(client, "/appeal", VALID).status_code == 429
    assert not gateway.started


def test_honeypot_oversize_methods_and_unknown_pages_get_chinese_error_pages(fake) -> None:
    app, gateway = fake
    client = app.test_client()
    bot = post_form(client, "/appeal", {**VALID, "website": "http://spam.example"})
    assert bot.status_code == 400 and "提交未被受理" in bot.get_data(as_text=True)
    huge = client.post("/appeal", data={"problemDescription": "x" * 400_000})
    assert huge.status_code == 413 and "提交内容过大" in huge.get_data(as_text=True)
    put = client.put("/appeal")
    assert put.status_code == 405 and "请求方式不正确" in put.get_data(as_text=True)
    missing = client.get("/admin")
    assert missing.status_code == 404 and "页面不存在" in missing.get_data(as_text=True)
    assert gateway.started == []


def test_valid_submission_goes_to_a_receipt_once_even_when_posted_twice(fake) -> None:
    app, gateway = fake
    client = app.test_client()
    hidden = form_of(client.get("/appeal").get_data(as_text=True))
    first = client.post("/appeal", data={**hidden, **VALID})
    assert first.status_code == 303
    receipt = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "某县服企办收（2026）第1号" in receipt
    business_key, variables = gateway.started[0]
    assert re.fullmatch(r"WEB-[0-9A-F]{16}", business_key)
    assert business_key.removeprefix("WEB-") in receipt
    assert variables["channel"] == "online"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", variables["receivedAt"])
    again = client.post("/appeal", data={**hidden, **VALID})  # a double tap or a reload
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert len(gateway.started) == 1
    stranger = app.test_client().get(first.headers["Location"])
    assert stranger.status_code == 404, "a receipt shows only in the browser that submitted"


def test_engine_down_keeps_the_submission_gives_the_receipt_and_delivers_it_once(fake) -> None:
    """Issue 12, kind 2: a failed engine call no longer loses the enterprise's input."""
    app, gateway = fake
    client = app.test_client()
    hidden = form_of(client.get("/appeal").get_data(as_text=True))
    submit_ok = gateway.submit

    def down(*_args, **_kwargs):
        raise EngineUnavailable("ConnectionError")

    gateway.submit = down
    kept = client.post("/appeal", data={**hidden, **VALID})
    assert kept.status_code == 303, "the enterprise gets its receipt although the engine is down"
    token = kept.headers["Location"].rsplit("/", 1)[-1]
    receipt = client.get(kept.headers["Location"]).get_data(as_text=True)
    assert token in receipt and "登记编号正在生成" in receipt
    again = client.post("/appeal", data={**hidden, **VALID})  # a double tap while kept
    assert again.status_code == 303 and again.headers["Location"] == kept.headers["Location"]
    progress = post_form(client, "/lookup", {"number": token, "phone": PHONE})
    assert progress.status_code == 200 and "已收到，正在登记" in progress.get_data(as_text=True)
    wrong_phone = post_form(client, "/lookup", {"number": token, "phone": "13900000000"})
    assert wrong_phone.status_code == 404
    store = app.extensions[EXTENSION].store
    assert deliver_due(store, gateway) == 0, "not due yet, and the engine is still down"
    gateway.submit = submit_ok
    with store.engine.begin() as conn:  # make the next attempt due now
        conn.execute(OnlineDelivery.__table__.update().values(next_attempt_at=utcnow()))
    assert deliver_due(store, gateway) == 1
    assert deliver_due(store, gateway) == 0
    assert len(gateway.started) == 1
    business_key, variables = gateway.started[0]
    assert business_key == f"WEB-{token}" and variables["problemDescription"] == VALID["problemDescription"]
    with store.engine.connect() as conn:
        assert [r.status for r in conn.execute(select(OnlineSubmission)).all()] == ["started"]
        rows = conn.execute(select(OnlineDelivery)).all()
    assert [r.variables for r in rows] == [None], "the kept copy is dropped once the engine has it"
    assert "某县服企办收（2026）第1号" in client.get(kept.headers["Location"]).get_data(as_text=True)

    def unreachable(*_args, **_kwargs):
        raise EngineUnavailable("ConnectionError")

    gateway.find_by_registration_number = unreachable
    busy = post_form(client, "/lookup", {"number": "某县服企办收（2026）第1号", "phone": PHONE})
    assert busy.status_code == 503 and "系统繁忙" in busy.get_data(as_text=True)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.lists(st.sampled_from(["down", "refused", "lost", "ok"]), min_size=1, max_size=6),
       deliverers=st.integers(min_value=1, max_value=3))
def test_any_sequence_of_engine_failures_ends_in_exactly_one_appeal(tmp_path_factory, answers, deliverers) -> None:
    """down: no connection; refused: HTTP 500; lost: the engine started it but the answer was lost."""
    app, gateway = make_app(tmp_path_factory.mktemp("kept"))
    client = app.test_client()
    store = app.extensions[EXTENSION].store
    submit_ok = gateway.submit
    plan = list(answers)

    def engine(business_key, variables):
        answer = plan.pop(0) if plan else "ok"
        if answer == "down":
            raise EngineUnavailable("ConnectionError")
        if answer == "refused":
            raise CamundaError(500, "ProcessEngineException")
        pid = submit_ok(business_key, variables)
        if answer == "lost":
            raise EngineUnavailable("ReadTimeout")
        return pid

    gateway.submit = engine
    response = post_form(client, "/appeal", VALID)
    assert response.status_code == 303
    for _round in range(len(answers) + 2):
        with store.engine.begin() as conn:
            conn.execute(OnlineDelivery.__table__.update().values(next_attempt_at=utcnow()))
        for _ in range(deliverers):
            deliver_due(store, gateway)
    assert len(gateway.started) == 1, "nothing lost, nothing submitted twice"
    with store.engine.connect() as conn:
        assert [r.status for r in conn.execute(select(OnlineSubmission)).all()] == ["started"]


def test_lookup_keys_accept_the_number_in_any_bracket_width_or_the_receipt_token() -> None:
    expected = "某县服企办收（2026）第12号"
    for typed in ("某县服企办收（2026）第12号", "某县服企办收(2026)第12号", " (2026)第012号 ", "（2026）12"):
        assert parse_lookup_key(typed, "某县").registration_number == expected, typed
    assert parse_lookup_key("web-0123456789abcdef", "某县").business_key == "WEB-0123456789ABCDEF"
    assert parse_lookup_key("0123456789ABCDEF", "某县").business_key == "WEB-0123456789ABCDEF"
    for bad in ("", "12", "第12号", "x" * 100, "<script>"):
        assert parse_lookup_key(bad, "某县") is None, bad


YEAR_BRACKETS = [("（", "）"), ("(", ")"), ("【", "】"), ("[", "]"), ("［", "］"), ("〔", "〕"), ("〖", "〗"),
                 ("-", "-"), ("－", "－"), ("—", "—"), ("", "-"), ("【", ")"), ("", "年")]


@given(prefix=st.sampled_from(["乙县服企办收", "乙县", "", "乙县服企办收 "]),
       brackets=st.sampled_from(YEAR_BRACKETS), full_width=st.booleans(),
       serial=st.integers(min_value=1, max_value=9_999_999), ordinal=st.sampled_from([("第", "号"), ("第", ""), ("", "号"), ("", "")]),
       spaces=st.booleans())
@example(prefix="乙县服企办收", brackets=("【", "】"), full_width=False, serial=21, ordinal=("第", "号"), spaces=False)
@example(prefix="乙县服企办收", brackets=("[", "]"), full_width=False, serial=21, ordinal=("第", "号"), spaces=False)
@example(prefix="乙县服企办收", brackets=("-", "-"), full_width=False, serial=21, ordinal=("第", "号"), spaces=False)
@example(prefix="", brackets=("", "-"), full_width=False, serial=21, ordinal=("", ""), spaces=False)
def test_the_year_of_a_number_may_stand_in_any_brackets_or_between_dashes(prefix, brackets, full_width, serial,
                                                                         ordinal, spaces) -> None:
    """Tester 3, N5: 乙县服企办收【2026】第21号, [2026], -2026-, 2026-21 were refused. The kind: any bracket pair
    (or dashes) around the year, full-width or not, 第/号 and the county prefix optional."""
    year, number = "2026", str(serial)
    if full_width:
        year, number = (t.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"}) for t in (year, number))
    if brackets == ("", "-") and not ordinal[0]:
        typed_year = f"{year}-"  # 2026-21
    else:
        typed_year = f"{brackets[0]}{year}{brackets[1]}"
    gap = " " if spaces else ""
    typed = f"{prefix}{gap}{typed_year}{gap}{ordinal[0]}{number}{ordinal[1]}"
    assert parse_lookup_key(typed, "乙县").registration_number == f"乙县服企办收（2026）第{serial}号", typed


def test_a_number_whose_year_cannot_be_told_is_refused() -> None:
    for bad in ("202621", "12026-21", "(26)第3号", "21-2026", "（2026）", "2026", "乙县服企办收2026 21号"):
        assert parse_lookup_key(bad, "乙县") is None, bad


def test_each_countys_lookup_error_gives_its_own_example_number(tmp_path) -> None:
    """Tester 3, N6: 乙县's site said “如：某县服企办收（2026）第12号”."""
    base = Settings(engine=EngineSettings(url="http://127.0.0.1:9/engine-rest"), data_dir=tmp_path)
    for county in ("乙县", "某县"):
        settings = public_settings(dataclasses.replace(base, org=OrgSettings(prefix_override=county)))
        app = create_app(settings)
        app.config["TESTING"] = True
        app.extensions[EXTENSION].gateway = FakeGateway()
        response = post_form(app.test_client(), "/lookup", {"number": "第12号", "phone": PHONE})
        body = response.get_data(as_text=True)
        assert response.status_code == 400 and f"如：{county}服企办收（2026）第12号）或16位回执号" in body
        other = "某县" if county == "乙县" else "乙县"
        assert f"{other}服企办收" not in body


def test_survey_tokens_are_signed_and_expire() -> None:
    link = survey_link("pid-1", 2, "https://qy.example.gov.cn/", secret=SECRET)
    token = link.removeprefix("https://qy.example.gov.cn/survey/")
    assert read_survey_token(token, SECRET).process_instance_id == "pid-1"
    assert read_survey_token(token, SECRET).round == 2
    with pytest.raises(SurveyTokenError):
        read_survey_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB"), SECRET)
    with pytest.raises(SurveyTokenError):
        read_survey_token(token, "another-secret-" + "x" * 32)
    old = _old_token("pid-1", 2, days=31)
    with pytest.raises(SurveyTokenError) as expired:
        read_survey_token(old, SECRET)
    assert expired.value.expired
    assert follow_up_round({}) == 1
    assert follow_up_round({"followUpHistory": [{"round": 1}]}) == 2


def _old_token(pid: str, round_: int, days: int) -> str:
    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return super().get_timestamp() - days * 86400

    return URLSafeTimedSerializer(SECRET, salt=SALT, signer=PastSigner).dumps({"p": pid, "r": round_})


def test_survey_page_refuses_tampered_and_expired_links(fake) -> None:
    app, gateway = fake
    pid = gateway.submit("WEB-0000000000000001", {"contactPhone": PHONE})
    gateway.waiting.add(pid)
    client = app.test_client()
    token = survey_link(pid, 1, "", secret=SECRET).removeprefix("/survey/")
    tampered = client.get(f"/survey/{token[:-3]}xyz")
    assert tampered.status_code == 400 and "评价链接无效" in tampered.get_data(as_text=True)
    forged = survey_link(pid, 1, "", secret="a-different-secret-" + "y" * 32)
    assert client.get(forged).status_code == 400
    expired = client.get(f"/survey/{_old_token(pid, 1, days=31)}")
    assert expired.status_code == 400 and "评价链接已过期" in expired.get_data(as_text=True)
    assert post_form(client, f"/survey/{token[:-3]}xyz", {"reallySolved": "yes"}).status_code == 400
    assert gateway.answers == []


def test_qrcode_command_prints_the_code_and_saves_a_png(tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from appeals.public.cli import public

    out = tmp_path / "qr.png"
    result = CliRunner().invoke(public, ["qrcode", "--url", "https://qy.example.gov.cn/appeal", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "█" in result.output and "https://qy.example.gov.cn/appeal" in result.output
    assert out.read_bytes().startswith(b"\x89PNG")
    monkeypatch.setenv("APPEALS_PUBLIC_BASE_URL", "https://county.example.gov.cn/qy/")
    result = CliRunner().invoke(public, ["qrcode", "--out", str(tmp_path / "default.png")])
    assert result.exit_code == 0 and "https://county.example.gov.cn/qy/appeal" in result.output
    assert CliRunner().invoke(public, ["qrcode", "--url", "javascript:alert(1)", "--out", str(out)]).exit_code != 0
    monkeypatch.delenv("APPEALS_PUBLIC_SECRET", raising=False)
    served = CliRunner().invoke(public, ["serve", "--port", "1"])
    assert served.exit_code != 0 and "APPEALS_PUBLIC_SECRET" in served.output


# --------------------------------------------------------------------------- fuzzing (bounded)
HOSTILE = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8", categories=("Cc", "Cf", "Zl", "Zp", "Co")), max_size=100),
    st.sampled_from(["<script>alert(1)</script>", "' OR 1=1 --", "${jndi:ldap://x}", "{{7*7}}", "\x00\x01\x1f",
                     "\u202e\u200b", "../../etc/passwd", "%00", "A" * 6000, "统" * 5001, "9114052" * 3,
                     "-1", "0", "true", "[]", "{}", "null", "WEB-" + "F" * 16]),
)
FIELDS = [*FIELD_NAMES, "agree", "nonce", "website", "csrf_token", "number", "phone", "reallySolved",
          "satisfaction", "note"]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    app, gateway = make_app(tmp_path_factory.mktemp("fuzz"), rate_enabled=False, registration_wait_seconds=0.0)
    app.config["WTF_CSRF_ENABLED"] = False
    pid = gateway.submit("WEB-00000000000000FF", {"contactPhone": PHONE})
    gateway.waiting.add(pid)
    token = survey_link(pid, 1, "", secret=SECRET).removeprefix("/survey/")
    return app, gateway, token


def _assert_clear_4xx_or_ok(response) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code < 500, (response.status_code, body[:500])
    assert "Traceback" not in body and "Werkzeug" not in body
    if response.status_code >= 400 and response.mimetype == "text/html" and response.request.method != "HEAD":
        assert "error-title" in body or "alert" in body or 'class="error"' in body, body[:500]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=20)), HOSTILE, max_size=14),
       mutate=st.booleans(), path=st.sampled_from(["/appeal", "/lookup", "/survey/{token}", "/survey/x.y.z"]))
def test_fuzz_forms_never_fail_with_a_server_error(fuzz_app, data, mutate, path) -> None:
    app, _gateway, token = fuzz_app
    payload = {**VALID, "nonce": secrets.token_urlsafe(18), **data} if mutate else data
    with app.test_client() as client:
        _assert_clear_4xx_or_ok(client.post(path.format(token=token), data=payload))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE"]),
       path=st.one_of(st.sampled_from(["/", "/appeal", "/lookup", "/healthz", "/survey/", "/appeal/receipt/x",
                                       "/survey/{token}", "/static/public.css", "/static/../app.py"]),
                      st.text(alphabet=string.printable, max_size=40).map(lambda s: "/" + s)),
       body=st.one_of(st.none(), st.binary(max_size=2000), st.text(max_size=500)),
       content_type=st.sampled_from(["application/x-www-form-urlencoded", "multipart/form-data; boundary=xx",
                                     "application/json", "text/plain", "application/octet-stream", ""]),
       query=st.dictionaries(st.text(max_size=10), HOSTILE, max_size=3))
@example(method="GET", path="//[", body=None, content_type="", query={})  # found by hypothesis: a netloc to URL parsers
def test_fuzz_methods_paths_and_bodies_never_fail_with_a_server_error(fuzz_app, method, path, body, content_type,
                                                                      query) -> None:
    app, _gateway, token = fuzz_app
    headers = {"Content-Type": content_type} if content_type else {}
    with app.test_client() as client:
        target, _sep, raw_query = path.replace("{token}", token).partition("?")
        # the path goes in as the server hands it over (PATH_INFO), not through the test client's URL
        # parsing: a request line `GET //[ HTTP/1.1` reaches the app, werkzeug's client cannot build it
        response = client.open("/", method=method, data=body, headers=headers,
                               query_string=raw_query if _sep else query,
                               environ_overrides={"PATH_INFO": target})
        _assert_clear_4xx_or_ok(response)
        response.close()


def submit(client, **overrides: Any) -> tuple[str, str]:
    """Fill in the questionnaire; returns (receipt page, receipt token)."""
    response = post_form(client, "/appeal", {**VALID, **overrides})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    token = response.headers["Location"].rsplit("/", 1)[-1]
    return client.get(response.headers["Location"]).get_data(as_text=True), token


def test_behind_a_trusted_proxy_served_by_waitress_each_enterprise_has_its_own_rate_limit(tmp_path,
                                                                                          monkeypatch) -> None:
    """`appeals public serve` as run: waitress drops X-Forwarded-For unless told to keep it for the
    app, and then every enterprise behind the proxy would share one address and one limit."""
    import threading
    import time

    import requests
    import waitress
    from click.testing import CliRunner

    from appeals import stack
    from appeals.public.cli import public

    port = stack.free_port()
    for name, value in {"APPEALS_PUBLIC_SECRET": SECRET, "APPEALS_PUBLIC_PASSWORD": "x",
                        "APPEALS_PUBLIC_TRUSTED_PROXIES": "1", "APPEALS_PUBLIC_RATE_DEFAULT": "2 per minute",
                        "APPEALS_DATA_DIR": str(tmp_path), "APPEALS_ENGINE_URL": "http://127.0.0.1:9/engine-rest",
                        "APPEALS_DATABASE_URL": f"sqlite:///{tmp_path / 'appeals.db'}"}.items():
        monkeypatch.setenv(name, value)
    servers: list = []

    def serve(app, **kwargs):  # waitress.serve, with a handle to stop it
        server = waitress.create_server(app, **kwargs)
        servers.append(server)
        server.run()

    monkeypatch.setattr(waitress, "serve", serve)
    from appeals.db import upgrade

    upgrade(f"sqlite:///{tmp_path / 'appeals.db'}")
    thread = threading.Thread(target=CliRunner().invoke, args=(public, ["serve", "--port", str(port)]), daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{port}/lookup"
        for _ in range(100):  # the command starts in its thread
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)

        def lookups(address: str) -> list[int]:
            return [requests.get(url, headers={"X-Forwarded-For": address}, timeout=5).status_code for _ in range(3)]

        assert lookups("203.0.113.7") == [200, 200, 429]
        assert lookups("203.0.113.8") == [200, 200, 429], "another enterprise is not limited by the first one"
    finally:
        for server in servers:
            server.close()
        thread.join(timeout=10)


@pytest.mark.parametrize("address", ["王经理@example.com", "zhang.san@例子.中国", "hengda@example.com"])
def test_an_internationalised_email_passes_the_page_and_the_server(fake, address: str) -> None:
    """The browser's <input type=email> refused 王经理@example.com before the server saw it (breaker
    report finding 3): the field is a text field (inputmode email) and email-validator decides."""
    app, gateway = fake
    client = app.test_client()
    page = client.get("/appeal").get_data(as_text=True)
    field = re.search(r'<input [^>]*name="contactEmail"[^>]*>', page)[0]
    assert 'type="text"' in field and 'inputmode="email"' in field
    assert 'type="email"' not in page
    assert post_form(client, "/appeal", {**VALID, "contactEmail": address}).status_code == 303
    assert gateway.started[0][1]["contactEmail"] == check_email(address)[0]


def test_a_wrong_email_gets_the_servers_chinese_message(fake) -> None:
    app, gateway = fake
    answer = post_form(app.test_client(), "/appeal", {**VALID, "contactEmail": "王经理@@example"})
    assert "电子邮箱格式不正确" in answer.get_data(as_text=True)
    assert gateway.started == []


@pytest.mark.parametrize("county", ["某县", "乙县"])
def test_a_post_over_the_servers_limit_gets_the_sites_chinese_page_with_the_limit(tmp_path, county: str) -> None:
    """Tester 3, N11: a 2 MB post got waitress's English “Request Entity Too Large … (generated by server)”.
    The server of each county's site (appeals.public.server, as `appeals public serve` runs it) answers with
    the site's Chinese page, naming the limit and sending the enterprise back to what it typed."""
    import threading

    import requests

    from appeals.public.server import create_server

    base = Settings(engine=EngineSettings(url="http://127.0.0.1:9/engine-rest"), data_dir=tmp_path)
    settings = public_settings(dataclasses.replace(base, org=OrgSettings(prefix_override=county)))
    app = create_app(settings)
    app.extensions[EXTENSION].gateway = FakeGateway()
    server = create_server(app, host="127.0.0.1", port=0, threads=2, ident="",
                           max_request_body_size=settings.public.max_request_bytes)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.effective_port}"
        huge = requests.post(f"{url}/appeal", data={**VALID, "problemDescription": "难" * 700_000}, timeout=30)
        assert huge.status_code == 413
        assert huge.headers["Content-Type"].startswith("text/html")
        assert "提交内容过大" in huge.text and f"每次提交最多{settings.public.max_request_bytes // 1024} KB" in huge.text
        assert "“返回”" in huge.text and "generated by" not in huge.text and "Request Entity" not in huge.text
        assert huge.headers["X-Frame-Options"] == "DENY", "the site's security headers"
        assert requests.get(f"{url}/appeal", timeout=30).status_code == 200, "the server goes on serving"
    finally:
        server.close()
        server.task_dispatcher.shutdown()
        thread.join(timeout=10)
    assert app.extensions[EXTENSION].gateway.started == []
