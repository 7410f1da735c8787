"""Client of the 12345 platform's Open311 GeoReport v2 API, with our documented extensions.

Standard (https://wiki.open311.org/GeoReport_v2): `GET services.{fmt}`, `GET requests.{fmt}`
(`jurisdiction_id`, `service_request_id`, `service_code`, `start_date`, `end_date`, `status`),
`GET requests/{id}.{fmt}`, errors as `<errors><error><code/><description/></error></errors>`.

Extensions (docs/hotline.md): `extensions=true` adds `<extended_attributes>` (the enterprise, its
contact, the order type, withdrawal, 催单, the hotline's satisfaction survey); `updated_after` /
`updated_before` select by `updated_datetime` (as Chicago's Open311 does); `page` / `page_size`
page through the result ordered by `updated_datetime` then id (a short page is the last one);
`POST requests/{id}/updates.{fmt}` sends our status back (idempotent by `update_token`).

XML is parsed with defusedxml (no DTDs, no entities) after decoding it ourselves: expat knows
no Chinese encodings, so a feed declared `encoding="GBK"` (or GB2312, GB18030, Big5, a charset in
Content-Type, a BOM) is decoded with Python's codec first (`decode_xml`). Every call goes through
one `requests.Session` with a timeout and tenacity retries of transient failures (connection
errors, timeouts, 5xx, 429) with both an attempt and a time limit.

Servers in the wild (issue 12, kind 9): paging stops at the first page that brings nothing new
(a server that repeats its last page); page 2 is always asked for, even after a short first page
(it may be a cap); a server that ignores `page` (page 2 repeats page 1) or
`page_size` (more records than asked) implements only the standard query, caps its answers and
ignores `updated_after`: the client then reads the last `window_days` by `start_date`/`end_date`
windows, halving a window whose answer is as long as the cap until each window is complete. Every
sync is bounded (`max_calls`); a sync that hit the bound or a full minimal window is incomplete
(`Open311Source.complete` stays False, the watermark does not move, the error is reported).
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import logging
import re
from collections.abc import Generator, Iterator, Mapping
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


_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
# names servers declare → the Python codec that reads them all (GB18030 is a superset of GBK/GB2312)
_SUPERSETS = {"gbk": "gb18030", "gb2312": "gb18030", "gb_2312": "gb18030", "gb_2312-80": "gb18030", "cp936": "gb18030",
              "x-gbk": "gb18030", "euc-cn": "gb18030", "big5": "big5hkscs"}


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def charset_of(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    found = re.search(r"charset\s*=\s*\"?([^\s;\"]+)", content_type or "", re.IGNORECASE)
    return found.group(1) if found else None


def decode_xml(content: bytes, charset: str | None = None) -> str:
    """The XML document as text: by its BOM, else its declared encoding, else the HTTP charset,
    else UTF-8, else charset-normalizer's best guess. UnicodeDecodeError if none reads it."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if content.startswith(bom):
            return content.decode("utf-8-sig" if codec == "utf-8" else codec)
    declared = _DECLARATION.match(content)
    for name in (declared.group(1).decode("ascii") if declared else None, charset, "utf-8"):
        codec = _codec(name)
        if codec is None:
            continue
        try:
            return content.decode(codec)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    guess = from_bytes(content).best()
    if guess is None:
        raise UnicodeDecodeError("unknown", content[:1], 0, 1, "no encoding reads this document")
    return str(guess)


def parse_body(content: bytes, fmt: str, charset: str | None = None) -> Any:
    """The decoded body: XML through defusedxml (DTDs and entities refused), or JSON. `charset`:
    the HTTP Content-Type's, used when the document does not declare its own."""
    if fmt == "json":
        try:
            return json.loads(content.decode("utf-8-sig"))
        except UnicodeDecodeError:
            return json.loads(content.decode(_codec(charset) or "gb18030"))
    text = decode_xml(content, charset)
    # the text is Unicode now: declare it as the UTF-8 we hand to the parser
    text = re.sub(r"^\s*(<\?xml[^>]*?encoding\s*=\s*)[\"'][^\"']*[\"']", r'\1"UTF-8"', text, count=1)
    root = SafeET.fromstring(text.encode("utf-8"), forbid_dtd=True)
    return {root.tag: element_value(root)}


def parse_requests(content: bytes, fmt: str, charset: str | None = None) -> list[dict[str, Any]]:
    """The service requests of a `requests` answer, as dicts in Open311 names."""
    body = parse_body(content, fmt, charset)
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
        # no service code: the documented rule is 其它 with a note for the office (records.map_category)
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
            body = parse_body(response.content, self.config.format, charset_of(response.headers.get("Content-Type")))
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
        """Every page of `requests` updated after the given time (oldest update first), each with
        only the records not seen before in this sync. Falls back to `windows` when the server does
        not page. Sets `self.incomplete` to the reason when the sync could not read everything."""
        self.calls = 0
        self.incomplete: str | None = None
        self.paging = True
        self.capped = False  # stopped by max_calls while paging (oldest update first): resumable
        seen: set[tuple[Any, Any]] = set()
        size = self.config.page_size
        number = 1
        bad_in_a_row = 0
        first_keys: list[tuple[Any, Any]] | None = None
        while True:
            if self.calls >= self.config.max_calls:
                self.incomplete = f"本次同步已达到{self.config.max_calls}次请求的上限，其余工单下次同步再取"
                self.capped = True
                return
            params = self._params(
                extensions="true", page=number, page_size=size,
                updated_after=w3c(updated_after) if updated_after else None, **filters,
            )
            response = self._get_requests(params)
            try:
                records = parse_requests(response.content, self.config.format,
                                         charset_of(response.headers.get("Content-Type")))
            except (ValueError, SafeET.ParseError, DefusedXmlException, UnicodeDecodeError) as exc:
                bad_in_a_row += 1
                yield Page(number, text=response.content.decode("utf-8", "replace"),
                           error=f"第{number}页无法解析（{type(exc).__name__}: {str(exc)[:120]}）")
                if bad_in_a_row >= 3:
                    raise HotlineError(f"12345平台连续{bad_in_a_row}页返回无法解析的内容，已停止本次同步") from exc
                number += 1
                continue
            bad_in_a_row = 0
            keys = [_key(r) for r in records]
            if number == 1:
                first_keys = keys
            not_paging = len(records) > size or (number == 2 and keys and keys == first_keys)
            if not_paging:  # page_size or page ignored: the standard query only, capped answers
                self.paging = False
                log.warning("hotline %s does not page (page %d: %d records for page_size %d); reading by "
                            "start_date/end_date windows", self.base, number, len(records), size)
                yield from self.windows(seen, cap=len(records), **filters)
                return
            new = [r for r, k in zip(records, keys, strict=True) if k not in seen]
            seen.update(keys)
            if number > 1 and records and not new:  # a page past the end repeating the last one
                return
            yield Page(number, new)
            # a short page is the last one of a paging server; a short FIRST page may also be the cap
            # of a server that ignores `page`: page 2 tells (empty, or page 1 again)
            if len(records) < size and not (number == 1 and records):
                return
            number += 1

    def windows(self, seen: set[tuple[Any, Any]], cap: int, **filters: Any) -> Iterator[Page]:
        """The orders received in the last `window_days`, read by start_date/end_date windows.

        The server's cap is not known: it is taken to be the longest answer seen. A window whose
        answer is shorter is complete; one as long as the cap is halved, down to one second. The
        cap counts as proven once two halves held more records than their window's answer; a
        one-second window still full under a proven cap leaves the sync incomplete."""
        end = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=1)
        state = {"cap": cap, "proven": False, "number": 0}
        yield from self._window(end - dt.timedelta(days=self.config.window_days + 1), end, seen, state, filters)

    def _window(self, start: dt.datetime, stop: dt.datetime, seen: set[tuple[Any, Any]], state: dict[str, Any],
                filters: dict[str, Any]) -> Generator[Page, None, set[tuple[Any, Any]]]:
        """Read one window (halving it when full); returns the keys it holds."""
        if self.calls >= self.config.max_calls:
            self.incomplete = f"本次同步已达到{self.config.max_calls}次请求的上限，其余工单下次同步再取"
            return set()
        response = self._get_requests(self._params(extensions="true", start_date=w3c(start), end_date=w3c(stop),
                                                    **filters))
        state["number"] += 1
        try:
            records = parse_requests(response.content, self.config.format,
                                     charset_of(response.headers.get("Content-Type")))
        except (ValueError, SafeET.ParseError, DefusedXmlException, UnicodeDecodeError) as exc:
            yield Page(state["number"], text=response.content.decode("utf-8", "replace"),
                       error=f"时段{w3c(start)}至{w3c(stop)}的应答无法解析（{type(exc).__name__}）")
            self.incomplete = "有时段的应答无法解析"
            return set()
        state["cap"] = max(state["cap"], len(records))
        if len(records) >= state["cap"] and stop - start > dt.timedelta(seconds=1):
            middle = start + (stop - start) / 2
            found = yield from self._window(start, middle, seen, state, filters)
            found |= yield from self._window(middle, stop, seen, state, filters)
            if len(found) > len(records):
                state["proven"] = True  # the halves held more than the whole: answers are capped
            return found | {_key(r) for r in records}
        if len(records) >= state["cap"] and state["proven"]:
            self.incomplete = (f"12345平台在{w3c(start)}这一秒内的工单达到其单次返回上限{state['cap']}条，"
                               "可能未能全部读取")
        keys = [_key(r) for r in records]
        new = [r for r, k in zip(records, keys, strict=True) if k not in seen]
        seen.update(keys)
        yield Page(state["number"], new)
        return set(keys)

    def _get_requests(self, params: dict[str, Any]) -> requests.Response:
        self.calls += 1
        return self._call("GET", "requests", params=params)

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


def _key(record: Mapping[str, Any]) -> tuple[Any, Any]:
    """What makes a record new within one sync: its order number and its update time."""
    return (str(record.get("service_request_id")), str(record.get("updated_datetime")))


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
        self.incomplete: str | None = None
        self.resumable = False

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
        self.incomplete = getattr(self.client, "incomplete", None)
        self.complete = not self.incomplete
        if self.bad_pages:
            self.newest = None
        # a paging server answers oldest update first: a sync stopped by its call limit has read
        # everything up to `newest`, so the next one may go on from there (with the overlap)
        self.resumable = self.complete or (getattr(self.client, "capped", False) and self.client.paging)
