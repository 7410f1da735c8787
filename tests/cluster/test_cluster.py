"""Cluster mode against the real parts: one PostgreSQL, two engine JVMs of the same jar, HAProxy in
front, the workers as `appeals worker` runs them (one long poll per node), a real browser.

One small cluster is started for the module (docs/cluster.md). The failover run (`failover`, once):
appeals arrive through the balancer at a steady rate and are driven by their users through the
balancer; a Tasklist user logs in through the balancer; the node that served that login is killed
with SIGKILL in the middle; timers of appeals are made due (REST) while it is dead. The tests then
check what the run left: every appeal at its expected task, numbers unique and gap-free, every
notification once, the timers fired by the survivor, the Tasklist user still working.

`make test-cluster` runs this folder on its own, on PostgreSQL (marker `cluster`, from the folder).
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from appeals import stack
from appeals.camunda import Camunda, CamundaError
from appeals.cluster import (
    HEALTH_PATH,
    Node,
    cluster_engine_env,
    probe_bpmn,
    start_balancer,
    start_node,
    wait_for_balancer,
)
from appeals.runtime import Router, Task
from appeals.settings import PROJECT_ROOT, Settings

from ..conftest import DEMO_PASSWORD, wait_for
from ..databases import PostgresServer
from ..scenario import Appeal
from ..sinks import MailServer
from ..unit.test_public import VALID, form_of

JVM = ("-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Duser.timezone=Asia/Shanghai")
RATE = 2.0  # appeals per second through the balancer
DURATION = 30.0  # seconds of arrivals
KILL_AT = 12.0  # seconds into the arrivals
TIMERS = 6  # appeals whose reminder timer is made due while the node is dead
PUBLIC_EVERY = 5  # every fifth appeal arrives through the public page, the others by REST


@dataclass
class ClusterHandle:
    """Duck-typed like conftest.EngineHandle for tests/scenario.py, pointing at the balancer."""

    settings: Settings
    nodes: list[Node]
    balancer_port: int
    env: dict[str, str]
    pids: dict[str, int] = field(default_factory=dict)
    public_port: int = 0
    admin: Camunda = field(init=False)

    def __post_init__(self) -> None:
        self.admin = Camunda(self.settings.engine.url, *self.settings.engine.require_admin())

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.balancer_port}"

    def client(self, user: str, password: str = DEMO_PASSWORD) -> Camunda:
        return Camunda(self.settings.engine.url, user, password)

    def node_admin(self, node: Node) -> Camunda:
        return Camunda(node.rest_url, *self.settings.engine.require_admin())

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "appeals.cli", *args], env=self.env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=3).status_code == 200
    except requests.RequestException:
        return False


def _env_for(data_dir: Path, balancer_url: str, postgres: PostgresServer, mail: MailServer) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("APPEALS_", "DB_", "CAMUNDA_"))}
    env.update({
        "PYTHONPATH": str(PROJECT_ROOT / "workers"),
        "APPEALS_DATA_DIR": str(data_dir),
        "APPEALS_ENGINE_URL": balancer_url,
        "CAMUNDA_ADMIN_USER": "admin",
        "CAMUNDA_ADMIN_PASSWORD": "admin-" + secrets.token_hex(6),
        "APPEALS_WORKER_PASSWORD": "worker-" + secrets.token_hex(6),
        "APPEALS_INITIAL_PASSWORD": DEMO_PASSWORD,
        "APPEALS_DATABASE_URL": postgres.create_database("cluster_appeals"),
        "APPEALS_SMTP_HOST": "127.0.0.1",
        "APPEALS_SMTP_PORT": str(mail.port),
        "APPEALS_NOTIFY_RETRY_SECONDS": "1",
        "APPEALS_PUBLIC_SECRET": "cluster-public-secret-" + secrets.token_hex(16),
        "APPEALS_PUBLIC_PASSWORD": "public-" + secrets.token_hex(6),
        "APPEALS_PUBLIC_RATE_SUBMIT": "600 per minute",  # the test's arrivals all come from 127.0.0.1
        "APPEALS_PUBLIC_DELIVERY_SECONDS": "2",
        "APPEALS_PDF": "off",
    })
    return env


@pytest.fixture(scope="module")
def cluster_mail() -> Iterator[MailServer]:
    """The cluster's own SMTP server: what it receives is exactly what the cluster sent. (The session's
    `mail_server` also holds the mails of the other tests' engines, whose registration numbers restart
    at 第1号 too: the 满意度评价 mail of another test's appeal 第1号 once counted as CL-BROWSER's second.)"""
    server = MailServer(stack.free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, postgres: PostgresServer,
            cluster_mail: MailServer) -> Iterator[ClusterHandle]:
    """PostgreSQL + engine-1 + engine-2 (-Xmx512m each) + HAProxy + `appeals worker` polling both nodes."""
    data_dir = tmp_path_factory.mktemp("cluster")
    port = stack.free_port()
    balancer_url = f"http://127.0.0.1:{port}/engine-rest"
    env = _env_for(data_dir, balancer_url, postgres, cluster_mail)
    nodes = [Node("engine-1", stack.free_port()), Node("engine-2", stack.free_port())]
    env["APPEALS_ENGINE_NODES"] = ",".join(node.rest_url for node in nodes)
    postgres.create_database("cluster_camunda")
    settings = Settings.from_env(env)
    handle = ClusterHandle(settings, nodes, port, env)
    paths = stack.Paths(data_dir)
    try:
        for node in nodes:  # one after the other: the first creates the schema
            node_env = cluster_engine_env(settings, node, postgres.jdbc_url("cluster_camunda"), "postgres", "")
            node_env.update({k: env[k] for k in ("CAMUNDA_ADMIN_USER", "CAMUNDA_ADMIN_PASSWORD")})
            handle.pids[node.name] = start_node(settings, node, node_env, JVM)
            try:
                stack.wait_for_engine(node.rest_url, settings.engine.require_admin(), timeout=240, pid=handle.pids[node.name])
            except stack.StackError:
                print(paths.logfile(node.name).read_text(errors="replace")[-5000:])
                raise
        handle.pids["haproxy"] = start_balancer(settings, port, nodes)
        wait_for_balancer(balancer_url, settings.engine.require_admin(), nodes=2)
        handle.cli("deploy")
        handle.cli("org", "sync", str(PROJECT_ROOT / "workers" / "appeals" / "data" / "demo-org.yaml"))
        handle.pids["worker"] = stack.start_appeals_command(settings, "worker", ["worker", "--poll-timeout", "20"], env)
        handle.public_port = stack.free_port()
        handle.pids["public"] = stack.start_appeals_command(
            settings, "public", ["public", "serve", "--port", str(handle.public_port), "--threads", "16"], env)
        wait_for(lambda: _answers(f"http://127.0.0.1:{handle.public_port}/healthz"), timeout=60,
                 message="the public pages")
        yield handle
    finally:
        for name in ("public", "worker", "haproxy", "engine-2", "engine-1"):
            stack.stop_process(paths, name)


# ------------------------------------------------------------------------------------------- pickup
def pickup_latencies(cluster: ClusterHandle, samples: int) -> list[float]:
    """Seconds from the start request (sent to one node) to the handler starting, for instances
    started alternately on each node, with the cluster runtime polling both (NodeWorkers)."""
    from appeals.cluster import NodeWorkers

    cluster.admin.deploy("cluster-ping", [("ClusterPing.bpmn", probe_bpmn("ClusterPing", "clusterPing"))])
    router = Router()
    started: dict[str, float] = {}

    @router.topic("clusterPing", variables=("sentAt",))
    def ping(task: Task) -> None:
        started[task.business_key] = time.time()

    balancer = Camunda(cluster.settings.engine.url, *cluster.settings.engine.require_admin())
    runner = NodeWorkers(balancer, [cluster.node_admin(node) for node in cluster.nodes], router, max_tasks=2,
                         async_response_timeout_ms=20_000)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    sent: dict[str, float] = {}
    try:
        for node in cluster.nodes:  # warm-up: each node loads the new definition into its cache once
            cluster.node_admin(node).start_process("ClusterPing", {}, business_key=f"WARM-{node.name}")
        wait_for(lambda: len(started) == len(cluster.nodes), timeout=30, message="the warm-up pings")
        time.sleep(0.5)  # both long polls are waiting again
        for index in range(samples):
            node = cluster.nodes[index % len(cluster.nodes)]
            key = f"PING-{index}"
            sent[key] = time.time()
            cluster.node_admin(node).start_process("ClusterPing", {}, business_key=key)
            time.sleep(0.25)
        wait_for(lambda: all(key in started for key in sent), timeout=30, message="every ping picked up")
    finally:
        runner.stop()
        thread.join(timeout=30)
    return [started[key] - sent[key] for key in sent]


def test_workers_pick_up_a_task_within_a_second_whichever_node_created_it(cluster: ClusterHandle) -> None:
    latencies = sorted(pickup_latencies(cluster, samples=40))
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(round(0.99 * (len(latencies) - 1))))]
    print(f"\ncross-node pickup latency over {len(latencies)} tasks: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")
    assert p99 < 1.0, latencies


# ------------------------------------------------------------------------------------------- failover
@dataclass
class Run:
    appeals: dict[str, Appeal] = field(default_factory=dict)  # business key → appeal
    errors: list[str] = field(default_factory=list)
    killed: str = ""
    killed_at: float = 0.0
    in_flight_at_kill: int = 0
    retried_requests: int = 0
    timer_due: dict[str, dt.datetime] = field(default_factory=dict)  # business key → due date set
    browser_task: dict = field(default_factory=dict)
    browser_login_node: str = ""
    browser_result: str = ""


def _retrying(run: Run, action, what: str, attempts: int = 40):
    """An action through the balancer, retried as a user would when a node dies under a request."""
    for attempt in range(attempts):
        try:
            return action()
        except (requests.RequestException, CamundaError) as exc:
            if isinstance(exc, CamundaError) and exc.status < 500 and exc.status != 404:
                raise
            if not isinstance(exc, CamundaError) or exc.status >= 500:  # not just "not there yet"
                run.retried_requests += 1
            if attempt == attempts - 1:
                raise AssertionError(f"{what}: {exc}") from exc
            time.sleep(0.5)


def _step(run: Run, appeal: Appeal, key: str, user: str, **variables) -> None:
    """Claim and complete the user task `key`; a retry after a lost answer finds it done (no double)."""
    def attempt() -> None:
        tasks = appeal.user(user).tasks(processInstanceId=appeal.id, taskDefinitionKey=key)
        if not tasks:
            history = appeal.engine.admin.get("/history/task", processInstanceId=appeal.id, taskDefinitionKey=key,
                                              finished="true")
            if history:
                return  # completed by an earlier attempt whose answer was lost with the node
            raise CamundaError(404, f"{key} not open yet")
        task = tasks[0]
        client = appeal.user(user)
        if task.get("assignee") != user:
            client.claim(task["id"], user)
        client.complete_task(task["id"], variables)
    # up to 3 minutes: a task whose fetch answer died with the node stays locked for its lock duration
    # (60–90 s) before the survivor's poll gets it (docs/cluster.md)
    _retrying(run, attempt, f"{key} of {appeal.id}", attempts=360)


def submit_online(run: Run, cluster: ClusterHandle) -> Appeal:
    """The enterprise's questionnaire on the public pages (which talk to the engine through the balancer).
    The page keeps a submission before it calls the engine and always answers with a receipt; one the
    engine could not take (its node died under the call) is delivered by the page's background
    deliverer (APPEALS_PUBLIC_DELIVERY_SECONDS), so the appeal is awaited by its business key."""
    browser = requests.Session()
    url = f"http://127.0.0.1:{cluster.public_port}"
    hidden = form_of(browser.get(f"{url}/appeal", timeout=30).text)
    for _attempt in range(40):
        answer = browser.post(f"{url}/appeal", data={**hidden, **VALID}, allow_redirects=False, timeout=60)
        if answer.status_code == 303:
            break
        assert answer.status_code == 503, answer.status_code
        run.retried_requests += 1
        time.sleep(0.5)
    receipt = browser.get(url + answer.headers["Location"], timeout=30).text
    token = re.search(r"[0-9A-F]{16}", receipt).group(0)
    found = wait_for(lambda: _retrying(run, lambda: cluster.admin.get("/process-instance", businessKey=f"WEB-{token}"),
                                       "find"), timeout=120, interval=0.5, message=f"the appeal of receipt {token}")
    assert len(found) == 1, found
    return Appeal(cluster, found[0]["id"])


def drive(run: Run, cluster: ClusterHandle, index: int) -> None:
    if index % PUBLIC_EVERY == 0:  # the public page
        key = f"CL-{index:03d}-WEB"
        appeal = submit_online(run, cluster)
    else:  # REST, as the office's intake
        key = f"CL-{index:03d}"
        appeal = _retrying(run, lambda: Appeal.start(cluster, key, category="policy"), f"start {key}")
    run.appeals[key] = appeal
    _step(run, appeal, "Task_VerifyAppeal", "office-clerk", verifyNote="已电话核实情况属实", scopeDecision="accept")
    _step(run, appeal, "Task_ProposeDispatch", "office-clerk", leadDepartment="dept-industry",
          assistingDepartments=[], dispatchSituation="single", dispatchNote="建议交办")
    _step(run, appeal, "Task_ApproveDispatch", "office-director", approvalDecision="approve", approvalComment="同意")
    _step(run, appeal, "Task_SignDispatch", "industry-handler", signDecision="sign", handlerName="张三",
          enterpriseContacted=True)


def login(browser, cluster: ClusterHandle, user: str):
    """Log in to Tasklist through the balancer; returns the page and the node that served the login."""
    page = browser.new_page(viewport={"width": 1400, "height": 1100}, locale="zh-CN", timezone_id="Asia/Shanghai")
    page.set_default_timeout(30_000)
    page.goto(f"{cluster.base_url}/camunda/app/tasklist/")
    page.get_by_placeholder("用户名").fill(user)
    page.get_by_placeholder("密码").fill(DEMO_PASSWORD)
    with page.expect_response(lambda r: "/login/tasklist" in r.url) as answer:
        page.get_by_role("button", name="登录").click()
    assert answer.value.status == 200
    page.get_by_text("本单位待办").wait_for()
    return page, answer.value.headers.get("x-appeals-node", "")


@pytest.fixture(scope="module")
def failover(cluster: ClusterHandle, browser) -> Run:
    run = Run()
    paths = stack.Paths(cluster.settings.data_dir)
    # the Tasklist user: an appeal waiting for the department's handling, logged in through the balancer
    mine = Appeal.start(cluster, "CL-BROWSER", category="policy")
    for step in (("Task_VerifyAppeal", "office-clerk", {"verifyNote": "核实", "scopeDecision": "accept"}),
                 ("Task_ProposeDispatch", "office-clerk", {"leadDepartment": "dept-industry",
                                                           "assistingDepartments": [], "dispatchSituation": "single",
                                                           "dispatchNote": "建议交办"}),
                 ("Task_ApproveDispatch", "office-director", {"approvalDecision": "approve", "approvalComment": "同意"}),
                 ("Task_SignDispatch", "industry-handler", {"signDecision": "sign", "handlerName": "李四",
                                                            "enterpriseContacted": True})):
        _step(run, mine, step[0], step[1], **step[2])
    run.appeals["CL-BROWSER"] = mine
    run.browser_task = mine.task("Task_HandleAppeal", "industry-handler", timeout=60)
    page, run.browser_login_node = login(browser, cluster, "industry-handler")
    run.killed = run.browser_login_node or "engine-2"

    count = int(RATE * DURATION)
    began = time.monotonic()
    with cf.ThreadPoolExecutor(max_workers=12, thread_name_prefix="driver") as pool:
        futures = []
        for index in range(count):
            pause = began + index / RATE - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            if not run.killed_at and time.monotonic() - began >= KILL_AT:
                run.in_flight_at_kill = sum(1 for f in futures if not f.done())
                os.kill(cluster.pids[run.killed], signal.SIGKILL)
                run.killed_at = time.monotonic()
            futures.append(pool.submit(drive, run, cluster, index))
        for future in futures:
            try:
                future.result(timeout=600)
            except Exception as exc:  # collected; test_every_appeal_reaches_its_task reports them
                run.errors.append(f"{type(exc).__name__}: {exc}")
    paths.pidfile(run.killed).unlink(missing_ok=True)
    assert run.killed_at, "the node was not killed"

    # timers that fall due while the node is dead: the reminder of the handling, due now
    waiting = [key for key in sorted(run.appeals) if key != "CL-BROWSER"][:TIMERS]
    for key in waiting:
        appeal = run.appeals[key]
        appeal.task("Task_HandleAppeal", "admin", timeout=120)
        job = _reminder_job(cluster, appeal)
        due = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8)))
        cluster.admin.put(f"/job/{job['id']}/duedate", {"duedate": due.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0800"})
        run.timer_due[key] = due

    # the Tasklist user, after the node that served the login died: no new login, the form is submitted
    page.goto(f"{cluster.base_url}/camunda/app/tasklist/#/?task={run.browser_task['id']}")
    page.get_by_text("办理诉求并答复企业").first.wait_for()
    if page.get_by_placeholder("用户名").count():
        run.browser_result = "asked to log in again"
    else:
        page.get_by_text("认领", exact=True).click()
        page.get_by_label("报送办理结果").check()
        page.get_by_label("A类（已经解决或基本解决）").check()
        page.get_by_label("答复企业内容（面复或书面答复）").fill("经协调已解决。")
        page.get_by_label("答复方式").locator("xpath=..").click()
        page.get_by_text("书面答复", exact=True).click()
        page.get_by_role("button", name="完成").click()
        run.browser_result = "submitted"
    page.screenshot(path=str(_artifacts() / "cluster-tasklist-after-failover.png"))
    page.close()
    return run


def _artifacts() -> Path:
    folder = PROJECT_ROOT / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder


def _reminder_job(cluster: ClusterHandle, appeal: Appeal) -> dict:
    definitions = {d["id"]: d.get("activityId") for d in cluster.admin.get("/job-definition",
                                                                           processDefinitionKey="EnterpriseAppeal")}
    jobs = [j for j in cluster.admin.timer_jobs(appeal.id)
            if definitions.get(j["jobDefinitionId"]) == "BoundaryEvent_HandlingReminder"]
    assert len(jobs) == 1, jobs
    return jobs[0]


def _serial(number: str) -> int:
    return int(re.search(r"第(\d+)号", number).group(1))


def test_every_appeal_reaches_its_task_after_a_node_is_killed(cluster: ClusterHandle, failover: Run) -> None:
    assert not failover.errors, failover.errors[:5]
    expected = int(RATE * DURATION) + 1
    assert len(failover.appeals) == expected
    for key, appeal in failover.appeals.items():
        if key == "CL-BROWSER":
            continue
        assert appeal.task("Task_HandleAppeal", "industry-handler", timeout=60), key
    stuck = cluster.admin.get("/incident")
    assert stuck == [], stuck[:3]
    assert cluster.admin.get("/external-task/count", locked="false", withRetriesLeft="true", active="true")["count"] == 0
    print(f"\nfailover: {expected} appeals, {failover.in_flight_at_kill} in flight when {failover.killed} was killed, "
          f"{failover.retried_requests} requests failed with the node and were retried by their users")


def test_numbers_are_unique_and_gap_free(cluster: ClusterHandle, failover: Run) -> None:
    for name in ("registrationNumber", "dispatchNumber"):
        rows = cluster.admin.get("/history/variable-instance", variableName=name, processDefinitionKey="EnterpriseAppeal")
        by_instance = {row["processInstanceId"]: row["value"] for row in rows}
        ours = {appeal.id for appeal in failover.appeals.values()}
        assert ours <= set(by_instance), f"{name} missing"
        serials = sorted(_serial(value) for value in by_instance.values())
        assert len(serials) == len(set(serials)), f"duplicate {name}"
        assert serials == list(range(1, len(serials) + 1)), f"{name} has gaps: {serials}"


def test_every_notification_goes_out_exactly_once(cluster: ClusterHandle, failover: Run,
                                                  cluster_mail: MailServer) -> None:
    for key, appeal in failover.appeals.items():
        number = appeal.variables_history("registrationNumber")
        mails = wait_for(lambda n=number: cluster_mail.messages(n), timeout=60, message=f"mails of {key}")
        sent = Counter((str(m["To"]), str(m["Subject"])) for m in cluster_mail.messages(number))
        assert all(count == 1 for count in sent.values()), (key, sent)
        assert any("交办" in subject for _to, subject in sent), (key, sent)
        del mails
    # and by the outbox key each mail carries: no message of the cluster reached the server twice
    keys = Counter(str(m["X-Appeals-Key"]) for m in cluster_mail.messages())
    assert keys and all(count == 1 for count in keys.values()), [k for k, n in keys.items() if n > 1]


def test_timers_due_while_a_node_is_dead_fire_on_the_survivor(cluster: ClusterHandle, failover: Run,
                                                              cluster_mail: MailServer) -> None:
    late = []
    for key, due in failover.timer_due.items():
        appeal = failover.appeals[key]

        def fired(appeal=appeal):
            found = cluster.admin.get("/history/activity-instance", processInstanceId=appeal.id,
                                      activityId="BoundaryEvent_HandlingReminder")
            return found and found[0]

        event = wait_for(fired, timeout=90, interval=0.5, message=f"the reminder of {key}")
        started = dt.datetime.strptime(event["startTime"], "%Y-%m-%dT%H:%M:%S.%f%z")
        late.append((started - due).total_seconds())
        number = appeal.variables_history("registrationNumber")
        reminders = wait_for(lambda n=number: [m for m in cluster_mail.messages(n) if "办理时限将至" in str(m["Subject"])],
                             timeout=60, message=f"the reminder mail of {key}")
        assert len({(str(m["To"]), str(m["Subject"])) for m in reminders}) == len(reminders), reminders
    print(f"\ntimers due while {failover.killed} was dead: {len(late)} fired on the survivor, "
          f"late by {min(late):.1f}–{max(late):.1f} s")
    assert len(late) == TIMERS and max(late) < 30


def test_tasklist_user_keeps_working_after_the_serving_node_dies(cluster: ClusterHandle, failover: Run) -> None:
    assert failover.browser_login_node in ("engine-1", "engine-2")
    assert failover.browser_result == "submitted"
    task_id = failover.browser_task["id"]
    wait_for(lambda: (cluster.admin.get("/history/task", taskId=task_id) or [{}])[0].get("endTime"),
             message="the task completed from the browser")
    assert failover.appeals["CL-BROWSER"].variables()["resultClass"] == "A"


def test_only_the_survivor_answers_and_the_balancer_took_the_dead_node_out(cluster: ClusterHandle,
                                                                          failover: Run) -> None:
    served = Counter(requests.get(f"{cluster.settings.engine.url}/version", auth=cluster.settings.engine.require_admin(),
                                  timeout=5).headers.get("X-Appeals-Node") for _ in range(6))
    assert set(served) == {n.name for n in cluster.nodes} - {failover.killed}
    # the balancer's health check: anonymous, and it leaves no HTTP session behind (no row per check)
    survivor = next(n for n in cluster.nodes if n.name != failover.killed)
    health = requests.get(survivor.base_url + HEALTH_PATH, timeout=5)
    assert health.status_code == 200 and "set-cookie" not in {k.lower() for k in health.headers}


# ------------------------------------------------------------------------------------------- startup checks
def _refused(tmp_path: Path, jvm_zone: str, extra_env: dict[str, str]) -> str:
    """Start the engine jar with `extra_env`; it must exit by itself; returns its output."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("APPEALS_", "DB_", "CAMUNDA_"))}
    env.update({"SERVER_PORT": str(stack.free_port()), "APPEALS_DATA_DIR": str(tmp_path),
                "CAMUNDA_ADMIN_PASSWORD": "x-" + secrets.token_hex(4), **extra_env})
    done = subprocess.run(["java", "-Xmx256m", "-XX:TieredStopAtLevel=1", f"-Duser.timezone={jvm_zone}", "-jar",
                           str(stack.build_engine())], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0
    return done.stdout + done.stderr


def test_a_cluster_node_refuses_h2(tmp_path: Path) -> None:
    output = _refused(tmp_path, "Asia/Shanghai", {"APPEALS_CLUSTER": "true"})
    assert "needs a database all nodes share, but the datasource is H2" in output
    assert "ENGINE-00001" not in output, "refused before the engine was created"


def test_an_engine_outside_china_time_refuses_to_start(tmp_path: Path) -> None:
    output = _refused(tmp_path, "UTC", {})
    assert "the JVM's default time zone is UTC, the engine must run in Asia/Shanghai" in output
    assert "ENGINE-00001" not in output
