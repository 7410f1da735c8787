"""The city level without the engine: one series of numbers per city, also under concurrent threads.
The city level against the real engine: tests/engine/test_city.py."""

from __future__ import annotations

import re
import threading

from appeals.db import engine_for, upgrade
from appeals.numbering import issue_number

CITY_NUMBER = re.compile(r"^某市服企办收（\d{4}）第(\d+)号$")


def test_city_numbering_is_one_series_per_city_under_threads(fresh_database_url: str) -> None:
    upgrade(fresh_database_url)
    engine = engine_for(fresh_database_url)
    issued: list[str] = []
    lock = threading.Lock()

    def issue(owner: str) -> None:
        number = issue_number(engine, "city_registration", owner, "某市")
        with lock:
            issued.append(number)

    owners = [f"{county}-{i}" for i in range(10) for county in ("county-a", "county-b")]
    threads = [threading.Thread(target=issue, args=(owner,)) for owner in owners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    serials = sorted(int(CITY_NUMBER.match(n).group(1)) for n in issued)
    assert serials == list(range(1, 21))
    # the city's series is its own: the county's registration numbers start at 1 again
    assert issue_number(engine, "registration", "county-a-0", "某县").endswith("第1号")
    # a redelivered task gets the number it already has
    assert issue_number(engine, "city_registration", "county-a-0", "某市") in issued


def test_the_transfer_carries_the_countys_documents_and_their_pdf_copies() -> None:
    """tester 3 N10: the city's forms link the PDF copies when the county has them, as the county's forms do;
    the transfer attaches every one of ATTACHED_DOCUMENTS the county's instance holds (the rest are absent)."""
    from types import SimpleNamespace

    from appeals.camunda import CamundaError
    from appeals.handlers.city import ATTACHED_DOCUMENTS, start_city_appeal
    from appeals.org import DEMO_ORG, load
    from appeals.runtime import Task

    held = {"transferDocument": b"PK-transfer", "transferDocumentPdf": b"%PDF-transfer",
            "registrationDocument": b"PK-registration"}  # no PDF of the 登记表: not sent
    posted: list[dict] = []

    class FakeCamunda:
        def get(self, path: str, **params):  # noqa: ANN003, ANN201
            if path == "/process-instance":
                return []
            name = path.rsplit("/", 1)[1]
            if name not in held:
                raise CamundaError(404, "no such variable")
            suffix = ".pdf" if name.endswith("Pdf") else ".docx"
            return {"type": "File", "valueInfo": {"filename": f"{name}{suffix}", "mimeType": "application/x"}}

        def request(self, method: str, path: str):  # noqa: ANN201
            return held[path.split("/")[-2]]

        def post(self, path: str, body: dict):  # noqa: ANN201
            posted.append(body)
            return [{"processInstance": {"id": "city-1"}}]

    chart = load(DEMO_ORG)
    ctx = SimpleNamespace(camunda=FakeCamunda(), org_chart=lambda tenant=None: chart.for_tenant(tenant) if tenant else chart)
    task = Task(id="t", topic="startCityAppeal", process_instance_id="county-1", business_key="BK", activity_id="Task_SendToCity",
                variables={"registrationNumber": "某县服企办收（2026）第1号"}, tenant_id="mouxian")
    # the county's public lookup names the city's office until the city dispatches (tester 5 F6)
    assert start_city_appeal(task, ctx) == {"cityProcessInstanceId": "city-1",
                                            "cityHandlingDepartmentName": "市企业服务中心", "cityHandlingDue": None}
    sent = posted[0]["processVariables"]
    assert {name for name in ATTACHED_DOCUMENTS if name in sent} == set(held)
    assert sent["transferDocumentPdf"]["type"] == "File"
    assert sent["transferDocumentPdf"]["valueInfo"]["filename"] == "transferDocumentPdf.pdf"
