"""A bare Flask + Flask-WTF app to measure against, in the same run, on the same machine.

Three endpoints: a "hello", a 25-field WTForms page, and a CSRF-checked POST that renders a
15 KB page. Two more show the floors for ldn-screen's own paths:
- "/cached": a prebuilt 33 KB page with a fresh CSRF token swapped in, for a new visitor
  (the least any form page with CSRF protection can do; ldn-screen's GET / works this way);
- "/submit40": the CSRF-checked POST and 15 KB page, with a 40-question WTForms form (33
  radio groups and 7 text fields, the screening form's shape) bound and validated.
- "/jwt-discovery": the ceiling for a CDS Hooks call: the EHR's JWT verified and its jti
  recorded once in SQLite, then a fixed document (needs LDN_CDS_ISSUERS and BENCH_JTI_DB);
- "/json40": the ceiling for a JSON API POST: parse a JSON body, check 40 answers by hand
  (33 listed values, 7 whole numbers in range) and return about 2 KB of JSON, with no form
  library, no CSRF and no session; "/json40form" the same with the 40 answers bound and
  validated by the WTForms form (the ceiling for an API that reuses the form's definitions).
Templates are compiled once, as ``render_template`` does with template files. Start it with:
gunicorn --pythonpath tests/bench reference_app:app
"""

from __future__ import annotations

import json
import os
import sqlite3

from flask import Flask, jsonify, render_template, request
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from jinja2 import DictLoader
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField, RadioField, StringField, TextAreaField

app = Flask(__name__)
# Every gunicorn worker imports this module, so the key must be the same in all of them.
app.config["SECRET_KEY"] = "benchmark-reference-app-only"


class TwentyFiveFields(FlaskForm):
    pass


for i in range(25):
    kind = i % 4
    if kind == 0:
        field = StringField(f"Text question {i}")
    elif kind == 1:
        field = IntegerField(f"Number question {i}")
    elif kind == 2:
        choices = [("yes", "Yes"), ("no", "No"), ("unsure", "Not sure")]
        field = RadioField(f"Radio question {i}", choices=choices)
    else:
        field = TextAreaField(f"Long question {i}")
    setattr(TwentyFiveFields, f"q{i}", field)


class SmallForm(FlaskForm):
    name = StringField("Name")


class FortyQuestions(FlaskForm):
    pass


ANSWERS = [("yes", "Yes"), ("no", "No"), ("unsure", "Not sure")]
for i in range(40):
    if i < 33:
        setattr(FortyQuestions, f"q{i}", RadioField(f"Question {i}", choices=ANSWERS))
    else:
        setattr(FortyQuestions, f"q{i}", StringField(f"Question {i}"))
FORTY_ANSWERS = {f"q{i}": "yes" if i < 33 else "42" for i in range(40)}


FORM_PAGE = """<!doctype html><html lang="en"><head><title>Form</title></head><body><main>
<h1>Reference form</h1><form method="post" action="/submit">{{ form.csrf_token }}
{% for field in form if field.name != 'csrf_token' %}
<div>{{ field.label }} {{ field() }}</div>{% endfor %}
<button>Send</button></form></main></body></html>"""

RESULT_PAGE = """<!doctype html><html lang="en"><head><title>Result</title></head><body><main>
<h1>Result for {{ name }}</h1>{% for i in range(rows) %}<p>Row {{ i }}: {{ filler }}</p>{% endfor %}
</main></body></html>"""
app.jinja_loader = DictLoader({"form.html": FORM_PAGE, "result.html": RESULT_PAGE})  # type: ignore[assignment]
FILLER = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor."


@app.get("/hello")
def hello() -> str:
    return "hello"


@app.get("/form")
def form() -> str:
    return render_template("form.html", form=TwentyFiveFields())


@app.post("/submit")
def submit():  # type: ignore[no-untyped-def]
    small = SmallForm()
    if not small.validate():
        return "invalid", 400
    # About 15 KB of rendered HTML, like a result page.
    return render_template("result.html", name=small.name.data, rows=160, filler=FILLER)


CACHED_PAGE = (
    '<!doctype html><html lang="en"><head><title>Form</title></head><body><main><form>'
    '<input type="hidden" name="csrf_token" value="__slot__">'
    + "<p>A question, with its hint and answers.</p>" * 750
    + "</form></main></body></html>"
)


@app.get("/cached")
def cached() -> str:
    return CACHED_PAGE.replace("__slot__", generate_csrf(), 1)


@app.post("/submit40")
def submit40():  # type: ignore[no-untyped-def]
    form = FortyQuestions()
    if not form.validate():
        return "invalid", 400
    return render_template("result.html", name=form.q33.data, rows=160, filler=FILLER)


@app.get("/token")
def token() -> str:
    # The token is URL-safe base64: nothing in it needs escaping.
    return f'<input name="csrf_token" value="{SmallForm().csrf_token.current_token}">'


JSON_CHOICES = frozenset({"yes", "no", "unsure"})
JSON_ANSWERS = {f"q{i}": "yes" if i < 33 else 42 for i in range(40)}
JSON_FILLER = [{"code": f"finding_{i}", "summary": FILLER} for i in range(22)]


@app.post("/json40")
def json40():  # type: ignore[no-untyped-def]
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify({"title": "The body is not a JSON object"}), 400
    errors = []
    for i in range(40):
        value = data.get(f"q{i}")
        if i < 33:
            if value not in JSON_CHOICES:
                errors.append(f"q{i}")
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 120:
            errors.append(f"q{i}")
    if errors:
        return jsonify({"errors": errors}), 422
    # About 2 KB of JSON, like a small result.
    return jsonify({"verdict": "eligible", "findings": JSON_FILLER})


@app.post("/json40form")
def json40form():  # type: ignore[no-untyped-def]
    """/json40 with the 40 answers bound and validated by the WTForms form instead of by
    hand: the ceiling for an API that reuses the form's field definitions and messages."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify({"title": "The body is not a JSON object"}), 400
    formdata = MultiDict({k: str(v) for k, v in data.items()})
    form = FortyQuestions(formdata=formdata, meta={"csrf": False})
    if not form.validate():
        return jsonify({"errors": form.errors}), 422
    return jsonify({"verdict": "eligible", "findings": JSON_FILLER})


# --- The ceiling for a CDS Hooks call ------------------------------------------------------
# What any service must do on every call, discovery included (CDS Hooks 2.0, "Trusting CDS
# Clients"): verify the EHR's JWT (asymmetric signature, iss, aud = this URL, exp, iat, jti)
# and record its jti once, in storage every worker shares; then answer a fixed document.
# Nothing else: no app, no rules, no issuer list beyond the one configured key. The issuer
# and key are the load benchmark's (LDN_CDS_ISSUERS); the jti table is SQLite in WAL mode
# with synchronous=NORMAL, as ldn-screen's default database is.
_jwt_state: dict[str, object] = {}


def _jwt_setup() -> tuple[object, str, sqlite3.Connection]:
    if not _jwt_state:
        import jwt

        issuer = json.loads(os.environ["LDN_CDS_ISSUERS"])["issuers"][0]
        _jwt_state["key"] = jwt.PyJWK(issuer["jwks"]["keys"][0]).key
        _jwt_state["iss"] = issuer["iss"]
        db = sqlite3.connect(os.environ["BENCH_JTI_DB"], isolation_level=None, timeout=15)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, expires REAL)")
        _jwt_state["db"] = db
    return _jwt_state["key"], str(_jwt_state["iss"]), _jwt_state["db"]  # type: ignore[return-value]


DISCOVERY = {"services": [{"hook": "order-select", "id": "example", "description": FILLER}]}


@app.get("/jwt-discovery")
def jwt_discovery():  # type: ignore[no-untyped-def]
    import jwt

    key, iss, db = _jwt_setup()
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    try:
        claims = jwt.decode(
            token,
            key,  # type: ignore[arg-type]
            algorithms=["ES256", "ES384", "RS256", "RS384"],
            audience=request.base_url,
            issuer=iss,
            options={"require": ["iss", "aud", "exp", "iat", "jti"]},
        )
        db.execute("INSERT INTO seen VALUES (?, ?)", (f"{iss}\0{claims['jti']}", claims["exp"]))
    except (jwt.PyJWTError, sqlite3.IntegrityError):
        return "", 401
    return jsonify(DISCOVERY)
