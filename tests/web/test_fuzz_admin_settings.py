"""Bad input by machine: random settings posted to the admin's preview and publish endpoints.

Every field of the settings form (generated from SETTING_SPECS) gets valid values from the
spec's own ranges, values that are invalid by construction (out of range, off step, not a
number, NaN/inf, too long, unknown choice), arbitrary unicode and numbers, or is left out or
sent twice. The properties:

- never a 5xx and never a stack trace;
- an invalid submission never creates a settings version (counted with
  ``SettingsStore.history()`` before and after), and preview never creates one at all;
- a valid submission published with a reason creates exactly one version, holding exactly
  the values sent; values outside their safe range (still valid) also need a departure
  reason, are warned about on the preview with their source, and are refused without it;
- every page is a house page: the page contract of ``check_page``, the site's layout, an
  "Error: " title when the form has errors, and the house error page for a 400.

One admin signs in once per module through the login form (password hashing is slow on
purpose, so not once per example); one CSRF token serves every post.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from ldn_screen.app import create_app
from ldn_screen.rules import DEFAULT_SETTINGS, SETTING_SPECS, RuleSettings
from ldn_screen.rules.settings import SettingSpec, departures, validate_values
from ldn_screen.store.settings_store import SettingsStore
from ldn_screen.web.forms.admin import REASON_MAX_CHARS, SettingsForm, display
from tests.admin_support import create_admin, hidden_fields, login
from tests.helpers import check_page, csrf_token
from tests.web.test_fuzz_screening import nasty_text

# Slow (a Hypothesis fuzzer): `pytest -m "not slow"` leaves it out locally; CI runs it.
pytestmark = pytest.mark.slow

EXAMPLES = {"random": 0, "random_published": 0, "valid": 0, "published": 0, "departing": 0}
STATUSES: Counter[int] = Counter()  # of the random posts, to show what the fuzz reached
RANDOM_EXAMPLES = 500
VALID_EXAMPLES = 100
FORM_KEYS = {"csrf_token", "based_on", "reason", "departure_reason", "action"}

Tag = Literal["valid", "invalid", "unknown"]

# Any text a person could type. NUL is left out: no browser sends it, and the admin pages
# refuse it with a 400 (PostgreSQL cannot store it); the random fuzz still sends it.
typeable = st.characters(codec="utf-8", exclude_characters="\x00")


@dataclass(frozen=True)
class Sent:
    """One form field as posted, and what the test knows about it without asking the app.

    ``tag`` is "valid" when the value passes its own spec (``typed`` is then the value the
    rules see), "invalid" when it cannot (out of range, not a number…), and "unknown" for
    arbitrary fuzz, which may happen to be either.
    """

    tag: Tag
    raw: str | list[str] | None  # None: the field is not sent at all
    typed: Any = None


# --- Values from each spec ----------------------------------------------------------------


def _is_int_spec(spec: SettingSpec) -> bool:
    return isinstance(spec.default, int) and not isinstance(spec.default, bool)


def _number_text(spec: SettingSpec, value: float) -> str:
    return str(int(value)) if _is_int_spec(spec) else f"{value:g}"


def _in_range(spec: SettingSpec) -> st.SearchStrategy[float]:
    assert spec.minimum is not None and spec.maximum is not None and spec.step is not None
    lo, step = spec.minimum, spec.step
    top = round((spec.maximum - lo) / step)
    if _is_int_spec(spec):
        return st.integers(0, top).map(lambda k: int(lo + k * step))
    return st.integers(0, top).map(lambda k: lo + k * step)


def override_reasons_text() -> st.SearchStrategy[Sent]:
    """Valid "code = text; code = text" values for the CDS override reasons (at most 10)."""
    code = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,11}", fullmatch=True)
    display = st.text(typeable, min_size=1, max_size=30).filter(
        lambda t: ";" not in t and t.strip() != ""
    )
    pairs = st.lists(st.tuples(code, display), max_size=10, unique_by=lambda p: p[0])
    return pairs.map(lambda ps: "; ".join(f"{c} = {d.strip()}" for c, d in ps)).map(
        lambda t: Sent("valid", t, t)
    )


def valid_value(spec: SettingSpec) -> st.SearchStrategy[Sent]:
    if spec.choices:
        return st.sampled_from(spec.choices).map(lambda c: Sent("valid", c, c))
    if spec.name == "cds_override_reasons":
        return override_reasons_text()
    if isinstance(spec.default, str):  # clinic name and phone: any text up to the limit
        limit = int(spec.maximum or 0)
        return st.text(typeable, max_size=limit).map(lambda t: Sent("valid", t, t))
    return _in_range(spec).flatmap(
        lambda v: st.sampled_from(
            [_number_text(spec, v), f"  {_number_text(spec, v)} ", f"+{_number_text(spec, v)}"]
        ).map(lambda raw: Sent("valid", raw, v))
    )


NOT_NUMBERS = [
    *("", " ", "NaN", "nan", "inf", "-inf", "Infinity", "1e309", "1e3", "four", "4,5"),
    *("4.5.1", "0x10", "½", "1_000", "--1", "+", ".", "1 000", "9" * 25, "4.5 mg"),
]


def invalid_value(spec: SettingSpec) -> st.SearchStrategy[Sent]:
    def bad(raw: str) -> Sent:
        return Sent("invalid", raw)

    if spec.choices:
        return (
            st.one_of(
                st.sampled_from(["", "  ", "STOP", "Review", "ignore", "stop review", "0"]),
                st.text(max_size=30),
            )
            .filter(lambda t: t.strip() not in spec.choices)
            .map(bad)
        )
    if isinstance(spec.default, str):
        limit = int(spec.maximum or 0)
        return st.text(min_size=limit + 1, max_size=limit + 40).map(bad)
    assert spec.minimum is not None and spec.maximum is not None and spec.step is not None
    lo, hi, step = spec.minimum, spec.maximum, spec.step
    below = st.integers(1, 10**6).map(lambda k: lo - k * step)
    above = st.integers(1, 10**12).map(lambda k: hi + k * step)
    # Halfway between two allowed values: "a multiple of" or "a whole number" error.
    off_step = st.integers(0, round((hi - lo) / step) - 1).map(lambda k: lo + (k + 0.5) * step)
    numbers = st.one_of(below, above, off_step).map(lambda v: f"{v:.6g}" if v % 1 else str(int(v)))
    return st.one_of(numbers, st.sampled_from(NOT_NUMBERS)).map(bad)


def missing(spec: SettingSpec) -> Sent:
    # A text setting left out is blank, which is allowed; any other setting is then missing.
    if isinstance(spec.default, str) and not spec.choices:
        return Sent("valid", None, "")
    return Sent("invalid", None)


def twice(values: list[Sent]) -> Sent:
    """The field sent more than once. The app reads one of the copies: the outcome is known
    only when every copy is invalid, or every copy is the same valid value."""
    raws = [str(v.raw) for v in values]
    if all(v.tag == "invalid" for v in values):
        return Sent("invalid", raws)
    if all(v.tag == "valid" for v in values) and len(set(raws)) == 1:
        return Sent("valid", raws, values[0].typed)
    return Sent("unknown", raws)


def unchanged(spec: SettingSpec) -> Sent:
    value = getattr(DEFAULT_SETTINGS, spec.name)
    return Sent("valid", display(value), value)


def any_value(spec: SettingSpec) -> st.SearchStrategy[Sent]:
    single = st.one_of(
        st.just(unchanged(spec)),
        valid_value(spec),
        invalid_value(spec),
        nasty_text.map(lambda t: Sent("unknown", t)),
    )
    return st.one_of(
        st.just(unchanged(spec)),  # most fields are left alone, as people do
        st.just(unchanged(spec)),
        single,
        st.just(missing(spec)),
        st.lists(st.one_of(valid_value(spec), invalid_value(spec)), min_size=2, max_size=3).map(
            twice
        ),
    )


# --- The rest of the form -------------------------------------------------------------------

BasedOn = Literal["current", "stale", "ahead", "garbage", "missing"]
based_on_kinds = st.sampled_from(
    ["current", "current", "current", "current", "stale", "ahead", "garbage", "missing"]
)
# Not a version number the app can read. (Unicode digits such as "١" are left out: the app
# reads them as the number they are, so they are not garbage.)
garbage_numbers = st.sampled_from(["", " ", "abc", "-1", "1.0", "9" * 12, "1e2", "0x1", "½"])

valid_reason = st.text(typeable, min_size=1, max_size=80).filter(lambda t: t.strip() != "")
invalid_reason = st.sampled_from(["", "   ", "\n\t", "x" * (REASON_MAX_CHARS + 1)])
reasons = st.one_of(
    valid_reason.map(lambda t: ("valid", t)),  # twice: most posts carry a reason
    valid_reason.map(lambda t: ("valid", t)),
    invalid_reason.map(lambda t: ("invalid", t)),
    st.just(("invalid", None)),
)
departure_reasons = st.one_of(
    valid_reason.map(lambda t: ("valid", t)),
    invalid_reason.map(lambda t: ("invalid", t)),
    st.just(("invalid", None)),
)
actions = st.sampled_from(["publish", "publish", "edit", None, "", "delete", "Publish"])
extra_fields = st.dictionaries(
    st.text(min_size=1, max_size=20).filter(
        lambda k: k not in FORM_KEYS and k not in {s.name for s in SETTING_SPECS}
    ),
    nasty_text,
    max_size=3,
)
csrf_kinds = st.sampled_from(["valid"] * 8 + ["missing", "garbage"])
FIELD_STRATEGIES = {spec.name: any_value(spec) for spec in SETTING_SPECS}


@st.composite
def valid_changes(draw: st.DrawFn) -> dict[str, Sent]:
    """The defaults with one to three settings changed to values from their specs' ranges."""
    fields = {spec.name: unchanged(spec) for spec in SETTING_SPECS}
    for spec in draw(st.lists(st.sampled_from(SETTING_SPECS), min_size=1, max_size=3)):
        fields[spec.name] = draw(valid_value(spec))
    return fields


@st.composite
def mostly_valid(draw: st.DrawFn) -> dict[str, Sent]:
    """A valid change with up to two fields fuzzed: sometimes still valid, so the random
    posts also reach a real publish, and its "exactly one version" check."""
    fields = draw(valid_changes())
    for spec in draw(st.lists(st.sampled_from(SETTING_SPECS), max_size=2)):
        fields[spec.name] = draw(FIELD_STRATEGIES[spec.name])
    return fields


field_sets = st.one_of(st.fixed_dictionaries(FIELD_STRATEGIES), mostly_valid(), mostly_valid())


# --- Fixtures --------------------------------------------------------------------------------


@dataclass
class Admin:
    app: Flask
    client: FlaskClient
    token: str

    @property
    def store(self) -> SettingsStore:
        return self.app.extensions["ldn_settings"]

    def versions(self) -> int:
        return len(self.store.history())

    def current(self) -> int:
        return self.store.read().active.number


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Admin]:
    # One app and one signed-in admin for the module: versions published by one example
    # stay, so later examples also meet a store with history.
    app = create_app({"INSTANCE_PATH": str(tmp_path_factory.mktemp("fuzz-admin")), "TESTING": True})
    create_admin(app)
    client = app.test_client()
    assert login(client).status_code == 302  # signed in through the login form
    token = csrf_token(client.get("/admin/settings").get_data(as_text=True))
    yield Admin(app, client, token)
    app.extensions["ldn_engine"].dispose()


# --- Checks on every response ---------------------------------------------------------------


def check_house_page(response: TestResponse) -> str:
    """The page contract, the site layout, and no stack trace; returns the body."""
    assert response.status_code < 500, response.status_code
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    assert "Not a valid choice" not in body
    assert response.mimetype == "text/html"
    check_page(body)
    assert '<a class="skip-link" href="#main">' in body
    assert '<main id="main"' in body and '<header class="site-header">' in body
    return body


def check_response(response: TestResponse, before: int, after: int) -> None:
    if response.status_code == 302:
        # Only a publish redirects, to the page of the version it created.
        assert after == before + 1
        location = response.headers["Location"]
        assert re.fullmatch(r"/admin/history/\d+", location), location
        return
    assert after == before, "a page that did not publish created a version"
    body = check_house_page(response)
    title = re.search(r"<title>(.*?)</title>", body, re.S)
    assert title
    if response.status_code == 400:
        assert "The request could not be understood" in body
        assert "Start a new screening" in body  # the house error page
    else:
        assert response.status_code == 200
        has_errors = 'class="error-summary"' in body
        assert title.group(1).strip().startswith("Error: ") == has_errors


def post(admin: Admin, endpoint: str, data: dict[str, Any]) -> TestResponse:
    return admin.client.post(f"/admin/settings/{endpoint}", data=data)


def form_data(fields: dict[str, Sent]) -> dict[str, Any]:
    return {name: sent.raw for name, sent in fields.items() if sent.raw is not None}


def typed_values(fields: dict[str, Sent]) -> dict[str, Any] | None:
    """The values the rules would see, when every field is known to be valid on its own."""
    if any(sent.tag != "valid" for sent in fields.values()):
        return None
    return {name: sent.typed for name, sent in fields.items()}


# --- The properties --------------------------------------------------------------------------


@settings(max_examples=RANDOM_EXAMPLES, deadline=None)
@given(
    fields=field_sets,
    endpoint=st.sampled_from(["preview", "publish"]),
    based_on=based_on_kinds,
    garbage=garbage_numbers,
    reason=reasons,
    departure_reason=departure_reasons,
    action=actions,
    extra=extra_fields,
    csrf=csrf_kinds,
)
def test_random_settings_never_fail_and_invalid_ones_never_publish(
    admin: Admin,
    fields: dict[str, Sent],
    endpoint: str,
    based_on: BasedOn,
    garbage: str,
    reason: tuple[str, str | None],
    departure_reason: tuple[str, str | None],
    action: str | None,
    extra: dict[str, str],
    csrf: str,
) -> None:
    EXAMPLES["random"] += 1
    current = admin.current()
    data: dict[str, Any] = {**extra, **form_data(fields)}
    if csrf == "valid":
        data["csrf_token"] = admin.token
    elif csrf == "garbage":
        data["csrf_token"] = "not-a-token"
    numbers = {"current": str(current), "stale": str(current - 1), "ahead": str(current + 5)}
    if based_on != "missing":
        data["based_on"] = numbers.get(based_on, garbage)
    reason_tag, reason_text = reason
    if reason_text is not None:
        data["reason"] = reason_text
    departure_tag, departure_text = departure_reason
    if departure_text is not None:
        data["departure_reason"] = departure_text
    if action is not None:
        data["action"] = action

    before = admin.versions()
    response = post(admin, endpoint, data)
    after = admin.versions()
    STATUSES[response.status_code] += 1
    check_response(response, before, after)

    typed = typed_values(fields)
    departing = typed is not None and not validate_values(typed) and bool(departures(typed))
    # Valid values identical to the version they are based on publish nothing.
    unchanged = (
        typed is not None
        and not validate_values(typed)
        and RuleSettings.from_dict(typed) == admin.store.version(current).settings
    )
    could_publish = (
        endpoint == "publish"
        and csrf == "valid"
        and based_on == "current"
        and reason_tag == "valid"
        and action != "edit"
        and not any(s.tag == "invalid" for s in fields.values())
        and (typed is None or not validate_values(typed))
        # Values outside their safe range publish only with a reason for the departure.
        and not (departing and departure_tag != "valid")
        # The admin pages refuse a NUL anywhere in the post, unknown fields included (a 400).
        and not any("\x00" in value for value in extra.values())
    )
    if not could_publish:
        assert after == before, "an invalid submission created a version"
    elif unchanged:
        # Valid, but the same as the current version: nothing to publish.
        assert after == before
    elif typed is not None:
        # Everything known valid: exactly one version, with exactly the values sent.
        assert after == before + 1, response.get_data(as_text=True)[:2000]
        assert admin.store.read().active.settings == RuleSettings.from_dict(typed)
    if after > before:
        EXAMPLES["random_published"] += 1
        # Whatever was sent, what was stored passes every rule (single-field and cross-field),
        # and a version that departs from a safe range carries its reason.
        newest = admin.store.read().active
        assert not validate_values(newest.settings.as_dict())
        if departures(newest.settings.as_dict()):
            assert newest.departure_reason


@settings(max_examples=VALID_EXAMPLES, deadline=None)
@given(fields=valid_changes(), reason=valid_reason)
def test_valid_settings_preview_then_publish_exactly_one_version(
    admin: Admin, fields: dict[str, Sent], reason: str
) -> None:
    EXAMPLES["valid"] += 1
    typed = typed_values(fields)
    assert typed is not None
    current = admin.store.read().active
    data = {"csrf_token": admin.token, "based_on": str(current.number), **form_data(fields)}

    before = admin.versions()
    page = post(admin, "preview", data)
    assert admin.versions() == before  # a preview never publishes
    check_response(page, before, before)
    errors = validate_values(typed)  # only the cross-field rules can fail here
    body = page.get_data(as_text=True)
    if errors:
        assert 'class="error-summary"' in body
        for name in errors:
            assert f'href="#{name}' in body, name  # each problem links to its field
        return
    if RuleSettings.from_dict(typed) == current.settings:
        assert "You have not changed any setting" in body
        return
    assert "<h1>Check your changes before publishing</h1>" in body

    # Every value outside its safe range is warned about, with the source of the range,
    # and asks for a departure reason; without one, nothing is published.
    found = departures(typed)
    sent_back = {**hidden_fields(page), "reason": reason, "action": "publish"}
    if found:
        EXAMPLES["departing"] += 1
        assert 'id="departure_reason"' in body
        warnings = body[body.index('id="h-departures"') : body.index('id="h-changes"')]
        for d in found:
            assert f"{d.spec.label}: " in html.unescape(warnings), d.spec.name
            assert html.escape(d.source.title, quote=True) in warnings, d.spec.name
        refused = post(admin, "publish", sent_back)
        check_response(refused, before, admin.versions())
        assert refused.status_code == 200
        assert 'href="#departure_reason"' in refused.get_data(as_text=True)
        sent_back["departure_reason"] = reason
    else:
        assert 'id="departure_reason"' not in body
    published = post(admin, "publish", sent_back)
    check_response(published, before, admin.versions())
    assert published.status_code == 302
    assert admin.versions() == before + 1
    newest = admin.store.read().active
    assert newest.settings == RuleSettings.from_dict(typed)
    assert newest.reason == reason.strip()
    assert newest.departure_reason == (reason.strip() if found else None)
    EXAMPLES["published"] += 1


@pytest.mark.parametrize(
    ("token", "values"),
    [("valid", {"target_dose_mg": "60"}), ("expired", {})],
    ids=["hand-edited-value", "expired-token"],
)
def test_publish_sent_back_to_the_form_links_only_to_fields_it_shows(
    admin: Admin, token: str, values: dict[str, str]
) -> None:
    # Found by the fuzz above: with no reason, the settings form came back with an error
    # summary link to #reason, a field that only the preview page has.
    current = admin.store.read().active
    data = {
        **{k: display(v) for k, v in current.settings.as_dict().items()},
        **values,
        "csrf_token": admin.token if token == "valid" else "an-old-token",
        "based_on": str(current.number),
        "reason": "",
        "action": "publish",
    }
    before = admin.versions()
    response = post(admin, "publish", data)
    assert response.status_code == 200
    body = check_house_page(response)  # check_page: every in-page link has a target
    assert "<h1>Change the clinical settings</h1>" in body
    assert "Enter the reason for this change" not in body
    assert admin.versions() == before


def test_fuzzing_ran_the_expected_number_of_examples() -> None:
    # Runs after the property tests in file order; reports the figures for the closing note.
    print(
        f"\nadmin settings fuzz: {EXAMPLES['random']} random posts "
        f"(statuses {dict(sorted(STATUSES.items()))}, {EXAMPLES['random_published']} "
        f"published), {EXAMPLES['valid']} valid previews, "
        f"{EXAMPLES['published']} of them published, {EXAMPLES['departing']} outside a safe "
        "range"
    )
    assert EXAMPLES["random"] >= RANDOM_EXAMPLES // 2
    assert EXAMPLES["valid"] >= VALID_EXAMPLES // 2
    # Most one-to-three-field changes are valid together; a handful must have published.
    assert EXAMPLES["published"] >= 10
    # The safe-range path (warning, refusal, then publish with a reason) ran too.
    assert EXAMPLES["departing"] >= 5
    # The random posts reached a real publish too (about a dozen are expected), so their
    # "exactly one version, with the values sent" branch ran.
    assert EXAMPLES["random_published"] >= 1


def test_every_settings_field_is_fuzzed() -> None:
    form_fields = {k for k, v in vars(SettingsForm).items() if hasattr(v, "field_class")}
    assert set(FIELD_STRATEGIES) == form_fields - {"csrf_token", "based_on"}


def read_by_the_form(admin: Admin, spec: SettingSpec, raw: str) -> Any:
    """The value validate_values gets when ``raw`` is posted for ``spec``, read by the form
    as the preview reads it (validate first: an unknown choice is cleared there)."""
    with admin.app.test_request_context(method="POST", data={spec.name: raw}):
        form = SettingsForm(meta={"csrf": False})
        form.validate()
        return form.values()[spec.name]


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_the_oracle_tags_values_correctly(admin: Admin, data: st.DataObject) -> None:
    # A value tagged "valid" must reach the rules as its typed value and pass its own
    # spec; one tagged "invalid" must fail it. Otherwise the properties above prove nothing.
    spec = data.draw(st.sampled_from(SETTING_SPECS))
    base = DEFAULT_SETTINGS.as_dict()
    good = data.draw(valid_value(spec))
    assert isinstance(good.raw, str)
    assert read_by_the_form(admin, spec, good.raw) == good.typed
    # Another field left empty stops validate_values after the single-field checks, so a
    # cross-field rule (start above target…) is not mistaken for a bad value here.
    other = next(s.name for s in SETTING_SPECS if s.name != spec.name and not s.choices)
    errors = validate_values({**base, spec.name: good.typed, other: None})
    assert set(errors) == {other}, errors
    bad = data.draw(invalid_value(spec))
    assert isinstance(bad.raw, str)
    values = {**base, spec.name: read_by_the_form(admin, spec, bad.raw)}
    assert spec.name in validate_values(values), (spec.name, bad.raw)
