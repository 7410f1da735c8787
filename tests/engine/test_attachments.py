"""Files a department attaches to its handling result (书面答复函, scans, photos): docs/attachments.md.

The task's assignee uploads through the webapps' path /camunda/api/appeals (Tasklist's session and CSRF
token, TaskAttachmentController); the file is a Camunda task attachment in the engine's database. The
office at 回访 lists and downloads it; another department of the county and another county's
department are refused; the stock attachment REST API refuses non-administrators
(AttachmentGuardPlugin); wrong types, fake contents, empty and oversized files are refused in Chinese.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from appeals.camunda import CamundaError

from ..conftest import EngineHandle
from ..scenario import Appeal, dispatch_to, follow_up, report
from .test_city import approve_at_city, escalated_to_city, propose_at_city, sign_at_city
from .test_cockpit import Webapp

API = "/camunda/api/appeals"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + "书面答复函".encode() * 50
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class Tasklist(Webapp):
    """A Tasklist session as the browser has it (cookie and CSRF token)."""

    def __init__(self, engine: EngineHandle, user: str) -> None:
        super().__init__(engine, user, app="tasklist")
        # the login starts a new session: its token comes with the next page
        page = self.session.get(f"{self.base}/camunda/app/tasklist/default/", timeout=30)
        self.token = page.headers.get("X-XSRF-TOKEN") or self.token

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"X-XSRF-TOKEN": self.token, **kwargs.pop("headers", {})}
        return self.session.request(method, self.base + API + path, headers=headers, timeout=60, **kwargs)

    def upload(self, task_id: str, name: str, content: bytes) -> requests.Response:
        return self.call("POST", f"/task/{task_id}/attachments", params={"name": name}, data=content,
                         headers={"Content-Type": "application/octet-stream"})

    def listed(self, task_id: str) -> list[dict[str, Any]]:
        answer = self.call("GET", f"/task/{task_id}/attachments")
        assert answer.status_code == 200, (answer.status_code, answer.text[:300])
        return answer.json()

    def download(self, url: str) -> requests.Response:
        return self.session.get(self.base + url, headers={"X-XSRF-TOKEN": self.token}, timeout=60)


def refused(answer: requests.Response, status: int, words: str) -> None:
    assert answer.status_code == status, (answer.status_code, answer.headers, answer.text[:300])
    body = answer.json()
    assert words in body.get("message", ""), (dict(answer.headers), body)


def test_the_handler_attaches_the_reply_and_the_office_finds_it_at_follow_up(workers: EngineHandle) -> None:
    appeal = Appeal.start(workers, "AT-REPLY")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    task = appeal.task("Task_HandleAppeal", "industry-handler")
    handler = Tasklist(workers, "industry-handler")

    # only the assignee: not before claiming
    refused(handler.upload(task["id"], "书面答复函.pdf", PDF), 403, "请先认领")
    appeal.user("industry-handler").claim(task["id"], "industry-handler")

    # refusals, in Chinese, nothing stored
    refused(handler.upload(task["id"], "程序.exe", b"MZ\x90\x00"), 400, "只能上传 PDF")
    refused(handler.upload(task["id"], "假的.pdf", b"just text, not a pdf"), 400, "不是扩展名所示的类型")
    refused(handler.upload(task["id"], "空.pdf", b""), 400, "是空的")
    refused(handler.upload(task["id"], "太大.pdf", b"%PDF-" + b"0" * (20 * 1024 * 1024)), 413, "文件“太大.pdf”超过 20 MB")
    assert handler.listed(task["id"]) == []

    stored = handler.upload(task["id"], "C:\\扫描\\书面答复函.pdf", PDF)
    assert stored.status_code == 201, stored.text[:300]
    assert handler.upload(task["id"], "现场照片.PNG", PNG).status_code == 201
    files = handler.listed(task["id"])
    assert [(f["name"], f["size"], f["type"]) for f in files] == [
        ("书面答复函.pdf", len(PDF), "application/pdf"), ("现场照片.PNG", len(PNG), "image/png")]
    assert files[0]["userId"] == "industry-handler" and files[0]["taskName"] == task["name"]

    # the assignee removes a wrong file while the task is open
    assert handler.call("DELETE", f"/task/{task['id']}/attachments/{files[1]['id']}").status_code == 204
    assert [f["name"] for f in handler.listed(task["id"])] == ["书面答复函.pdf"]

    # another department of the county, another county's department: nothing
    for outsider in ("power-handler", "yx-industry-handler"):
        other = Tasklist(workers, outsider)
        refused(other.call("GET", f"/task/{task['id']}/attachments"), 404, "无权查看")
        refused(other.call("GET", f"/process-instance/{appeal.id}/attachments"), 404, "无权查看")
        refused(other.download(files[0]["url"]), 404, "无权查看")
        refused(other.upload(task["id"], "x.pdf", PDF), 404, "无权查看")
    # nor through Camunda's own attachment API, which checks no authorization itself: refused to anyone
    # but an administrator, even to the office, which may read the task's history
    for user in ("power-handler", "office-clerk", "industry-handler"):
        stock = appeal.user(user)
        for call in (lambda stock=stock: stock.get(f"/task/{task['id']}/attachment"),
                     lambda stock=stock: stock.get(f"/task/{task['id']}/attachment/{files[0]['id']}/data"),
                     lambda stock=stock: stock.post(f"/task/{task['id']}/attachment/create", None,
                                                    files={"attachment-name": (None, "x.pdf"),
                                                           "content": ("x.pdf", PDF)})):
            with pytest.raises(CamundaError) as refusal:
                call()
            assert refusal.value.status in (400, 403, 404), refusal.value
    with pytest.raises(CamundaError) as refusal:
        appeal.user("office-clerk").get(f"/task/{task['id']}/attachment")
    assert refusal.value.status == 403 and "附件" in refusal.value.message
    assert [f["name"] for f in workers.admin.get(f"/task/{task['id']}/attachment")] == ["书面答复函.pdf"]
    assert len(handler.listed(task["id"])) == 1

    report(appeal, "industry-handler")
    follow = appeal.task("Task_FollowUp", "office-clerk")
    office = Tasklist(workers, "office-clerk")
    seen = office.listed(follow["id"])
    assert [f["name"] for f in seen] == ["书面答复函.pdf"]
    assert seen[0]["taskName"] == task["name"] and seen[0]["userName"]
    got = office.download(seen[0]["url"])
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["Content-Type"].startswith("application/pdf")
    assert "filename*=UTF-8''" in got.headers["Content-Disposition"]
    # the office uploads nothing to a task it has not claimed, and the finished task takes no more files
    refused(office.upload(follow["id"], "回访记录.pdf", PDF), 403, "请先认领")
    refused(handler.upload(task["id"], "晚了.pdf", PDF), 404, "已办结")
    follow_up(appeal)
    # after 销号 the office still finds it in the appeal's history
    answer = office.call("GET", f"/process-instance/{appeal.id}/attachments")
    assert answer.status_code == 200 and [f["name"] for f in answer.json()] == ["书面答复函.pdf"]


def test_the_city_departments_file_reaches_the_countys_follow_up(workers: EngineHandle) -> None:
    county, city = escalated_to_city(workers, "AT-CITY")
    propose_at_city(city, "city-dept-natural-resources", "single")
    approve_at_city(city, "city-director")
    sign_at_city(city, "city-land-handler", "李四")
    task = city.task("Task_HandleCityAppeal", "city-land-handler")
    city.user("city-land-handler").claim(task["id"], "city-land-handler")
    handler = Tasklist(workers, "city-land-handler")
    assert handler.upload(task["id"], "市自然资源局书面答复.pdf", PDF).status_code == 201
    city.complete("Task_HandleCityAppeal", "city-land-handler", handlingAction="report", resultClass="A",
                  replyText="已协调用地指标", replyMethod="written")

    city.wait_until_ended()
    # the city's result goes back to the county's department, which replies and sees the city's file
    back = county.task("Task_HandleAppeal", "land-handler")
    assert [f["name"] for f in Tasklist(workers, "land-handler").listed(back["id"])] == ["市自然资源局书面答复.pdf"]
    report(county, "land-handler")
    follow = county.task("Task_FollowUp", "office-clerk")
    office = Tasklist(workers, "office-clerk")
    seen = office.listed(follow["id"])
    assert [f["name"] for f in seen] == ["市自然资源局书面答复.pdf"]
    assert seen[0]["processInstanceId"] == city.id
    assert office.download(seen[0]["url"]).content == PDF
    # another county's office sees neither the county's appeal nor the city's file
    other = Tasklist(workers, "yx-office-clerk")
    refused(other.call("GET", f"/process-instance/{county.id}/attachments"), 404, "无权查看")
    refused(other.download(seen[0]["url"]), 404, "无权查看")
