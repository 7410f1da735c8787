"""Client of the 12345 platform's Open311 GeoReport v2 API, with our documented extensions.

Standard (https://wiki.open311.org/GeoReport_v2): `GET services.{fmt}`, `GET requests.{fmt}`
(`jurisdiction_id`, `service_request_id`, `service_code`, `start_date`, `end_date`, `status`),
`GET requests/{id}.{fmt}`, errors as `<errors><error><code/><description/></error></errors>`.

Extensions (docs/hotline.md): `extensions=true` adds `<extended_attributes>` (the enterprise, its
contact, the order type, withdrawal, 催单, the hotline's satisfaction survey); `updated_after` /
`updated_before` select by `updated_datetime` (as Chicago's Open311 does); `page` / `page_size`
page through the result ordered by `updated_datetime` then id (a short page is the last one);
`POST requests/{id}/updates.{fmt}` sends our status back (idempotent by `update_token`).

XML is parsed with defusedxml (no DTDs, no entities); every call goes through one
`requests.Session` with a timeout and tenacity retries of transient failures (connection errors,
timeouts, 5xx, 429) with both an attempt and a time limit.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
)

from ..settings import HotlineConfig
from . import HotlineError, HotlineUnavailable, Intake, Rejected, StatusUpdate, WorkOrder
from .records import build_order, iso

log = logging.getLogger("appeals.hotline")

# elements whose children form a list (everything else with children is a mapping)
LIST_ELEMENTS = {"service_requests", "services", "reminders", "errors", "service_request_updates", "attributes"}
EXTENSION_FIELDS = {
    "enterprise_name": "enterpriseName", "credit_code": "creditCode", "contact_name": "contactName",
    "contact_position": "contactPosition", "contact_phone": "contactPhone", "contact_email": "contactEmail",
    "requested_help": "requestedHelp", "order_type": "appealKind", "withdraw_reason": "withdrawReason",
    "withdrawn_datetime": "withdrawnAt",
}


class _Transient(Exception):
    """A failure worth another try (connection, timeout, 5xx, 429)."""


@dataclass
class Page:
    number: int
    records: list[dict[str, Any]] = field(default_factory=list)
    text: str | None = None  # the body, kept when it could not be parsed
    error: str | None = None


def element_value(element: Any) -> Any:
    """An XML element as text, a list (LIST_ELEMENTS) or a dict of its children."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    if element.tag in LIST_ELEMENTS:
        return [element_value(child) for child in children]
    return {child.tag: element_value(child) for child in children}


def parse_body(content: bytes, fmt: str) -> Any:
    """The decoded body: XML through defusedxml (DTDs and entities refused), or JSON."""
    if fmt == "json":
        return json.loads(content.decode("utf-8-sig"))
    root = SafeET.fromstring(content, forbid_dtd=True)
    return {root.tag: element_value(root)}


def parse_requests(content: bytes, fmt: str) -> list[dict[str, Any]]:
    """The service requests of a `requests` answer, as dicts in Open311 names."""
    body = parse_body(content, fmt)
    if fmt == "xml":
        items = body.get("service_requests")
        if items == "":
            return []
        if not isinstance(items, list):
            raise ValueError("根元素不是<service_requests>")
    else:
        items = body
        if not isinstance(items, list):
            raise ValueError("JSON不是服务请求数组")
    return [item if isinstance(item, dict) else {"_unparsed": item} for item in items]


def open311_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    """An Open311 service request in our field names (records.FIELDS)."""
    ext = raw.get("extended_attributes")
    ext = ext if isinstance(ext, Mapping) else {}
    fields: dict[str, Any] = {
        "orderNumber": raw.get("service_request_id"),
        "problemDescription": raw.get("description"),
        "category": raw.get("service_code") or raw.get("service_name"),
        "receivedAt": raw.get("requested_datetime"),
        "updatedAt": raw.get("updated_datetime"),
        "enterpriseAddress": raw.get("address") or raw.get("address_string"),
        "contactPhone": raw.get("phone"),
        "contactEmail": raw.get("email"),
        "status": ext.get("order_status") or raw.get("status"),
    }
    names = " ".join(str(raw.get(k) or "") for k in ("last_name", "first_name")).strip()
    if names:
        fields["contactName"] = names
    for key, name in EXTENSION_FIELDS.items():
        if ext.get(key) not in (None, ""):
            fields[name] = ext[key]
    reminders = ext.get("reminders")
    if isinstance(reminders, Mapping):  # JSON may give one object
        reminders = [reminders]
    if isinstance(reminders, list):
        fields["reminders"] = [
            {"id": r.get("reminder_id"), "at": r.get("reminder_datetime"), "text": r.get("text")}
            if isinstance(r, Mapping) else r
            for r in reminders
        ]
    survey = ext.get("survey")
    if isinstance(survey, Mapping) and survey:
        fields["survey"] = {"satisfaction": survey.get("satisfaction"), "reallySolved": survey.get("really_solved"),
                            "note": survey.get("note"), "at": survey.get("survey_datetime")}
    return fields


def w3c(moment: dt.datetime) -> str:
    return iso(moment) or ""


class Open311Client:
    """One Open311 endpoint (`StatusSink` too: `push`)."""

    source = "open311"

    def __init__(self, config: HotlineConfig, session: requests.Session | None = None) -> None:
        if not config.url:
            raise HotlineError("未配置12345接口地址（APPEALS_HOTLINE_URL）")
        self.config = config
        self.base = config.url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers.update({
            "Accept": "application/json" if config.format == "json" else "application/xml, text/xml",
            "User-Agent": "appeals-hotline/1.0 (Open311 GeoReport v2 client)",
        })
        if config.api_key:
            self.session.headers["X-API-Key"] = config.api_key
        self.session.verify = config.verify_tls

    def close(self) -> None:
        self.session.close()

    # --- plumbing ---------------------------------------------------------------------------
    def _url(self, path: str) -> str:
        return f"{self.base}/{path}.{self.config.format}"

    def _params(self, **extra: Any) -> dict[str, Any]:
        params = {k: v for k, v in extra.items() if v not in (None, "")}
        if self.config.jurisdiction:
            params["jurisdiction_id"] = self.config.jurisdiction
        return params

    def _once(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.session.request(method, url, timeout=self.config.timeout, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _Transient(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise _Transient(f"HTTP {response.status_code}: {self._error_text(response)}")
        if response.status_code >= 400:
            raise HotlineError(f"12345平台拒绝了请求 {method} {url}（HTTP {response.status_code}）："
                               f"{self._error_text(response)}")
        return response

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = self._url(path)
        retrying = Retrying(
            stop=stop_after_attempt(max(self.config.attempts, 1)) | stop_after_delay(self.config.retry_deadline),
            wait=wait_exponential(multiplier=self.config.retry_wait, max=self.config.retry_wait_max),
            retry=retry_if_exception_type(_Transient),
            before_sleep=lambda state: log.warning(
                "hotline %s %s failed (attempt %d): %s", method, url, state.attempt_number,
                state.outcome.exception() if state.outcome else "?"),
        )
        try:
            return retrying(self._once, method, url, **kwargs)
        except RetryError as exc:
            last = exc.last_attempt
            raise HotlineUnavailable(
                f"12345平台不可用：{method} {url} 已尝试{last.attempt_number}次仍失败（{last.exception()}）"
            ) from None

    def _error_text(self, response: requests.Response) -> str:
        """The Open311 error description(s), or the start of the body."""
        try:
            body = parse_body(response.content, self.config.format)
            errors = body.get("errors") if isinstance(body, dict) else body
            if isinstance(errors, list):
                return "；".join(str(e.get("description") or e.get("code")) for e in errors if isinstance(e, dict))
        except Exception:  # noqa: BLE001 - any body that is not an Open311 error
            pass
        return response.text[:200]

    # --- the standard -----------------------------------------------------------------------
    def services(self) -> list[dict[str, Any]]:
        body = parse_body(self._call("GET", "services", params=self._params()).content, self.config.format)
        items = body.get("services") if self.config.format == "xml" else body
        return items if isinstance(items, list) else []

    def service_request(self, order_number: str) -> dict[str, Any] | None:
        response = self._call("GET", f"requests/{quote(order_number, safe='')}",
                              params=self._params(extensions="true"))
        items = parse_requests(response.content, self.config.format)
        return items[0] if items else None

    def pages(self, updated_after: dt.datetime | None = None, **filters: Any) -> Iterator[Page]:
        """Every page of `requests` updated after the given time (oldest update first)."""
        size = self.config.page_size
        number = 1
        bad_in_a_row = 0
        while number <= 10_000:
            params = self._params(
                extensions="true", page=number, page_size=size,
                updated_after=w3c(updated_after) if updated_after else None, **filters,
            )
            response = self._call("GET", "requests", params=params)
            try:
                records = parse_requests(response.content, self.config.format)
            except (ValueError, SafeET.ParseError, DefusedXmlException, UnicodeDecodeError) as exc:
                bad_in_a_row += 1
                yield Page(number, text=response.content.decode("utf-8", "replace"),
                           error=f"第{number}页无法解析（{type(exc).__name__}: {str(exc)[:120]}）")
                if bad_in_a_row >= 3:
                    raise HotlineError(f"12345平台连续{bad_in_a_row}页返回无法解析的内容，已停止本次同步") from exc
                number += 1
                continue
            bad_in_a_row = 0
            yield Page(number, records)
            if len(records) < size:
                return
            number += 1

    # --- our extension: status updates ------------------------------------------------------
    def push(self, update: StatusUpdate) -> str:
        """POST requests/{id}/updates: the platform's id of the update (the same for a repeated token)."""
        data = {
            "api_key": self.config.api_key or "",
            "status": update.status,
            "status_notes": update.status_notes,
            "agency_responsible": update.agency_responsible or "",
            "updated_datetime": w3c(update.updated_at),
            "milestone": update.milestone,
            "update_token": update.token,
            **update.extra,
        }
        if self.config.jurisdiction:
            data["jurisdiction_id"] = self.config.jurisdiction
        response = self._call("POST", f"requests/{quote(update.order_number, safe='')}/updates", data=data)
        try:
            body = parse_body(response.content, self.config.format)
            items = body.get("service_request_updates") if self.config.format == "xml" else body
            return str(items[0]["update_id"])
        except Exception as exc:  # noqa: BLE001 - any answer we cannot read
            raise HotlineError(f"12345平台对状态推送的应答无法解析：{response.text[:200]}") from exc

    def updates(self, order_number: str) -> list[dict[str, Any]]:
        response = self._call("GET", f"requests/{quote(order_number, safe='')}/updates", params=self._params())
        body = parse_body(response.content, self.config.format)
        items = body.get("service_request_updates") if self.config.format == "xml" else body
        return items if isinstance(items, list) else []


class Open311Source:
    """The service requests updated since a time, as `WorkOrder`s and `Rejected`s (`OrderSource`).

    After a full iteration `complete` is True and `newest` is the latest `updated_datetime` seen
    (None when a page could not be parsed: the next pull then starts from the same place).
    """

    source = "open311"

    def __init__(self, client: Open311Client, updated_after: dt.datetime | None) -> None:
        self.client = client
        self.updated_after = updated_after
        self.complete = False
        self.newest: dt.datetime | None = None
        self.pages = 0
        self.bad_pages = 0

    def records(self) -> Iterator[Intake]:
        for page in self.client.pages(self.updated_after):
            self.pages += 1
            if page.error:
                self.bad_pages += 1
                yield Rejected(self.source, f"12345平台返回的{page.error}", raw_text=page.text)
                continue
            for raw in page.records:
                if "_unparsed" in raw:
                    yield Rejected(self.source, "工单记录格式无法识别", raw={"value": raw["_unparsed"]})
                    continue
                record = build_order(open311_fields(raw), self.source, raw)
                if isinstance(record, WorkOrder) and record.updated_at:
                    if self.newest is None or record.updated_at > self.newest:
                        self.newest = record.updated_at
                yield record
        self.complete = True
        if self.bad_pages:
            self.newest = None
