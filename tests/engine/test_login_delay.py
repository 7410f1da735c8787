"""Failed logins (breaker finding 2): the engine delays a user's next login after a wrong password but
never locks anyone for good, so nobody who reaches the engine can stop the public pages or the workers
by guessing their technical user's password. The session's engine runs with a 1 s delay
(tests/conftest.py) instead of 3, 6, ... 60 s; application.yaml keeps the real ones."""

from __future__ import annotations

import logging
import time

import pytest
from click.testing import CliRunner

from appeals.camunda import CamundaError, unlock_command
from appeals.cli import main
from appeals.org import IdentitySync

from ..conftest import EngineHandle
from ..unit.test_public import PUBLIC_PASSWORD

USER = "appeals-public"
DELAY = 1.0  # the session engine's APPEALS_LOGIN_DELAY_MAX_TIME
OLD_LOCKOUT = 10  # Camunda's default loginMaxAttempts: after so many failures a user was locked for good


def refused(engine: EngineHandle, password: str) -> bool:
    try:
        engine.client(USER, password).get("/engine")
    except CamundaError as exc:
        assert exc.status == 401, exc
        return True
    return False


@pytest.fixture(scope="module")
def public_user(deployed: EngineHandle) -> EngineHandle:
    IdentitySync(deployed.admin).ensure_public_channel(PUBLIC_PASSWORD)
    return deployed


def test_wrong_passwords_delay_but_never_lock_a_technical_user(public_user: EngineHandle) -> None:
    for _ in range(OLD_LOCKOUT + 2):  # each wrong password after the delay counts as a failed attempt
        time.sleep(DELAY + 0.2)
        assert refused(public_user, "guess-" + str(_))
    assert refused(public_user, PUBLIC_PASSWORD), "right after a failure even the right password waits"
    time.sleep(DELAY + 0.2)
    assert not refused(public_user, PUBLIC_PASSWORD), "after the delay the right password works"


def test_a_refused_technical_user_tells_the_operator_how_to_unlock(public_user: EngineHandle, caplog) -> None:
    time.sleep(DELAY + 0.2)
    with caplog.at_level(logging.ERROR, logger="appeals.camunda"):
        assert refused(public_user, "wrong")
    message = " ".join(r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)
    assert "appeals-public" in message and "HTTP 401" in message and unlock_command(USER) in message
    # the command of the message ends the delay at once: the right password works without waiting
    result = CliRunner().invoke(main, ["unlock", USER], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"unlocked {USER}" in result.output
    assert not refused(public_user, PUBLIC_PASSWORD)
