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
