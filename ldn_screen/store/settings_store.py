"""Settings versions: read the current one on every request, publish new ones, never rewrite.

Workers check the newest version number on each request (one indexed query), so a publish
through any worker or instance is used everywhere from the next request. If the database
cannot be read, a worker keeps the version it already has and says so; a worker with none
refuses to screen. It never falls back to the built-in defaults on its own.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, RowMapping, Select, func, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..rules import DEFAULT_SETTINGS, RuleSettings, SettingsError
from ..rules.settings import SETTING_SPECS, SPECS_BY_NAME, Departure, departures
from .audit import AuditEntry, add_entry
from .models import settings_versions


@dataclass(frozen=True, slots=True)
class ActiveSettings:
    number: int
    settings: RuleSettings
    created_at: dt.datetime
    author: str
    reason: str
    based_on: int | None = None
    restores: int | None = None  # set when this version rolled back to an older one
    # Why values outside their safe range were published (None when every value is inside).
    departure_reason: str | None = None
    # Settings a later release added, shown with their cited default (history display only).
    filled: tuple[str, ...] = ()


class SettingsUnavailable(RuntimeError):
    """No usable settings version could be read, and none was loaded before."""


class DepartureReasonMissing(ValueError):
    """Values outside their safe range, published without a reason for the departure."""

    def __init__(self, found: tuple[Departure, ...]) -> None:
        names = ", ".join(d.spec.name for d in found)
        super().__init__(f"outside the safe range without a departure reason: {names}")
        self.departures = found


class PublishConflict(RuntimeError):
    """Someone else published since the editor opened the form."""

    def __init__(self, current: int) -> None:
        super().__init__(f"version {current} was published meanwhile")
        self.current = current


@dataclass(frozen=True, slots=True)
class Reading:
    active: ActiveSettings
    warning: str | None  # set when the store failed and a previously loaded version is used


_VERSIONS = settings_versions.c
# The largest number the version column holds (a 32-bit INTEGER on PostgreSQL). A bigger one
# from a URL is simply no version: querying it was a DataError (PostgreSQL) or an
# OverflowError (SQLite, past 64 bits).
MAX_VERSION_NUMBER = 2**31 - 1
_NEWEST_NUMBER = select(func.max(_VERSIONS.number))


def _by_number(number: int) -> Select[Any]:
    return select(settings_versions).where(_VERSIONS.number == number)


class SettingsStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._cached: ActiveSettings | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """True once this worker has read a version (it can then serve without the store)."""
        return self._cached is not None

    def read(self) -> Reading:
        try:
            # Every screening asks for the newest number, so keep that path to one plain
            # query on a pooled connection; the full version is loaded only when a new one
            # appears.
            with self.engine.connect() as conn:
                newest = conn.execute(_NEWEST_NUMBER).scalar()
                if newest is None:
                    raise SettingsUnavailable("no settings version has been published")
                cached = self._cached
                if cached is not None and cached.number == newest:
                    return Reading(cached, None)
                row = conn.execute(_by_number(newest)).one()
            active = _to_active(row._mapping)
        except (SQLAlchemyError, SettingsError) as exc:
            if self._cached is None:
                raise SettingsUnavailable(str(exc)) from exc
            return Reading(
                self._cached,
                f"The settings store could not be read, so this page uses version "
                f"{self._cached.number}, loaded earlier. Tell the administrator.",
            )
        with self._lock:
            self._cached = active
        return Reading(active, None)

    def version(self, number: int) -> ActiveSettings | None:
        if not 1 <= number <= MAX_VERSION_NUMBER:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(_by_number(number)).one_or_none()
        return _to_active(row._mapping, strict=False) if row is not None else None

    def history(self) -> list[ActiveSettings]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(settings_versions).order_by(_VERSIONS.number.desc()))
            return [_to_active(r._mapping, strict=False) for r in rows]

    def ensure_seeded(self) -> None:
        """Publish the cited defaults as version 1 if the store is empty; then make sure the
        current version has every setting this release knows (see ``ensure_complete``)."""
        with self.engine.connect() as conn:
            empty = not conn.scalar(select(func.count(_VERSIONS.id)))
        if empty:
            with contextlib.suppress(PublishConflict):  # another worker seeded it first
                self.publish(
                    DEFAULT_SETTINGS.as_dict(), "system", "Initial cited defaults", based_on=None
                )
        self.ensure_complete()

    def ensure_complete(self) -> ActiveSettings | None:
        """Bring the current version up to this release's list of settings.

        A release that adds a setting would otherwise leave the stored version incomplete,
        and every screening would stop. Instead a new version is published by "system":
        the current values, plus each new setting at its cited default, minus settings the
        release removed. It is visible in the history and the audit log like any other.
        """
        with self.engine.connect() as conn:
            row = conn.execute(
                # By key: ``.c.values`` is the ColumnCollection method, not the column.
                select(_VERSIONS["values"], _VERSIONS.number, _VERSIONS.departure_reason)
                .order_by(_VERSIONS.number.desc())
                .limit(1)
            ).one_or_none()
        if row is None:
            return None
        stored, number = dict(row._mapping["values"]), row._mapping["number"]
        earlier = row._mapping["departure_reason"]
        added = [spec.name for spec in SETTING_SPECS if spec.name not in stored]
        removed = sorted(key for key in stored if key not in SPECS_BY_NAME)
        if not added and not removed:
            return None
        values = {k: v for k, v in stored.items() if k in SPECS_BY_NAME}
        values.update({name: SPECS_BY_NAME[name].default for name in added})
        parts = []
        if added:
            parts.append("adds " + ", ".join(added) + " at the cited defaults")
        if removed:
            parts.append("removes " + ", ".join(removed))
        reason = f"This release {' and '.join(parts)}; every other value is kept."
        entry = AuditEntry("system", "publish", "success", "", {"reason": reason})
        # Kept values that depart from a safe range keep their reason (or say it is missing).
        departure = f"Kept from version {number}: " + (
            earlier or "published before safe ranges were checked"
        )
        try:
            return self.publish(
                values, "system", reason, based_on=number, audit=entry, departure_reason=departure
            )
        except PublishConflict:
            return None  # another worker completed it first
        except SettingsError as exc:
            raise SettingsError(
                {
                    "release": [
                        f"Version {number} cannot take this release's new settings at "
                        "their cited defaults; import a complete file with "
                        "'ldn-screen import-settings'"
                    ],
                    **exc.errors,
                }
            ) from exc

    def publish(
        self,
        values: dict[str, Any],
        author: str,
        reason: str,
        based_on: int | None,
        *,
        audit: AuditEntry | None = None,
        restores: int | None = None,
        departure_reason: str | None = None,
    ) -> ActiveSettings:
        """Store ``values`` as the next version. ``based_on`` is the version the editor saw.

        ``audit`` is written in the same transaction, with the new version number added to
        its detail, so there is never a version without its audit row (or the reverse).
        Values outside their safe range need ``departure_reason`` (DepartureReasonMissing
        otherwise); it is stored with the version and, with the departures, in the audit row.
        It is ignored when every value is inside its safe range.
        """
        settings = RuleSettings.from_dict(values)  # refuses invalid values (hard limits)
        if not reason.strip():
            raise ValueError("a reason is required to publish settings")
        found = departures(settings.as_dict())
        departure = (departure_reason or "").strip() if found else ""
        if found and not departure:
            raise DepartureReasonMissing(found)
        extra: dict[str, Any] = {}
        if found:
            extra = {
                "departures": [d.as_record() for d in found],
                "departure_reason": departure,
            }
        newest = 0
        try:
            # One transaction: the version and its audit row commit together, or neither does.
            with self.engine.begin() as conn:
                newest = conn.execute(_NEWEST_NUMBER).scalar() or 0
                if based_on is not None and based_on != newest:
                    raise PublishConflict(newest)
                conn.execute(
                    insert(settings_versions).values(
                        number=newest + 1,
                        values=settings.as_dict(),
                        author=author,
                        reason=reason,
                        created_at=dt.datetime.now(dt.UTC),
                        based_on=based_on,
                        restores=restores,
                        departure_reason=departure or None,
                    )
                )
                if audit is not None:
                    add_entry(
                        conn,
                        AuditEntry(
                            audit.actor,
                            audit.action,
                            audit.outcome,
                            audit.client,
                            {**audit.detail, **extra, "version": newest + 1},
                        ),
                    )
                # Read back as stored (JSON and timestamps round-tripped), as screening will.
                row = conn.execute(_by_number(newest + 1)).one()
        except IntegrityError as exc:  # the unique number lost a race
            raise PublishConflict(newest + 1) from exc
        return _to_active(row._mapping)


def _to_active(row: RowMapping, strict: bool = True) -> ActiveSettings:
    """A stored version. ``strict`` (for screening) refuses anything this release cannot
    use as it is; otherwise (for the history pages) a version that predates a setting shows
    that setting at its cited default and lists it in ``filled``.

    ``row`` is a Core row's ``_mapping``: one column is called ``values``, so columns are
    read by key, never as attributes of the Row."""
    created = row["created_at"]
    if created.tzinfo is None:  # SQLite drops the zone; values are written in UTC
        created = created.replace(tzinfo=dt.UTC)
    filled: tuple[str, ...] = ()
    if strict:
        settings = RuleSettings.from_dict(row["values"])
    else:
        stored = row["values"]
        filled = tuple(spec.name for spec in SETTING_SPECS if spec.name not in stored)
        values = {spec.name: stored.get(spec.name, spec.default) for spec in SETTING_SPECS}
        try:
            settings = RuleSettings.from_dict(values)
        except SettingsError:
            # Valid under the rules it was published with; shown as it was, never screened with.
            settings = RuleSettings(**values)
    return ActiveSettings(
        number=row["number"],
        settings=settings,
        created_at=created,
        author=row["author"],
        reason=row["reason"],
        based_on=row["based_on"],
        restores=row["restores"],
        departure_reason=row.get("departure_reason"),
        filled=filled,
    )
