"""Admin accounts on each backend: argon2id hashes only, authentication, password reset."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from ldn_screen.store.audit import AuditEntry, AuditLog
from ldn_screen.store.users import (
    TESTING_HASHER,
    AccountError,
    UserStore,
)

PASSWORD = "correct horse battery staple"


@pytest.fixture()
def users(engine: Engine) -> UserStore:
    # The cheap parameters an app built for tests uses; the production ones are tested below.
    return UserStore(engine, TESTING_HASHER)


def _stored_hashes(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(text("SELECT password_hash FROM users")))


def test_the_password_is_stored_only_as_an_argon2id_hash(users: UserStore, engine: Engine) -> None:
    users.create("Alice", PASSWORD)
    [stored] = _stored_hashes(engine)
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    with engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM users")) for v in row)
    assert PASSWORD not in dump


def test_authenticate_checks_the_password_and_ignores_name_case(users: UserStore) -> None:
    created = users.create("Alice", PASSWORD)
    assert created.username == "alice"
    assert users.authenticate("ALICE ", PASSWORD) == created
    assert users.authenticate("alice", PASSWORD + "x") is None
    assert users.authenticate("nobody", PASSWORD) is None
    assert users.authenticate("alice", "x" * 10_000) is None  # refused before hashing


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("alice", "short", "at least 12 characters"),
        ("alice", "my name is alice ok", "does not contain the username"),
        ("al ice", PASSWORD, "Enter a username"),
        ("", PASSWORD, "Enter a username"),
        ("-alice", PASSWORD, "Enter a username"),
    ],
)
def test_weak_passwords_and_bad_names_are_refused(
    users: UserStore, engine: Engine, username: str, password: str, message: str
) -> None:
    with pytest.raises(AccountError, match=message):
        users.create(username, password)
    assert _stored_hashes(engine) == []


def test_a_second_account_with_the_same_name_is_refused(users: UserStore) -> None:
    users.create("alice", PASSWORD)
    with pytest.raises(AccountError, match="already exists"):
        users.create("ALICE", "another good password")


def test_reset_password_replaces_the_hash_and_audits(users: UserStore, engine: Engine) -> None:
    users.create("alice", PASSWORD)
    [before] = _stored_hashes(engine)
    entry = AuditEntry("cli:root", "password_changed", "success", "command line", {"u": "alice"})
    users.set_password("alice", "a brand new passphrase", audit=entry)
    [after] = _stored_hashes(engine)
    assert after != before
    assert users.authenticate("alice", PASSWORD) is None
    assert users.authenticate("alice", "a brand new passphrase") is not None
    [row] = AuditLog(engine).search().records
    assert (row.actor, row.action) == ("cli:root", "password_changed")
    with pytest.raises(AccountError, match="no account"):
        users.set_password("bob", "a brand new passphrase")


def test_an_inactive_account_cannot_sign_in(users: UserStore, engine: Engine) -> None:
    users.create("alice", PASSWORD)
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET is_active = false"))
    assert users.authenticate("alice", PASSWORD) is None


def _store_weak_hash(engine: Engine) -> str:
    # A hash made with older, weaker parameters, as an earlier release might have stored.
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET password_hash = :h"), {"h": weak})
    return weak


def test_a_weaker_hash_is_upgraded_at_sign_in(engine: Engine) -> None:
    users = UserStore(engine)  # the production parameters, as every server has them
    users.create("alice", PASSWORD)
    weak = _store_weak_hash(engine)
    account = users.authenticate("alice", PASSWORD)
    assert account is not None
    [stored] = _stored_hashes(engine)
    assert stored != weak and stored.startswith("$argon2id$") and "m=65536" in stored
    assert account.password_hash == stored
    assert users.authenticate("alice", PASSWORD) is not None


def test_a_rehash_the_store_cannot_take_does_not_stop_the_sign_in(
    users: UserStore, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from ldn_screen.store import users as users_module

    users.create("alice", PASSWORD)
    weak = _store_weak_hash(engine)

    def busy(*_args: object, **_kwargs: object) -> object:
        raise OperationalError("UPDATE users", {}, Exception("database is locked"))

    monkeypatch.setattr(users_module, "update", busy)
    account = users.authenticate("alice", PASSWORD)
    assert account is not None and account.password_hash == weak
    assert _stored_hashes(engine) == [weak]  # unchanged; the next sign-in tries again
