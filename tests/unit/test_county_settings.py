"""Each county's own 12345 feed and public site in the settings (`__<TENANT>` variables), the demo's
ports and services for them (docs/city-level.md, "Each county's 12345 feed and public site")."""

from __future__ import annotations

from pathlib import Path

import pytest

from appeals import stack
from appeals.settings import Settings, SettingsError

HOME = {"APPEALS_HOTLINE_URL": "https://12345.example.gov.cn/open311/v2", "APPEALS_HOTLINE_API_KEY": "home-key",
        "APPEALS_HOTLINE_JURISDICTION": "mouxian", "APPEALS_HOTLINE_PAGE_SIZE": "50",
        "APPEALS_PUBLIC_BASE_URL": "https://qy.mouxian.example.gov.cn", "APPEALS_PUBLIC_RATE_SUBMIT": "5 per minute"}


def test_a_county_feed_is_its_own_address_key_and_jurisdiction_and_shares_the_rest() -> None:
    settings = Settings.from_env({**HOME, "APPEALS_HOTLINE_URL__YIXIAN": "https://12345.example.gov.cn/open311/v2/",
                                  "APPEALS_HOTLINE_API_KEY__YIXIAN": "yixian-key",
                                  "APPEALS_HOTLINE_JURISDICTION__YIXIAN": "yixian",
                                  "APPEALS_HOTLINE_TIMEOUT__YIXIAN": "3"})
    home, yixian = settings.hotline_feeds()
    assert (home.county, home.api_key, home.jurisdiction, home.timeout) == (None, "home-key", "mouxian", 10.0)
    assert (yixian.county, yixian.api_key, yixian.jurisdiction) == ("yixian", "yixian-key", "yixian")
    assert yixian.url == "https://12345.example.gov.cn/open311/v2" and yixian.page_size == 50 and yixian.timeout == 3
    assert home.feed != yixian.feed, "one watermark per feed"
    assert settings.hotline_for("yixian") == yixian and settings.hotline_for(None) == home


def test_a_county_without_its_own_address_has_no_feed_never_the_home_county_one() -> None:
    settings = Settings.from_env({**HOME, "APPEALS_HOTLINE_API_KEY__YIXIAN": "yixian-key"})
    assert [c.county for c in settings.hotline_feeds()] == [None]
    assert not settings.hotline_for("yixian").configured
    assert not settings.hotline_for("other-county").configured
    assert Settings.from_env({}).hotline_feeds() == []


def test_two_counties_on_one_feed_are_refused() -> None:
    with pytest.raises(SettingsError, match="APPEALS_HOTLINE_URL__YIXIAN"):
        Settings.from_env({**HOME, "APPEALS_HOTLINE_URL__YIXIAN": HOME["APPEALS_HOTLINE_URL"],
                           "APPEALS_HOTLINE_JURISDICTION__YIXIAN": "mouxian"})
    with pytest.raises(SettingsError, match="__YIXIAN names a 12345 feed .* another county reads"):
        Settings.from_env({"APPEALS_HOTLINE_URL__YIXIAN": "http://x/v2", "APPEALS_HOTLINE_URL__DONG_XIAN": "http://x/v2"})


def test_a_county_site_has_its_own_address_port_and_limits() -> None:
    settings = Settings.from_env({**HOME, "APPEALS_PUBLIC_PORT__YIXIAN": "8092",
                                  "APPEALS_PUBLIC_RATE_SUBMIT__YIXIAN": "2 per minute"})
    site = settings.public_for("yixian")
    assert (site.county, site.port, site.base_url, site.rate_submit) == (
        "yixian", 8092, "http://localhost:8092", "2 per minute"), "its address is not the home county's"
    assert site.rate_lookup == settings.public.rate_lookup, "what it does not set is shared"
    assert settings.public_sites == {"yixian"}
    assert settings.public_for("mouxian") == settings.public and settings.public_for(None) == settings.public
    assert Settings.from_env({"APPEALS_PUBLIC_COUNTY": "yixian"}).public.county == "yixian"


def test_public_serve_refuses_a_county_without_a_site() -> None:
    from appeals.public.cli import county_settings

    settings = Settings.from_env(HOME)
    with pytest.raises(SettingsError, match="APPEALS_PUBLIC_BASE_URL__YIXIAN"):
        county_settings(settings, "yixian")
    assert county_settings(settings, None).public.county is None
    with_site = Settings.from_env({**HOME, "APPEALS_PUBLIC_BASE_URL__YIXIAN": "https://qy.yixian.example.gov.cn"})
    assert county_settings(with_site, "yixian").public.base_url == "https://qy.yixian.example.gov.cn"


def test_the_demo_gives_each_other_county_its_simulator_and_site(tmp_path: Path) -> None:
    settings = Settings.from_env({"APPEALS_DATA_DIR": str(tmp_path)})
    (yixian,) = stack.county_demos(settings, [("yixian", "乙县")], "demo-key")
    assert (yixian.simulator_port, yixian.public_port) == (8312, 8092)
    assert yixian.env == {"APPEALS_HOTLINE_URL__YIXIAN": "http://127.0.0.1:8312/open311/v2",
                          "APPEALS_HOTLINE_API_KEY__YIXIAN": "demo-key", "APPEALS_PUBLIC_PORT__YIXIAN": "8092"}
    with_counties = settings.with_counties(yixian.env)
    assert [c.county for c in with_counties.hotline_feeds()] == ["yixian"]
    assert with_counties.public_for("yixian").base_url == "http://localhost:8092"
    moved = Settings.from_env({"APPEALS_DATA_DIR": str(tmp_path), "APPEALS_PUBLIC_PORT__YIXIAN": "9092",
                               "APPEALS_HOTLINE_SIMULATOR_PORT__YIXIAN": "9312",
                               "APPEALS_HOTLINE_URL__YIXIAN": "http://127.0.0.1:9312/open311/v2"})
    (own,) = stack.county_demos(moved, [("yixian", "乙县")], "demo-key")
    assert (own.simulator_port, own.public_port) == (9312, 9092), "what the environment sets is kept"

    paths = stack.Paths(tmp_path)
    paths.run.mkdir(parents=True)
    for name in ("worker", "public", "public-yixian", "hotline-simulator-yixian", "engine-node-1"):
        paths.pidfile(name).write_text("1")
    names = stack.service_names(paths)
    assert names == ["worker", "public", "public-yixian", "dashboard", "hotline-simulator",
                     "hotline-simulator-yixian", "engine"], "`appeals down` stops the counties' services too"
