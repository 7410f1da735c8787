"""A 12345 platform for tests and demos: an Open311 GeoReport v2 server speaking our protocol.

- Work orders about enterprises, generated deterministically from a seed: Chinese company names,
  credit codes with correct check characters (python-stdnum) except a few wrong ones, phones,
  descriptions per category, some withdrawn, some with 催单, and a few malformed records (no order
  number, no description, an unreadable received time).
- XML and JSON; the standard calls, our extensions (`extensions`, `updated_after`/`updated_before`,
  `page`/`page_size`, `requests/{id}/updates`) and control calls under `/_sim/` (add an order,
  withdraw, remind, answer a survey, see pushed updates, simulate an outage).
- API key: `X-API-Key` header, or `api_key` parameter (query or form), on every call.
- Binds to 127.0.0.1 unless told otherwise.

Use in tests: `with SimulatorServer(HotlineSimulator(orders=20, seed=1)) as server: server.url`.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
import uuid
import xml.etree.ElementTree as ET  # builds XML only; nothing untrusted is parsed here
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, request
from stdnum.cn import uscc
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import WSGIRequestHandler, make_server

from ..vocabulary import CATEGORY_LABELS
from ..workdays import SHANGHAI
from .records import parse_datetime

BASE_PATH = "/open311/v2"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
REGION = "140525"  # the demo county's administrative division code
AREA_CODE = "0356"

BRANDS = ("恒达", "鑫源", "华泰", "金鼎", "瑞丰", "宏远", "晋阳", "天成", "永盛", "博远", "众鑫", "长青", "丰泰",
          "聚力", "佳禾", "新元", "锦程", "润华", "汇通", "兴旺", "泰和", "盛世", "康达", "中升", "凯旋", "德润",
          "荣昌", "富民", "祥瑞", "安泰", "东方", "北辰", "宇通", "宏昌", "立信", "合众", "裕丰", "晨光")
TRADES = ("机械制造", "农产品加工", "建材", "新能源科技", "物流", "食品", "纺织", "电子科技", "化工", "煤业",
          "医药", "包装材料", "汽车配件", "铸造", "光伏科技", "生物科技", "酿造", "陶瓷", "钢结构", "商贸")
FORMS = ("有限公司", "有限责任公司", "股份有限公司", "有限公司", "有限公司")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蔡蒋余杜叶程苏魏吕丁任沈姚卢"
GIVEN = ("建国", "海燕", "志强", "丽华", "晓明", "俊杰", "文静", "国庆", "红梅", "永刚", "雪梅", "振华", "立新",
         "秀英", "伟", "芳", "敏", "磊", "静", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超")
POSITIONS = ("总经理", "财务负责人", "办公室主任", "厂长", "行政经理", "董事长", "项目经理", "人事经理")
ROADS = ("创业路", "兴业大街", "工业路", "富民街", "凤台东街", "泽州路", "开发区大道", "科技路", "金匠路")
PARKS = ("经济开发区", "南村镇工业园区", "巴公镇装备制造园", "高都镇农产品加工园", "北义城镇物流园")
MOBILE_PREFIXES = ("139", "138", "137", "136", "135", "150", "151", "152", "158", "159", "182", "183", "187",
                   "188", "130", "131", "132", "155", "156", "185", "186", "133", "153", "180", "189", "177")
KINDS = (("求助", 60), ("咨询", 20), ("投诉", 12), ("建议", 8))
WITHDRAW_REASONS = ("企业已自行解决，申请撤回", "企业表示问题已由相关单位协调处理", "来电人重复反映，合并办理后撤回",
                    "企业要求撤回，改为线下反映")
REMINDER_TEXTS = ("企业来电催办，反映至今未得到答复", "企业再次来电，希望尽快协调解决", "企业来电询问办理进度")
PROBLEMS: dict[str, tuple[tuple[str, str], ...]] = {
    "policy": (
        ("企业申报的{year}年技改奖补资金已通过公示，至今未拨付到位，影响后续设备采购。", "请协调财政部门尽快拨付奖补资金。"),
        ("企业符合高新技术企业研发费用加计扣除条件，但办理时被告知缺少材料，材料清单前后不一致。", "请明确所需材料并指导企业办理。"),
        ("去年承诺的稳岗返还资金一直未到账，企业多次询问没有结果。", "请核实稳岗返还进度并给予答复。"),
    ),
    "contract": (
        ("企业为县里某工程项目供货，合同约定验收后付款，已验收八个月仍欠款{amount}万元。", "请协调业主单位按合同支付欠款。"),
        ("企业与镇政府签订的厂房租赁合同到期后续签一直拖延，影响企业正常经营。", "请协调尽快续签租赁合同。"),
    ),
    "land": (
        ("企业扩建项目用地已摘牌，但不动产权证迟迟办不下来，无法办理施工许可。", "请协调自然资源部门加快办理土地证。"),
        ("企业厂区部分用地性质与规划不一致，影响项目备案，希望明确解决办法。", "请协调规划调整或给出办理路径。"),
    ),
    "power": (
        ("企业新上生产线需增容至{kva}千伏安，报装已两个月仍未接电，设备无法调试。", "请协调供电公司尽快完成增容接电。"),
        ("近一个月厂区频繁停电，每次停电都造成生产线原料报废，损失较大。", "请协调供电部门排查线路、保障稳定供电。"),
        ("企业反映电费结算中执行的电价类别有误，多缴电费约{amount}万元。", "请核实电价类别并退还多缴电费。"),
    ),
    "financing": (
        ("企业流动资金紧张，申请的{amount}万元贷款因缺少抵押物未获批准。", "请协调担保机构或推荐适合的信贷产品。"),
        ("企业想申请小微企业创业担保贷款贴息，不清楚申报条件和流程。", "请告知贴息政策和办理渠道。"),
    ),
    "talent": (
        ("企业引进的两名高级工程师落户和子女入学问题一直没有解决，人才有流失风险。", "请协调落实人才落户和子女入学政策。"),
        ("企业技术人员职称评审渠道不畅，希望了解县里的人才评价政策。", "请告知职称评审和人才认定办法。"),
    ),
    "labor": (
        ("企业订单增加，急需招聘一线操作工{workers}名，多次招聘效果不好。", "请协调人社部门组织专场招聘会。"),
        ("企业想组织新员工岗前技能培训，希望了解培训补贴申领办法。", "请告知培训补贴政策和申领流程。"),
    ),
    "project": (
        ("企业投资的{amount}万元新建项目已完成备案，环评和能评手续办理缓慢，影响开工。", "请协调相关部门并联审批、加快办理。"),
        ("项目施工过程中周边道路和管网配套迟迟不到位，影响项目按期投产。", "请协调配套设施建设进度。"),
    ),
    "environment": (
        ("企业一个月内接受了多个部门的重复检查，正常生产受到影响。", "请协调规范涉企检查，推行综合查一次。"),
        ("企业办理营业执照变更时被要求重复提交材料，多次往返仍未办结。", "请协调窗口简化流程、一次办结。"),
    ),
    "other": (
        ("企业门前道路破损严重，大型货车通行困难，雨天积水严重。", "请协调有关部门维修道路。"),
        ("企业周边公交线路调整后员工上下班不便，希望恢复原线路站点。", "请协调交通部门优化公交线路。"),
    ),
}
SERVICES = tuple((str(code), name) for code, name in CATEGORY_LABELS.items())
CATEGORY_WEIGHTS = {"policy": 16, "contract": 8, "land": 8, "power": 14, "financing": 14, "talent": 6, "labor": 10,
                    "project": 10, "environment": 8, "other": 6}
SURVEY_ANSWERS = (("满意", "yes", 55), ("基本满意", "yes", 25), ("非常满意", "yes", 12), ("不满意", "no", 8))


def org_code(rng: random.Random) -> str:
    """A GB 11714 organization code (8 characters and its check character), as in credit codes since 2015."""
    body = "MA" + "".join(rng.choice(ORG_ALPHABET) for _ in range(6))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(rng: random.Random, valid: bool = True) -> str:
    """A 统一社会信用代码 with a correct check character, or a wrong one."""
    first17 = "91" + REGION + org_code(rng)
    check = uscc.calc_check_digit(first17)
    if not valid:
        check = rng.choice([c for c in USCC_ALPHABET if c != check])
    return first17 + check


def _w3c(moment: dt.datetime | None) -> str:
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds") if moment else ""


@dataclass
class SimOrder:
    """A service request as the simulator keeps it (Open311 names)."""

    seq: int
    id: str | None
    service_code: str
    description: str
    requested: dt.datetime | None
    updated: dt.datetime
    address: str
    ext: dict[str, Any]
    status: str = "open"
    status_notes: str = ""
    agency_responsible: str = "某县服务企业发展领导小组办公室"
    reminders: list[dict[str, Any]] = field(default_factory=list)
    survey: dict[str, Any] | None = None
    updates: list[dict[str, Any]] = field(default_factory=list)
    requested_text: str | None = None  # a malformed received time, served as is
    malformed: bool = False

    def to_dict(self, extensions: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.id is not None:
            data["service_request_id"] = self.id
        data.update({
            "status": self.status,
            "status_notes": self.status_notes,
            "service_name": CATEGORY_LABELS.get(self.service_code, self.service_code),
            "service_code": self.service_code,
            "description": self.description,
            "agency_responsible": self.agency_responsible,
            "service_notice": "",
            "requested_datetime": self.requested_text if self.requested_text is not None else _w3c(self.requested),
            "updated_datetime": _w3c(self.updated),
            "expected_datetime": "",
            "address": self.address,
            "address_id": "",
            "zipcode": "048000",
            "lat": "",
            "long": "",
            "media_url": "",
        })
        if extensions:
            ext = dict(self.ext)
            ext["reminders"] = [dict(r) for r in self.reminders]
            if self.survey:
                ext["survey"] = dict(self.survey)
            data["extended_attributes"] = ext
        return data


class HotlineSimulator:
    """The platform's state: orders, their events and the updates pushed to it (thread-safe)."""

    def __init__(self, orders: int = 300, seed: int = 12345, malformed: int = 3, withdrawn: float = 0.05,
                 reminded: float = 0.1, invalid_codes: float = 0.06, prefix: str = "GD", api_key: str = "sim-key",
                 jurisdiction: str | None = None, now: dt.datetime | None = None, days: int = 14,
                 auto_survey: bool = False, encoding: str = "utf-8", repeat_last_page: bool = False,
                 standard_only_cap: int | None = None, county_name: str = "某县") -> None:
        # servers in the wild (issue 12, kind 9): XML in another declared encoding (GBK); a page past
        # the end answered with the last page again; only the standard query (page, page_size and
        # updated_after ignored) with at most `standard_only_cap` records per answer
        self.encoding = encoding
        self.repeat_last_page = repeat_last_page
        self.standard_only_cap = standard_only_cap
        self.api_key = api_key
        self.jurisdiction = jurisdiction
        self.prefix = prefix
        self.county_name = county_name  # the county of the generated enterprises and addresses
        self.auto_survey = auto_survey
        self.down = False
        self.requests_served = 0
        self._lock = threading.RLock()
        self._rng = random.Random(seed)
        self._seq = 0
        self._update_seq = 0
        self._orders: dict[str, SimOrder] = {}
        self._anonymous: list[SimOrder] = []  # malformed ones without an order number
        self._now = (now or dt.datetime.now(SHANGHAI)).replace(microsecond=0)
        self._generate(orders, malformed, withdrawn, reminded, invalid_codes, days)

    # --- generation -------------------------------------------------------------------------
    def now(self) -> dt.datetime:
        """The platform's clock: never earlier than any generated time."""
        return max(dt.datetime.now(SHANGHAI).replace(microsecond=0), self._now)

    def _number(self, day: dt.datetime) -> str:
        self._seq += 1
        return f"{self.prefix}{day:%Y%m%d}{self._seq:05d}"

    def _enterprise(self, valid_code: bool) -> dict[str, Any]:
        rng = self._rng
        name = f"{self.county_name}{rng.choice(BRANDS)}{rng.choice(TRADES)}{rng.choice(FORMS)}"
        person = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if rng.random() < 0.8:
            phone = rng.choice(MOBILE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))
        else:
            phone = f"{AREA_CODE}-{rng.randint(2, 8)}{rng.randint(0, 999999):06d}"
        return {
            "enterprise_name": name,
            "credit_code": credit_code(rng, valid_code),
            "contact_name": person if rng.random() < 0.7 else f"{person[0]}{rng.choice(('经理', '总', '会计', '厂长'))}",
            "contact_position": rng.choice(POSITIONS),
            "contact_phone": phone,
            "contact_email": f"qy{rng.randint(1000, 9999)}@example.com" if rng.random() < 0.4 else "",
        }

    def _kind(self) -> str:
        return self._rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]

    def _problem(self, category: str) -> tuple[str, str]:
        rng = self._rng
        text, help_ = rng.choice(PROBLEMS[category])
        values = {"year": self._now.year - 1, "amount": rng.choice((35, 80, 120, 260, 500, 1200)),
                  "kva": rng.choice((800, 1250, 2000, 3150)), "workers": rng.choice((20, 50, 80, 120))}
        return text.format(**values), help_.format(**values)

    def _generate(self, count: int, malformed: int, withdrawn: float, reminded: float, invalid: float,
                  days: int) -> None:
        rng = self._rng
        categories = list(CATEGORY_WEIGHTS)
        weights = [CATEGORY_WEIGHTS[c] for c in categories]
        for index in range(count + malformed):
            received = self._now - dt.timedelta(days=rng.randint(0, max(days - 1, 0)),
                                                hours=rng.randint(0, 9), minutes=rng.randint(0, 59))
            received = received.replace(second=0)
            category = rng.choices(categories, weights=weights)[0]
            description, requested_help = self._problem(category)
            ext = self._enterprise(valid_code=rng.random() >= invalid)
            ext.update(requested_help=requested_help, order_type=self._kind(), order_status="open")
            order = SimOrder(
                seq=index, id=self._number(received), service_code=category, description=description,
                requested=received, updated=received + dt.timedelta(minutes=rng.randint(5, 90)),
                address=f"{self.county_name}{rng.choice(PARKS)}{rng.choice(ROADS)}{rng.randint(1, 200)}号", ext=ext,
            )
            if index >= count:  # the malformed ones
                order.malformed = True
                kind = (index - count) % 3
                if kind == 0:
                    order.id = None
                elif kind == 1:
                    order.description = "  "
                else:
                    order.requested_text = f"{received:%Y}-13-45 25:61"
            else:
                if rng.random() < reminded:
                    for n in range(rng.randint(1, 2)):
                        at = min(order.updated + dt.timedelta(days=n + 1), self._now)
                        order.reminders.append({"reminder_id": f"{order.id}-R{n + 1}", "reminder_datetime": _w3c(at),
                                                "text": rng.choice(REMINDER_TEXTS)})
                        order.updated = max(order.updated, at)
                if rng.random() < withdrawn:
                    at = min(order.updated + dt.timedelta(hours=rng.randint(1, 48)), self._now)
                    self._apply_withdrawal(order, rng.choice(WITHDRAW_REASONS), at)
            order.updated = min(order.updated, self._now)
            self._store(order)

    def _store(self, order: SimOrder) -> None:
        if order.id is None:
            self._anonymous.append(order)
        else:
            self._orders[order.id] = order

    @staticmethod
    def _apply_withdrawal(order: SimOrder, reason: str, at: dt.datetime) -> None:
        order.status = "closed"
        order.status_notes = f"工单已撤回：{reason}"
        order.ext.update(order_status="withdrawn", withdraw_reason=reason, withdrawn_datetime=_w3c(at))
        order.updated = max(order.updated, at)

    # --- control ----------------------------------------------------------------------------
    def set_down(self, down: bool = True) -> None:
        """Answer every call with 503 (an outage) until set back."""
        self.down = down

    def order(self, order_id: str) -> SimOrder:
        with self._lock:
            if order_id not in self._orders:
                raise KeyError(order_id)
            return self._orders[order_id]

    def order_ids(self, include_withdrawn: bool = True) -> list[str]:
        """The well-formed orders' numbers, in the order they were made."""
        with self._lock:
            return [o.id for o in sorted(self._orders.values(), key=lambda o: o.seq)
                    if o.id and not o.malformed
                    and (include_withdrawn or o.ext.get("order_status") != "withdrawn")]

    def malformed_count(self) -> int:
        with self._lock:
            return len(self._anonymous) + sum(1 for o in self._orders.values() if o.malformed)

    def add_order(self, **fields: Any) -> str:
        """A new order (our field names or Open311 names); the others are generated. Returns its number.

        The received time is now, unless `receivedAt` / `requested_datetime` gives one: a datetime, or
        a text served exactly as given (`2026年十一月廿九日 下午三点`, `2026-11-29T15:00:00+08:00`), so
        that any spelling of a date can be fed through the simulator (tester 6, N8); paging and the
        updated time still go by now."""
        with self._lock:
            now = self.now()
            category = fields.get("service_code") or fields.get("category") or "other"
            description, requested_help = self._problem(category if category in PROBLEMS else "other")
            ext = self._enterprise(valid_code=True)
            ext.update(requested_help=requested_help, order_type=self._kind(), order_status="open")
            for ours, theirs in (("enterpriseName", "enterprise_name"), ("creditCode", "credit_code"),
                                 ("contactName", "contact_name"), ("contactPhone", "contact_phone"),
                                 ("contactEmail", "contact_email"), ("requestedHelp", "requested_help"),
                                 ("appealKind", "order_type")):
                for key in (ours, theirs):
                    if fields.get(key) is not None:
                        ext[theirs] = fields[key]
            order = SimOrder(
                seq=self._seq + 1, id=fields.get("service_request_id") or self._number(now), service_code=category,
                description=fields.get("description") or fields.get("problemDescription") or description,
                requested=now, updated=now,
                address=fields.get("address") or fields.get("address_string") or f"{self.county_name}{self._rng.choice(PARKS)}",
                ext=ext,
            )
            received = next((fields[key] for key in ("receivedAt", "requested_datetime") if fields.get(key) is not None),
                            None)
            if isinstance(received, dt.datetime):
                order.requested_text = _w3c(received)
            elif received is not None:
                order.requested_text = str(received)
            self._store(order)
            return str(order.id)

    def withdraw(self, order_id: str, reason: str = "企业已自行解决，申请撤回") -> None:
        with self._lock:
            self._apply_withdrawal(self.order(order_id), reason, self.now())

    def remind(self, order_id: str, text: str = "企业来电催办，希望尽快办理") -> str:
        with self._lock:
            order = self.order(order_id)
            now = self.now()
            reminder_id = f"{order_id}-R{len(order.reminders) + 1}"
            order.reminders.append({"reminder_id": reminder_id, "reminder_datetime": _w3c(now), "text": text})
            order.updated = now
            return reminder_id

    def answer_survey(self, order_id: str, satisfaction: str = "满意", really_solved: str = "yes",
                      note: str = "12345回访：企业对办理结果表示满意") -> None:
        with self._lock:
            order = self.order(order_id)
            now = self.now()
            order.survey = {"satisfaction": satisfaction, "really_solved": really_solved, "note": note,
                            "survey_datetime": _w3c(now)}
            order.updated = now

    def updates(self, order_id: str | None = None) -> list[dict[str, Any]]:
        """The status updates pushed to the platform (all, or of one order), oldest first."""
        with self._lock:
            if order_id is not None:
                return [dict(u) for u in self.order(order_id).updates]
            found = [dict(u) for o in self._orders.values() for u in o.updates]
            return sorted(found, key=lambda u: int(u["update_id"]))

    def record_update(self, order_id: str, form: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """Record a pushed update (idempotent by update_token); (the update, newly created)."""
        with self._lock:
            order = self.order(order_id)
            token = str(form.get("update_token") or "")
            for existing in order.updates:
                if token and existing.get("update_token") == token:
                    return dict(existing), False
            status = str(form.get("status") or order.status)
            if status not in ("open", "closed"):
                raise ValueError(f"status must be open or closed, not {status!r}")
            self._update_seq += 1
            now = self.now()
            update = {key: str(value) for key, value in form.items() if key not in ("api_key",)}
            update.update(update_id=str(self._update_seq), service_request_id=order_id, status=status,
                          received_datetime=_w3c(now))
            order.updates.append(update)
            if order.ext.get("order_status") != "withdrawn":
                order.status = status
                order.ext["order_status"] = "closed" if status == "closed" else "open"
            order.status_notes = str(form.get("status_notes") or "")
            if form.get("agency_responsible"):
                order.agency_responsible = str(form["agency_responsible"])
            order.updated = now
            if self.auto_survey and form.get("milestone") == "replied" and order.survey is None:
                choice = self._rng.choices(SURVEY_ANSWERS, weights=[w for *_, w in SURVEY_ANSWERS])[0]
                self.answer_survey(order_id, choice[0], choice[1], f"12345回访：企业表示{choice[0]}")
            return dict(update), True

    # --- queries ----------------------------------------------------------------------------
    def query(self, args: Mapping[str, str]) -> list[SimOrder]:
        """The GET requests filters (standard and extensions), ordered by update time then number."""

        def times(name: str) -> dt.datetime | None:
            value = args.get(name)
            if not value:
                return None
            parsed = parse_datetime(value)
            if parsed is None:
                raise ValueError(name)
            return parsed

        ids = {i.strip() for i in args.get("service_request_id", "").split(",") if i.strip()}
        codes = {c.strip() for c in args.get("service_code", "").split(",") if c.strip()}
        statuses = {s.strip() for s in args.get("status", "").split(",") if s.strip()}
        start, end = times("start_date"), times("end_date")
        after, before = times("updated_after"), times("updated_before")
        if self.standard_only_cap is not None:  # extensions unknown to this server
            after = before = None
        if not (ids or start or end or after or before):
            after = self.now() - dt.timedelta(days=90)  # the standard's default window
        with self._lock:
            found = []
            for order in [*self._orders.values(), *self._anonymous]:
                if ids and order.id not in ids:
                    continue
                if codes and order.service_code not in codes:
                    continue
                if statuses and order.status not in statuses:
                    continue
                if start and (order.requested is None or order.requested < start):
                    continue
                if end and (order.requested is None or order.requested > end):
                    continue
                if after and order.updated <= after:
                    continue
                if before and order.updated > before:
                    continue
                found.append(order)
            return sorted(found, key=lambda o: (o.updated, o.seq))


# --------------------------------------------------------------------------- rendering
def _xml_value(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, Mapping):
        for key, child in value.items():
            _xml_value(element, key, child)
    elif isinstance(value, list):
        item_name = {"reminders": "reminder", "service_request_updates": "request_update"}.get(name, "item")
        for item in value:
            _xml_value(element, item_name, item)
    elif value is not None:
        element.text = str(value)


def render(root: str, item: str, items: list[Mapping[str, Any]], fmt: str, status: int = 200,
           encoding: str = "utf-8") -> Response:
    if fmt == "json":
        return Response(json.dumps(items, ensure_ascii=False), status=status,
                        mimetype="application/json")
    element = ET.Element(root)
    for data in items:
        _xml_value(element, item, data)
    body = ET.tostring(element, encoding=encoding, xml_declaration=True)
    # the encoding is declared in the document only (as such servers do), not in Content-Type
    return Response(body, status=status, content_type="text/xml")


def error(code: int, description: str, fmt: str) -> Response:
    return render("errors", "error", [{"code": code, "description": description}], fmt, status=code)


def create_app(simulator: HotlineSimulator) -> Flask:
    """The Flask application serving one simulator."""
    app = Flask("appeals.hotline.simulator")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    fmt_rule = "<any(xml,json):fmt>"

    def fmt_of() -> str:
        return (request.view_args or {}).get("fmt", "json" if request.path.startswith("/_sim") else "xml")

    @app.before_request
    def gatekeeper() -> Response | None:
        fmt = fmt_of()
        if simulator.down and not request.path.startswith("/_sim"):
            return error(503, "12345平台维护中，请稍后再试", fmt)
        key = request.headers.get("X-API-Key") or request.values.get("api_key")
        if key != simulator.api_key:
            return error(403, "api_key无效", fmt)
        jurisdiction = request.values.get("jurisdiction_id")
        if simulator.jurisdiction and jurisdiction not in (None, simulator.jurisdiction):
            return error(404, f"jurisdiction_id {jurisdiction} 不存在", fmt)
        simulator.requests_served += 1
        return None

    @app.get(f"{BASE_PATH}/services.{fmt_rule}")
    def services(fmt: str) -> Response:
        items = [{"service_code": code, "service_name": name, "description": f"企业诉求：{name}",
                  "metadata": "false", "type": "realtime", "keywords": name, "group": "企业诉求"}
                 for code, name in SERVICES]
        return render("services", "service", items, fmt)

    @app.get(f"{BASE_PATH}/requests.{fmt_rule}")
    def requests_(fmt: str) -> Response:
        try:
            page = max(int(request.args.get("page", 1)), 1)
            size = min(max(int(request.args.get("page_size", 50)), 1), 500)
            found = simulator.query(request.args)
        except ValueError as exc:
            return error(400, f"参数无效：{exc}", fmt)
        extensions = request.args.get("extensions", "").lower() == "true"
        if simulator.standard_only_cap is not None:  # page and page_size unknown: one capped answer
            found = sorted(found, key=lambda o: (o.requested or o.updated, o.seq))
            chunk = found[:simulator.standard_only_cap]
        else:
            chunk = found[(page - 1) * size: page * size]
            if not chunk and found and page > 1 and simulator.repeat_last_page:
                last = (len(found) - 1) // size
                chunk = found[last * size: (last + 1) * size]
        return render("service_requests", "request", [o.to_dict(extensions) for o in chunk], fmt,
                      encoding=simulator.encoding)

    @app.get(f"{BASE_PATH}/requests/<order_id>.{fmt_rule}")
    def request_(order_id: str, fmt: str) -> Response:
        try:
            order = simulator.order(order_id)
        except KeyError:
            return error(404, f"工单{order_id}不存在", fmt)
        extensions = request.args.get("extensions", "").lower() == "true"
        return render("service_requests", "request", [order.to_dict(extensions)], fmt)

    @app.post(f"{BASE_PATH}/requests.{fmt_rule}")
    def create(fmt: str) -> Response:
        if not request.form.get("service_code") or not request.form.get("description"):
            return error(400, "service_code和description为必填项", fmt)
        order_id = simulator.add_order(**request.form.to_dict())
        return render("service_requests", "request",
                      [{"service_request_id": order_id, "service_notice": "已受理"}], fmt, status=201)

    @app.post(f"{BASE_PATH}/requests/<order_id>/updates.{fmt_rule}")
    def push(order_id: str, fmt: str) -> Response:
        try:
            update, created = simulator.record_update(order_id, request.form.to_dict())
        except KeyError:
            return error(404, f"工单{order_id}不存在", fmt)
        except ValueError as exc:
            return error(400, str(exc), fmt)
        return render("service_request_updates", "request_update", [update], fmt, status=201 if created else 200)

    @app.get(f"{BASE_PATH}/requests/<order_id>/updates.{fmt_rule}")
    def list_updates(order_id: str, fmt: str) -> Response:
        try:
            items = simulator.updates(order_id)
        except KeyError:
            return error(404, f"工单{order_id}不存在", fmt)
        return render("service_request_updates", "request_update", items, fmt)

    # --- control calls (JSON) ---------------------------------------------------------------
    @app.post("/_sim/orders")
    def sim_add() -> Any:
        return {"service_request_id": simulator.add_order(**(request.get_json(silent=True) or {}))}, 201

    @app.post("/_sim/orders/<order_id>/<action>")
    def sim_action(order_id: str, action: str) -> Any:
        body = request.get_json(silent=True) or {}
        try:
            if action == "withdraw":
                simulator.withdraw(order_id, body.get("reason") or "企业已自行解决，申请撤回")
            elif action == "remind":
                simulator.remind(order_id, body.get("text") or "企业来电催办，希望尽快办理")
            elif action == "survey":
                simulator.answer_survey(order_id, body.get("satisfaction") or "满意",
                                        body.get("really_solved") or "yes", body.get("note") or "12345回访")
            else:
                return {"error": f"unknown action {action}"}, 404
        except KeyError:
            return {"error": f"no order {order_id}"}, 404
        return simulator.order(order_id).to_dict()

    @app.get("/_sim/updates")
    def sim_updates() -> Any:
        return simulator.updates()

    @app.post("/_sim/down")
    def sim_down() -> Any:
        simulator.set_down(request.args.get("on", "1") not in ("0", "false"))
        return {"down": simulator.down}

    return app


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class SimulatorServer:
    """The simulator on a local port, in a background thread (a context manager)."""

    def __init__(self, simulator: HotlineSimulator, host: str = "127.0.0.1", port: int = 0,
                 quiet: bool = True, mount: str | None = None) -> None:
        """`mount`: the path the platform is served under ("" → at the root, as `appeals hotline simulator`
        serves it); None → a path of this server's own (`/p` + 8 hex digits), so two servers are two
        platforms even on the same port: a sync keeps its watermark per URL (`HotlineConfig.feed`), and the
        watermark of a server stopped earlier must never apply to a later one that reuses its port."""
        self.simulator = simulator
        self.host = host
        self.mount = f"/p{uuid.uuid4().hex[:8]}" if mount is None else mount.rstrip("/")
        app: Any = create_app(simulator)
        if self.mount:
            app = DispatcherMiddleware(NotFound(), {self.mount: app})
        self._server = make_server(host, port, app, threaded=True,
                                   request_handler=_QuietHandler if quiet else None)
        self.port = self._server.port
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.mount}{BASE_PATH}"

    def start(self) -> SimulatorServer:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="hotline-simulator")
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *_exc: Any) -> None:
        self.stop()
