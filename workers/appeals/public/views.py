"""The pages: landing, questionnaire and receipt, progress lookup, satisfaction survey."""

from __future__ import annotations

import logging
import re
import secrets
import time
from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for

from ..deadlines import now
from ..documents.values import format_date
from ..vocabulary import (
    PUBLIC_CLOSE_REASON_LABELS,
    PUBLIC_HANDLING_STATUSES,
    PUBLIC_STATUS_LABELS,
    RESULT_CLASS_LABELS,
    SATISFACTION_LABELS,
    AppealStatus,
    ScopeDecision,
)
from .app import error_page, public
from .delivery import deliver
from .gateway import EngineUnavailable, NotWaiting
from .links import SurveyTokenError, follow_up_round, read_survey_token
from .submissions import (
    INTAKE_FIELDS,
    LOOKUP_LIMITS,
    LOOKUP_READ,
    SATISFACTION_CHOICES,
    SOLVED_CHOICES,
    SURVEY_NOTE_LIMIT,
    parse_lookup_key,
    phone_digits,
    read_intake,
    read_survey,
    same_phone,
)

log = logging.getLogger("appeals.public")
bp = Blueprint("public", __name__)

HONEYPOT = "website"
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_RECEIPTS = 5

NOT_FOUND = "未查询到与该编号和联系电话相符的诉求，请核对后重试。"


# --------------------------------------------------------------------------- landing, health
@bp.get("/")
def index() -> Any:
    return render_template("index.html")


@bp.get("/healthz")
def healthz() -> Any:
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


# --------------------------------------------------------------------------- questionnaire
def render_intake(values: dict[str, Any], status: int = 200, errors: dict[str, list[str]] | None = None,
                  form_errors: list[str] | None = None, nonce: str | None = None) -> Any:
    shown = {f.name: str(values.get(f.name) or "") for f in INTAKE_FIELDS}
    if nonce is None or not NONCE.fullmatch(nonce):
        nonce = secrets.token_urlsafe(18)
    return render_template("appeal.html", fields=INTAKE_FIELDS, values=shown, errors=errors or {},
                           form_errors=form_errors or [], nonce=nonce, agreed=bool(values.get("agree")),
                           honeypot=HONEYPOT), status


def _remember_receipt(token: str, process_instance_id: str) -> None:
    receipts = dict(session.get("receipts") or {})
    receipts[token] = process_instance_id
    session["receipts"] = dict(list(receipts.items())[-MAX_RECEIPTS:])


def _wait_for_number(process_instance_id: str) -> None:
    """The workers number a valid appeal within seconds: wait a little, so the receipt shows it."""
    gateway = public().gateway
    deadline = time.monotonic() + public().settings.public.registration_wait_seconds
    while time.monotonic() < deadline:
        values = gateway.variables(process_instance_id, ("registrationNumber", "registrationValid"))
        if values.get("registrationNumber") or values.get("registrationValid") is False:
            return
        time.sleep(0.4)


@bp.route("/appeal", methods=["GET", "POST"])
def appeal() -> Any:
    if request.method == "GET":
        return render_intake({})
    form = request.form
    if form.get(HONEYPOT):
        log.info("questionnaire refused: honeypot field filled")
        return error_page(400, "提交未被受理。如需反映诉求，请重新填写或拨打服务热线。")
    nonce = form.get("nonce", "")
    if not NONCE.fullmatch(nonce):
        return render_intake(form, status=400, form_errors=["表单已失效，请核对内容后重新提交。"])
    result = read_intake(form)
    if not result.valid:
        return render_intake(form, status=400, errors=result.errors, form_errors=result.form_errors, nonce=nonce)

    pub = public()
    claim = pub.store.claim_submission(nonce, request.remote_addr)
    if claim.state == "started" and claim.process_instance_id:
        _remember_receipt(claim.token, claim.process_instance_id)
        return redirect(url_for(".receipt", token=claim.token), code=303)
    if claim.state == "queued":  # kept already: the same receipt
        _remember_receipt(claim.token, "")
        return redirect(url_for(".receipt", token=claim.token), code=303)
    if claim.state == "busy":
        return error_page(409, "您的诉求正在提交，请勿重复点击。稍后可通过“进度查询”查看。")
    # the receipt token is the appeal's id in the online channel (externalId, as the 12345 order number)
    variables = {**result.variables, "externalId": claim.business_key,
                 "receivedAt": now().isoformat(timespec="seconds")}
    county = pub.county_code()  # the site's county, kept with the submission: whoever delivers it later
    if county:
        variables["countyCode"] = county
    # kept before the engine is called: whatever the engine does, the submission is not lost
    kept = pub.store.keep_submission(claim, variables)
    pid = deliver(pub.store, pub.gateway, kept, look_up_first=claim.state == "retry" or kept.attempts > 0)
    if pid is None:
        _remember_receipt(claim.token, "")
        return redirect(url_for(".receipt", token=claim.token), code=303)
    log.info("online appeal submitted: business key %s, process instance %s", claim.business_key, pid)
    try:
        _wait_for_number(pid)
    except EngineUnavailable:
        pass  # the receipt then shows the token
    _remember_receipt(claim.token, pid)
    return redirect(url_for(".receipt", token=claim.token), code=303)


@bp.get("/appeal/receipt/<token>")
def receipt(token: str) -> Any:
    receipts = session.get("receipts") or {}
    if token not in receipts:
        return error_page(404, "回执只在提交诉求的浏览器中显示。请通过“进度查询”，用登记编号或回执号和联系电话查询。",
                           title="回执不可用")
    pid = receipts[token]
    if not pid:  # kept, waiting for the engine: delivered meanwhile?
        row = public().store.submission(token)
        pid = row.process_instance_id if row is not None and row.status == "started" else ""
        if pid:
            _remember_receipt(token, pid)
    values: dict[str, Any] = {}
    if pid:
        try:
            values = public().gateway.variables(pid, ("registrationNumber", "receivedAt"))
        except EngineUnavailable:
            values = {}
    return render_template("receipt.html", token=token, number=values.get("registrationNumber"),
                           received=format_date(values.get("receivedAt"), with_time=True) if values else None)


# --------------------------------------------------------------------------- progress lookup
def _progress(values: dict[str, Any], instance: dict[str, Any] | None) -> dict[str, Any]:
    status = values.get("appealStatus")
    state = (instance or {}).get("state")
    closed = status == AppealStatus.CLOSED or state == "COMPLETED"
    label = PUBLIC_STATUS_LABELS.get(status, "正在办理") if status else "已收到，正在登记"
    if state in ("EXTERNALLY_TERMINATED", "INTERNALLY_TERMINATED"):
        label = "已终止办理"
    if closed and values.get("closeReason") in PUBLIC_CLOSE_REASON_LABELS:
        label = PUBLIC_CLOSE_REASON_LABELS[values["closeReason"]]
    reply, reply_title = None, "答复内容"
    if values.get("resultReportedAt") and values.get("replyText"):
        reply = values["replyText"]
    elif values.get("consultationAnswer"):
        reply, reply_title = values["consultationAnswer"], "咨询答复"
    elif values.get("scopeDecision") == ScopeDecision.OUT_OF_SCOPE and values.get("outOfScopeReason"):
        reply, reply_title = values["outOfScopeReason"], "不予受理的理由"
    due = None
    department = values.get("handlerGroupName") if values.get("dispatchedAt") else None
    at_city = values.get("cityHandlingDepartmentName") and not closed
    if at_city:  # the city handles it now (handlers.city.PUBLIC_HANDLER_VARIABLES; tester 5 F6)
        department, due = values["cityHandlingDepartmentName"], values.get("cityHandlingDue")
    elif status in PUBLIC_HANDLING_STATUSES:
        due = values.get("handlingDue")
    elif status == AppealStatus.REWORK:
        due = values.get("reworkDue")
    return {
        "number": values.get("registrationNumber"),
        "status": label,
        "received": format_date(values.get("receivedAt") or (instance or {}).get("startTime")),
        "department": department,
        "due": format_date(due, with_time=True) if due else None,
        "result": RESULT_CLASS_LABELS.get(values.get("resultClass") or "") if values.get("resultReportedAt") else None,
        "reply": reply,
        "reply_title": reply_title,
        "closed": closed,
        "closed_at": format_date(values.get("closedAt")) if closed else None,
    }


@bp.route("/lookup", methods=["GET", "POST"])
def lookup() -> Any:
    pub = public()
    if request.method == "GET":
        number = str(request.args.get("number") or "")[:LOOKUP_LIMITS["number"]]
        return render_template("lookup.html", values={"number": number, "phone": ""}, errors={},
                               limits=LOOKUP_LIMITS)
    values = {name: str(request.form.get(name) or "")[:LOOKUP_READ] for name in ("number", "phone")}
    errors: dict[str, str] = {}
    prefix = pub.org()[1]
    key = parse_lookup_key(values["number"], prefix)
    phone = phone_digits(values["phone"])
    if key is None:  # the example is this site's county's own number (tester 3, N6)
        errors["number"] = f"请填写登记编号（如：{prefix}服企办收（2026）第12号）或16位回执号"
    if not phone:
        errors["phone"] = "请填写提交诉求时留的联系电话"
    if errors:
        return render_template("lookup.html", values=values, errors=errors, limits=LOOKUP_LIMITS), 400
    kept = pub.store.kept_variables(key.business_key) if key.business_key else None
    instance = None
    if kept is not None:  # submitted, waiting for the engine
        pid, variables = None, {"contactPhone": kept.get("contactPhone"), "receivedAt": kept.get("receivedAt")}
        if not pub.serves(kept.get("countyCode")):  # another county's site took it
            variables = {}
    else:
        if key.business_key:
            pid = pub.gateway.find_by_business_key(key.business_key)
        else:
            pid = pub.gateway.find_by_registration_number(key.registration_number)
        instance = pub.gateway.instance(pid) if pid else None
        # another county's appeal is not found here (its own site answers): no county learns of another's
        variables = pub.gateway.variables(pid) if instance and pub.serves(instance.get("tenantId")) else {}
    # one answer for "no such appeal" and "wrong phone": nothing to learn by trying
    given = [variables.get("contactPhone"), *str(variables.get("otherContactPhones") or "").split(",")]
    if not any(same_phone(values["phone"], phone) for phone in given if phone):  # any number it gave
        log.info("progress lookup: no match")
        return render_template("lookup.html", values=values, errors={}, not_found=NOT_FOUND,
                               limits=LOOKUP_LIMITS), 404
    progress = _progress(variables, instance)
    return render_template("progress.html", progress=progress)


# --------------------------------------------------------------------------- survey
def _survey_notice(title: str, message: str, status: int) -> Any:
    return render_template("survey_done.html", title=title, message=message), status


@bp.route("/survey/<token>", methods=["GET", "POST"])
def survey(token: str) -> Any:
    pub = public()
    try:
        link = read_survey_token(token, pub.settings.public.require_secret(), pub.settings.public.survey_days)
    except SurveyTokenError as exc:
        log.info("survey link refused (%s)", "expired" if exc.expired else "invalid")
        if exc.expired:
            return error_page(400, f"评价链接已超过{pub.settings.public.survey_days}天有效期。如需评价，"
                                    "请联系企业服务办公室或拨打服务热线。", title="评价链接已过期")
        return error_page(400, "评价链接无效，请检查链接是否完整。", title="评价链接无效")
    instance = pub.gateway.instance(link.process_instance_id)
    if instance is not None and not pub.serves(instance.get("tenantId")):  # another county's appeal
        log.info("survey link refused (another county's appeal)")
        return error_page(400, "评价链接无效，请检查链接是否完整。", title="评价链接无效")
    posting = request.method == "POST"
    refused = 409 if posting else 200
    if pub.store.survey_used(link.process_instance_id, link.round):
        return _survey_notice("已评价，感谢", "您已对本次办理结果作出评价，每轮回访只能评价一次。感谢您的支持！", refused)
    variables = pub.gateway.variables(link.process_instance_id,
                                      ("registrationNumber", "replyText", "followUpHistory", "resultReportedAt"))
    waiting = pub.gateway.waits_for_survey(link.process_instance_id)
    current = follow_up_round(variables)
    if not waiting or current != link.round:
        if current > link.round or not variables:
            return _survey_notice("本轮回访已完成", "本轮回访已经完成，无需再次评价。感谢您的支持！", refused)
        return _survey_notice("暂无需评价", "该诉求目前不在回访阶段，暂无需评价。感谢您的支持！", refused)

    context = {"number": variables.get("registrationNumber"), "reply": variables.get("replyText"),
               "solved_choices": SOLVED_CHOICES, "satisfaction_choices": SATISFACTION_CHOICES,
               "note_limit": SURVEY_NOTE_LIMIT}
    if not posting:
        return render_template("survey.html", values={}, errors={}, **context)
    result = read_survey(request.form)
    if not result.valid:
        return render_template("survey.html", values=result.values, errors=result.errors, **context), 400
    if not pub.store.claim_survey(link.process_instance_id, link.round):
        return _survey_notice("已评价，感谢", "您已对本次办理结果作出评价，每轮回访只能评价一次。感谢您的支持！", 409)
    try:
        pub.gateway.answer_survey(link.process_instance_id, result.variables)
    except NotWaiting:
        pub.store.release_survey(link.process_instance_id, link.round)
        return _survey_notice("本轮回访已完成", "本轮回访已经完成，无需再次评价。感谢您的支持！", 409)
    except Exception:
        pub.store.release_survey(link.process_instance_id, link.round)
        raise
    pub.store.survey_answered(link.process_instance_id, link.round)
    log.info("survey answered online: process instance %s, round %d", link.process_instance_id, link.round)
    return render_template("survey_thanks.html", satisfaction=SATISFACTION_LABELS[result.variables["satisfaction"]])

