"""The progress lookup's phone (breaker finding 8): the phone typed names the line stored with the appeal
whether or not either side gives the extension — 0356-6012345 finds 0356 6012345 转 801 — while another
number or another extension finds nothing, and the lookup stays rate limited."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from appeals.public.submissions import phone_line, same_phone

from .test_public import make_app, post_form, submit

AREA_NUMBERS = st.sampled_from([("0356", "6012345"), ("010", "62345678"), ("0871", "63123456"), ("021", "54321098")])
EXTENSIONS = st.text(alphabet="0123456789", min_size=1, max_size=4).map(lambda d: str(int("1" + d)))
# how people write an extension after a landline
WRITTEN = st.sampled_from(["{a}-{n} 转 {e}", "{a} {n}转{e}", "({a}){n}-{e}", "{a}-{n} 分机{e}", "{a}{n}#{e}",
                           "+86 {a_} {n} ext {e}", "{a}-{n}-{e}"])
PLAIN = st.sampled_from(["{a}-{n}", "{a} {n}", "({a}){n}", "+86 {a_} {n}", "０{a_}－{n}", "{a}{n}"])


def spelled(form: str, area: str, number: str, extension: str = "") -> str:
    return form.format(a=area, a_=area[1:], n=number, e=extension)


@given(AREA_NUMBERS, EXTENSIONS, WRITTEN, PLAIN)
def test_a_landline_matches_with_or_without_its_extension(line, extension: str, written: str, plain: str) -> None:
    area, number = line
    stored, typed = spelled(written, area, number, extension), spelled(plain, area, number)
    assert phone_line(stored) == (area + number, extension), stored
    assert same_phone(typed, stored) and same_phone(stored, typed), (typed, stored)
    assert same_phone(spelled(written, area, number, extension), stored)


@given(AREA_NUMBERS, EXTENSIONS, EXTENSIONS, WRITTEN)
def test_another_extension_or_number_finds_nothing(line, one: str, other: str, written: str) -> None:
    area, number = line
    stored = spelled(written, area, number, one)
    if one != other:
        assert not same_phone(spelled(written, area, number, other), stored)
    neighbour = str(int(number) + 1)
    assert not same_phone(spelled(written, area, neighbour, one), stored)
    assert not same_phone(f"{area}-{neighbour}", stored)


def test_mobiles_and_garbage() -> None:
    assert same_phone("139 1234 5678", "13912345678") and same_phone("+86 13912345678", "13912345678")
    assert not same_phone("13912345679", "13912345678")
    for bad in ("", None, "12345", "转801"):
        assert not same_phone(bad, "0356-6012345-801") and not same_phone("0356-6012345", bad)


def test_the_lookup_finds_the_appeal_without_the_extension_and_stays_limited(tmp_path) -> None:
    app, _gateway = make_app(tmp_path, rate_lookup="5 per minute")
    client = app.test_client()
    receipt, token = submit(client, contactPhone="0356 6012345 转 801")
    for typed, status in (("0356-6012345", 200), ("0356-6012345-801", 200), ("03566012345 转 802", 404),
                          ("0356-6012346", 404), ("0356-6012345", 200)):
        assert post_form(client, "/lookup", {"number": token, "phone": typed}).status_code == status, typed
    assert post_form(client, "/lookup", {"number": token, "phone": "0356-6012345"}).status_code == 429


def test_the_lookup_finds_a_12345_order_by_any_number_it_gave(tmp_path) -> None:
    """Tester 2: 第53号, imported with "13912345678 或 13812345678", was not found with the second number."""
    from appeals.hotline.records import build_order

    app, gateway = make_app(tmp_path)
    client = app.test_client()
    order = build_order({"orderNumber": "GD53", "problemDescription": "厂区停电", "contactName": "王经理",
                         "contactPhone": "13912345678 或 138 1234 5678"}, "xlsx")
    gateway.submit("12345-GD53", order.registration)
    number = gateway.store["pid-1"]["registrationNumber"]
    for typed, status in (("13912345678", 200), ("+86 138-1234-5678", 200), ("13712345678", 404)):
        assert post_form(client, "/lookup", {"number": number, "phone": typed}).status_code == status, typed
