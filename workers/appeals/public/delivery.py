"""Delivering kept online submissions to the engine (issue 12, kind 2).

The questionnaire keeps every valid submission in the application database (`OnlineDelivery`)
before it calls the engine. If the engine is down or refuses, the enterprise still gets its receipt;
the `Deliverer` (a thread of `appeals public serve`, or `appeals public deliver` once) sends the
kept submission when the engine takes it. Nothing is submitted twice: a kept submission that has
been tried before is first looked up by its business key (`WEB-<token>`), since an earlier attempt
may have reached the engine although its answer was lost.
"""

from __future__ import annotations

import logging
import threading

from ..camunda import CamundaError
from ..context import home_county_code
from .gateway import EngineGateway, EngineUnavailable
from .store import Delivery, Store

log = logging.getLogger("appeals.public.delivery")


def deliver(store: Store, gateway: EngineGateway, delivery: Delivery, look_up_first: bool = True) -> str | None:
    """Start the appeal of one kept submission; its process instance id, or None (tried again later)."""
    try:
        pid = gateway.find_by_business_key(delivery.business_key) if look_up_first else None
        if pid is None:
            variables = dict(delivery.variables)
            # the site's county is kept with the submission (views.appeal); older kept ones: the chart's own
            county = home_county_code(store.engine)
            if county and not variables.get("countyCode"):
                variables["countyCode"] = county
            pid = gateway.submit(delivery.business_key, variables)
    except (EngineUnavailable, CamundaError) as exc:
        next_at = store.delivery_failed(delivery, f"{type(exc).__name__}: {exc}")
        log.warning("online appeal %s kept, engine did not take it (%s); next attempt %s", delivery.business_key,
                    exc, next_at.isoformat(timespec="seconds"))
        return None
    store.delivered(delivery, pid)
    log.info("online appeal %s delivered: process instance %s", delivery.business_key, pid)
    return pid


def deliver_due(store: Store, gateway: EngineGateway, limit: int = 20) -> int:
    """One pass: deliver the kept submissions that are due; how many reached the engine."""
    return sum(1 for delivery in store.lease_due(limit) if deliver(store, gateway, delivery) is not None)


class Deliverer:
    """A background thread delivering kept submissions every `interval` seconds until stopped."""

    def __init__(self, store: Store, gateway: EngineGateway, interval: float = 10.0) -> None:
        self.store = store
        self.gateway = gateway
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="public-deliverer", daemon=True)

    def start(self) -> Deliverer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                deliver_due(self.store, self.gateway)
            except Exception:  # noqa: BLE001 - a database hiccup must not end the thread
                log.exception("delivering kept online submissions failed; trying again")
            self._stop.wait(self.interval)
