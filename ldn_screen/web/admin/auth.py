"""Sign in and out, sessions that end after inactivity, and throttled failed sign-ins.

Sessions live on the server (``admin_sessions``): the cookie only names one, and signing
out, timing out, "sign out everywhere" and a password reset end it for every copy of the
cookie. Failed sign-ins are counted in the app's database (store/throttle.py), shared by every
worker and instance, unless LDN_RATELIMIT_STORAGE_URI names a store for Flask-Limiter.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import logging
import math
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter, RequestLimit
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import ServiceUnavailable

from ...store.audit import AuditEntry
from ...store.throttle import Limit, LoginThrottle, Paused, Slots, account_key, client_key
from ...store.users import Account, normalise_username
from ..csrf import token_expired
from ..errors import store_error_page
from ..forms.admin import ActionForm, LoginForm
from ..stores import ENGINE, THROTTLE, audit_log, login_throttle, users
from .audit_trail import client_address, entry, record

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

LOGIN_ENDPOINT = "admin.auth.login"
# Failed sign-ins allowed per account and per client address in a moving window.
DEFAULT_ACCOUNT_LIMIT = "5 per 15 minutes"
DEFAULT_CLIENT_LIMIT = "20 per 15 minutes"
SEEN_KEY = "admin_seen"
# The session's id on the server (store/users.py: admin_sessions).
SESSION_KEY = "admin_sid"
FAILED_MESSAGE = "Enter a correct username and password"
TIMEOUT_MESSAGE = "You were signed out because the admin pages were not used for {minutes} minutes."
EVERYWHERE_MESSAGE = (
    "You have signed out everywhere: every session of your account has ended, on every "
    "computer. Sign in again to continue."
)
# The sign-in page while sign-ins are paused: what is paused, why and until when.
PAUSED_MESSAGES = {
    "client": (
        "Too many attempts. Sign-ins from this address ({address}) are paused until {until}, "
        "after {amount} failed sign-ins within {minutes} minutes. No password is checked "
        "until then, whichever account you use. Administrators at other addresses can still "
        "sign in."
    ),
    "account": (
        "Too many attempts. Sign-ins to this account are paused until {until}, after "
        "{amount} failed sign-ins within {minutes} minutes. Other accounts can still sign in."
    ),
}
# Set when the server ended the session because it was unused too long (the account name).
SESSION_TIMED_OUT = "ldn_session_timed_out"
SIGN_IN_NOT_RECORDED = (
    "You are not signed in: a sign-in counts only once it is written to the audit log."
)
# Set when the signed-in account could not be read because the store is down.
ACCOUNTS_UNREADABLE = "ldn_accounts_unreadable"


class AdminUser(UserMixin):
    def __init__(self, account: Account, secret: str) -> None:
        self.account = account
        self.username = account.username
        self.fingerprint = password_fingerprint(account, secret)

    def get_id(self) -> str:
        return f"{self.account.id}:{self.fingerprint}"


def password_fingerprint(account: Account, secret: str) -> str:
    """Ties a session to the password it was opened with: a reset ends every old session.

    An HMAC, not the hash itself, goes into the (signed but readable) session cookie.
    """
    key = secret.encode()
    return hmac.new(key, account.password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def _load_user(user_id: str) -> AdminUser | None:
    number, _, fingerprint = user_id.partition(":")
    token = session.get(SESSION_KEY)
    if not number.isdigit() or not isinstance(token, str):
        return None
    try:
        check = users().check_session(int(number), token, current_app.permanent_session_lifetime)
    except SQLAlchemyError:
        # Flask-Login loads the user on the admin pages, error pages under /admin included;
        # with the database down that must not turn them into a bare 500. Anonymous for
        # this request only: the session is kept, and the admin pages answer 503
        # (require_login).
        g.setdefault(ACCOUNTS_UNREADABLE, True)
        return None
    account = check.account
    if check.timed_out and account is not None:
        g.setdefault(SESSION_TIMED_OUT, account.username)  # require_login says so
        return None
    if account is None or not account.is_active:
        return None
    user = AdminUser(account, current_app.config["SECRET_KEY"])
    return user if hmac.compare_digest(user.fingerprint, fingerprint) else None


def _safe_next(target: str | None) -> str | None:
    """Only a path inside /admin: never another site (an open redirect), and never a
    control character (CR/LF cannot go into a Location header: that was a 500)."""
    if not target or len(target) > 2000 or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or not parts.path.startswith("/admin"):
        return None
    return target


def session_minutes() -> int:
    return int(current_app.permanent_session_lifetime.total_seconds() // 60)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if request.method in {"GET", "HEAD"}:  # HEAD: a GET without the body
        if current_user.is_authenticated:
            return redirect(url_for("admin.home"))
        form.next.data = _safe_next(request.args.get("next"))
        return _render_login(form)
    if not form.validate():
        if token_expired(form):  # no token at all is a 400 (web/csrf.py)
            return _render_login(form, notice="This page was open too long. Sign in again.")
        return _render_login(form)

    try:
        # The attempt is counted before any password is checked: no count, no check.
        slots = _take_slots(form.username.data or "")
    except SQLAlchemyError as exc:
        return store_error_page(exc, SIGN_IN_NOT_RECORDED)
    if isinstance(slots, Paused):
        return _paused(slots, form)
    account = users().authenticate(form.username.data or "", form.password.data or "")
    if account is None:
        g.login_failed = True  # counted by Flask-Limiter when it is configured (init_app)
        known = users().find(form.username.data or "")
        # A name that is not an account is not written down: people type passwords there.
        actor = known.username if known else "(unknown account)"
        why = "no account" if not known else "wrong password" if known.is_active else "disabled"
        record("login", "failure", actor=actor, reason=why)
        form.password.errors = [FAILED_MESSAGE]
        return _render_login(form)
    if slots is not None:
        login_throttle().give_back(slots)  # only failures count

    try:
        # The server-side session, then the audit row, before the cookie says "signed in": a
        # sign-in that cannot be recorded does not happen. (A session row without its audit
        # row is never handed to anyone, and lapses with the inactivity timeout.)
        token = users().open_session(account, current_app.permanent_session_lifetime)
        record("login", "success", actor=account.username)
    except SQLAlchemyError as exc:
        return store_error_page(exc, SIGN_IN_NOT_RECORDED)
    session.clear()  # a fresh session on sign-in: nothing carried over from before
    session[SESSION_KEY] = token
    login_user(AdminUser(account, current_app.config["SECRET_KEY"]))
    session.permanent = True
    session[SEEN_KEY] = time.time()
    return redirect(_safe_next(form.next.data) or url_for("admin.home"))


def _render_login(form: LoginForm, notice: str | None = None) -> str:
    form.password.data = ""  # never echo a password back
    errors = any(f.errors for f in form) or notice
    if request.args.get("timeout") and not errors:
        notice_info = TIMEOUT_MESSAGE.format(minutes=session_minutes())
    else:
        notice_info = None
    return render_template(
        "admin/login.html",
        form=form,
        notice=notice,
        info=notice_info,
        page_has_errors=bool(errors),
    )


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    form = ActionForm()
    if not form.validate():
        # Without a valid token this could be another site signing the admin out.
        return redirect(url_for("admin.home"))
    _end_session(entry("logout", "success"))
    flash("You have signed out.")
    return redirect(url_for(LOGIN_ENDPOINT))


@bp.post("/sessions/end-all")
def end_all_sessions() -> ResponseReturnValue:
    """Sign out everywhere: end every session of the signed-in account, this one included
    (a lost laptop, a shared computer, a cookie that may have been copied)."""
    form = ActionForm()
    if not form.validate():
        token_expired(form)  # no token at all: 400
        flash("This page was open too long. Press the button again.")
        return redirect(url_for("admin.home"))
    users().end_all_sessions(current_user.username, audit=entry("logout_everywhere", "success"))
    logout_user()
    session.clear()
    flash(EVERYWHERE_MESSAGE)
    return redirect(url_for(LOGIN_ENDPOINT))


def _end_session(audit_row: AuditEntry) -> None:
    """End this browser's session: first in its cookie, then on the server, then audit it.
    The cookie is cleared even when the store cannot be written (read-only or down); the
    server-side row then lapses with the inactivity timeout, and the failure is logged."""
    token = session.get(SESSION_KEY)
    logout_user()
    session.clear()
    try:
        if isinstance(token, str):
            users().end_session(token)
        audit_log().record(audit_row)
    except SQLAlchemyError as exc:
        log.error("%s/%s not audited: %s", audit_row.action, audit_row.outcome, type(exc).__name__)


def require_login() -> ResponseReturnValue | None:
    """Runs before every /admin view: sign-in required, and sign-out after inactivity."""
    if request.endpoint == LOGIN_ENDPOINT:
        return None
    if not current_user.is_authenticated:
        if g.get(ACCOUNTS_UNREADABLE):  # signed in, but the store is down: not a login form
            raise ServiceUnavailable()
        if timed_out := g.get(SESSION_TIMED_OUT):  # ended by the server just now
            record("logout", "timeout", actor=timed_out)
            session.clear()
            return redirect(url_for(LOGIN_ENDPOINT, timeout=1))
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for(LOGIN_ENDPOINT, next=target))
    now = time.time()
    seen = session.get(SEEN_KEY)
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if not isinstance(seen, int | float) or now - seen > lifetime:
        # The cookie itself also expires after the same time; this check covers an admin who
        # kept the session alive on the screening pages without using the admin pages.
        _end_session(entry("logout", "timeout"))
        return redirect(url_for(LOGIN_ENDPOINT, timeout=1))
    session[SEEN_KEY] = now
    session.permanent = True
    return None


# --- Throttling ----------------------------------------------------------------------------


def _take_slots(username: str) -> Slots | Paused | None:
    """Count this attempt in the database, before any password is checked. None when
    Flask-Limiter counts instead (a configured shared store such as Redis)."""
    if "ldn_limiter" in current_app.extensions:
        return None
    name = normalise_username(username)[:80]
    return login_throttle().take([client_key(client_address()), account_key(name)])


def _paused(paused: Paused, form: LoginForm | None = None) -> Response:
    """The sign-in page, status 429: what is paused and until when. The refusal is counted
    for the audit log, which gets one row per reporting period, not one per request."""
    known = users().find(request.form.get("username", ""))
    actor = known.username if known else "(unknown account)"
    login_throttle().record_refusal(paused, entry("login", "throttled", actor=actor))
    # Rounded up to the minute, so the page never promises a time that is too early.
    until = paused.until + dt.timedelta(seconds=59)
    message = PAUSED_MESSAGES[paused.kind].format(
        address=client_address(),
        until=f"{until:%Y-%m-%d %H:%M} UTC",
        amount=paused.limit.amount,
        minutes=paused.limit.seconds // 60,
    )
    form = form or LoginForm()
    response = make_response(_render_login(form, notice=message), 429)
    wait = (paused.until - dt.datetime.now(dt.UTC)).total_seconds()
    response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


def _account_key() -> str:
    return account_key(normalise_username(request.form.get("username", ""))[:80])


def _client_key() -> str:
    return client_key(client_address())


def _failed(_response: Response) -> bool:
    return bool(g.get("login_failed"))


def _throttled(limit: RequestLimit) -> Response | None:
    """Flask-Limiter's breach: the same page and the same bounded audit as the database
    throttle."""
    if g.get("throttle_recorded"):
        return None  # both limits breached: one refusal
    g.throttle_recorded = True
    key = _account_key() if "account:" in limit.key else _client_key()
    until = dt.datetime.fromtimestamp(limit.reset_at, dt.UTC)
    return _paused(Paused(key, login_throttle().limit_for(key), until))


def _limiter_on_admin_only(app: Flask, limiter: Limiter) -> None:
    """Flask-Limiter hooks into every request, but only sign-in is limited, so its three
    hooks move to the admin blueprint's scope (``before_request_funcs`` and friends are
    Flask's documented per-blueprint registries): the clinician's pages skip them."""
    moved = 0
    # list[Any]: the three registries hold hooks of three signatures; only identity matters here.
    registries: tuple[dict[str | None, list[Any]], ...] = (
        app.before_request_funcs,
        app.after_request_funcs,
        app.teardown_request_funcs,
    )
    for registry in registries:
        ours = [f for f in registry.get(None, []) if _bound_to(f, limiter)]
        registry[None] = [f for f in registry[None] if f not in ours]
        registry.setdefault("admin", []).extend(ours)
        moved += len(ours)
    if moved != 3:  # a Flask-Limiter release hooked in differently: fail loudly
        raise RuntimeError(f"expected Flask-Limiter's 3 request hooks, found {moved}")


def _bound_to(func: object, owner: object) -> bool:
    if isinstance(func, functools.partial):
        return bool(func.args) and func.args[0] is owner
    return getattr(func, "__self__", None) is owner


def init_app(app: Flask) -> None:
    manager = LoginManager()
    # Flask-Login's own check does little for permanent sessions (it only marks them not
    # fresh); what ends a session is the server-side session row, checked in _load_user.
    manager.session_protection = "strong"
    manager.user_loader(_load_user)
    # No app-wide `current_user` in templates: the admin pages get theirs from the admin
    # blueprint. Loading the user on every clinician page would run the session check and
    # rewrite the session cookie on every screening.
    manager.init_app(app, add_context_processor=False)

    client_limit = app.config.get("LDN_LOGIN_LIMIT_CLIENT", DEFAULT_CLIENT_LIMIT)
    account_limit = app.config.get("LDN_LOGIN_LIMIT_ACCOUNT", DEFAULT_ACCOUNT_LIMIT)
    # The database throttle counts by default; with a configured store it still keeps the
    # bounded record of refused attempts for the audit log.
    app.extensions[THROTTLE] = LoginThrottle(
        app.extensions[ENGINE], Limit.parse(client_limit), Limit.parse(account_limit)
    )
    storage = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("LDN_RATELIMIT_STORAGE_URI")
    if storage:
        _init_limiter(app, storage, client_limit, account_limit)


def _init_limiter(app: Flask, storage: str, client_limit: str, account_limit: str) -> None:
    """Count in a shared store the operator configured (Redis), with Flask-Limiter."""
    limiter = Limiter(
        key_func=client_address,
        storage_uri=storage,
        strategy="moving-window",
        headers_enabled=True,  # Retry-After on the 429 page
        # If the shared store (Redis) goes away, keep throttling per instance rather than
        # turning every sign-in into an error page.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    limiter.init_app(app)
    _limiter_on_admin_only(app, limiter)
    app.extensions["ldn_limiter"] = limiter

    @limiter.request_filter
    def _only_the_login_page() -> bool:
        # Only sign-in is limited; skip the limiter's work on every other request.
        return request.endpoint != LOGIN_ENDPOINT

    # The login view is wrapped here, per app, so each app (and each test) has its own
    # limiter and storage. Only failed attempts count (deduct_when), only on POST.
    view: Callable[..., Any] = app.view_functions[LOGIN_ENDPOINT]
    for limit, key in ((client_limit, _client_key), (account_limit, _account_key)):
        view = limiter.limit(
            limit, key_func=key, methods=["POST"], deduct_when=_failed, on_breach=_throttled
        )(view)
    app.view_functions[LOGIN_ENDPOINT] = view
