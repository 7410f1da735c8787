"""Issue 12, kind 2 against the real engine: a 4,500-character description submitted on the public
page while the engine is stopped becomes exactly one appeal with the full text once it is back.

Marked `restarts_engine`: it stops and starts the session's engine, so tests/conftest.py runs it after
all others (as tests/engine/test_restart.py)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from appeals.db import engine_for
from appeals.db.public_models import OnlineSubmission
from appeals.org import IdentitySync
from appeals.public import create_app
from appeals.public.app import EXTENSION
from appeals.public.delivery import Deliverer

from ..conftest import EngineHandle, wait_for
from ..unit.test_public import PHONE, PUBLIC_PASSWORD, VALID, post_form, public_settings


@pytest.mark.restarts_engine
def test_a_long_description_submitted_while_the_engine_is_stopped_becomes_one_appeal(workers: EngineHandle) -> None:
    IdentitySync(workers.admin).ensure_public_channel(PUBLIC_PASSWORD)
    app = create_app(public_settings(workers.settings, registration_wait_seconds=2.0))
    app.config["TESTING"] = True
    client = app.test_client()
    description = ("新上熔炼车间需要增容到2000千伏安，报装三个月未接电，影响订单交付。" * 200)[:4500]
    assert len(description) == 4500
    workers.stop()
    try:
        response = post_form(client, "/appeal", {**VALID, "problemDescription": description})
        assert response.status_code == 303, response.get_data(as_text=True)[:1000]
        token = response.headers["Location"].rsplit("/", 1)[-1]
        receipt = client.get(response.headers["Location"]).get_data(as_text=True)
        assert token in receipt, "the enterprise has its receipt while the engine is down"
        progress = post_form(client, "/lookup", {"number": token, "phone": PHONE}).get_data(as_text=True)
        assert "已收到，正在登记" in progress
        time.sleep(5)  # the engine stays down a while
    finally:
        workers.start()
    store = app.extensions[EXTENSION].store
    deliverer = Deliverer(store, app.extensions[EXTENSION].gateway, interval=1.0).start()
    try:
        row = wait_for(lambda: (lambda r: r if r is not None and r.status == "started" else None)(
            store.submission(token)), timeout=120, message="the kept submission delivered")
    finally:
        deliverer.stop()
    found = workers.admin.get("/process-instance", businessKey=f"WEB-{token}")
    assert [p["id"] for p in found] == [row.process_instance_id], "exactly one appeal"
    variables = workers.admin.variables(row.process_instance_id)
    assert variables["problemDescription"] == description, "the full text, not cut at 4,000"
    wait_for(lambda: workers.admin.variables(row.process_instance_id).get("registrationNumber"), timeout=60,
             message="the workers register it")
    # delivering again changes nothing
    deliverer = Deliverer(store, app.extensions[EXTENSION].gateway, interval=0.2).start()
    time.sleep(1)
    deliverer.stop()
    assert len(workers.admin.get("/process-instance", businessKey=f"WEB-{token}")) == 1
    with engine_for(workers.settings.ledger_url).connect() as conn:
        assert conn.execute(select(OnlineSubmission.status).where(OnlineSubmission.token == token)).scalar() == "started"
