"""The municipality's own clock: which time zone a process counts its days and weeks in, and the day of a
stored UTC time in that zone, counted by the database (SQLite and PostgreSQL alike).

Times are stored as naive UTC (``hearing.models.base.UTCDateTime``). A statement sent at 00:30 on a
Monday in Oslo is stored as Sunday 23:30 (23:30 Sunday, or 22:30 in summer): counted in UTC it would
land in the week before. :func:`local_date` gives the day on the municipality's clock instead,
daylight saving included:

- PostgreSQL: ``date(timezone(zone, timezone('UTC', ts)))`` (the server's own time zone database);
- SQLite: a function ``hearing_local_date(ts, zone)`` registered on each connection
  (``hearing.extensions``), computed with Python's ``zoneinfo``.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

log = logging.getLogger(__name__)

#: The zone a process in this language counts in when the installation sets none (TIMEZONE).
ZONE_BY_LANGUAGE = {"da": "Europe/Copenhagen"}
FALLBACK_ZONE = "Europe/Oslo"


@lru_cache(maxsize=32)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_name(process=None, config=None) -> str:
    """The time zone a process counts its days and weeks in.

    The installation's ``TIMEZONE`` when set (one municipality, one clock); else Europe/Copenhagen for a
    Danish process (language "da") and ``BABEL_DEFAULT_TIMEZONE`` (Europe/Oslo) for every other. An
    unknown name is logged and Europe/Oslo used, so a typo in a setting does not break a page.
    """
    if config is None:
        from flask import current_app

        config = current_app.config
    language = getattr(process, "language", None) or ""
    name = (config.get("TIMEZONE") or ZONE_BY_LANGUAGE.get(language)
            or config.get("BABEL_DEFAULT_TIMEZONE") or FALLBACK_ZONE)
    if _zone(name) is None:
        log.warning("unknown time zone %r in the settings; counting in %s", name, FALLBACK_ZONE)
        return FALLBACK_ZONE
    return name


def zone_of(process=None, config=None) -> ZoneInfo:
    return _zone(zone_name(process, config))


class local_date(FunctionElement):  # noqa: N801  (reads as the SQL function it renders)
    """``local_date(column, "Europe/Oslo")``: the calendar day of a stored UTC time on that zone's clock.

    A date on PostgreSQL; an ISO ``YYYY-MM-DD`` string on SQLite (:func:`as_date` reads both).
    """

    type = sa.Date()
    inherit_cache = False  # the zone is part of the SQL text, not a parameter
    name = "hearing_local_date"

    def __init__(self, column, zone: str):
        if not _ZONE_NAME.fullmatch(zone or "") or _zone(zone) is None:
            raise ValueError(f"not a time zone: {zone!r}")
        # Written into the SQL as a literal: the same expression in SELECT and GROUP BY must be the same text
        # (PostgreSQL cannot tell that two parameters hold the same zone).
        self.zone = zone
        super().__init__(column)


_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*")


@compiles(local_date)
def _local_date_default(element, compiler, **kw):
    """SQLite: the UTC offset is constant between two daylight-saving changes, so for the last few years the day
    is SQLite's own ``date(ts, '+N seconds')`` chosen by a CASE on the changes (fast, in C); a time outside
    those years goes to the Python function (right for any time, slower)."""
    [column] = list(element.clauses)
    col = compiler.process(column, **kw)
    slow = f"hearing_local_date({col}, '{element.zone}')"
    pieces, end = _recent_offsets(element.zone, datetime.now(UTC).date())
    branches = " ".join(f"WHEN {col} >= '{start:%Y-%m-%d %H:%M:%S}' THEN date({col}, '{offset:+d} seconds')"
                        for start, offset in pieces)
    return f"CASE WHEN {col} IS NULL THEN NULL WHEN {col} >= '{end:%Y-%m-%d %H:%M:%S}' THEN {slow} {branches} ELSE {slow} END"


#: How far back the fast path of SQLite's local day reaches (older times take the Python function).
RECENT_YEARS = 4


@lru_cache(maxsize=16)
def _recent_offsets(zone: str, today: date) -> tuple[list[tuple[datetime, int]], datetime]:
    """[(UTC start, offset in seconds)], newest first, each piece running until the previous one's start, and
    the end of the newest (naive UTC). The oldest begins RECENT_YEARS before ``today``; the newest ends two
    days after it (later times, such as a clock set ahead, take the Python function)."""
    tz = _zone(zone)
    end = datetime(today.year, today.month, today.day, tzinfo=UTC) + timedelta(days=2)
    start = end - timedelta(days=366 * RECENT_YEARS)

    def offset(moment: datetime) -> int:
        return int(moment.astimezone(tz).utcoffset().total_seconds())

    pieces = [(start, offset(start))]
    day = start
    while day < end:
        following = day + timedelta(days=1)
        if offset(following) != offset(day):
            lo, hi = day, following  # the change lies in (lo, hi]: find its minute
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid <= lo:
                    break
                if offset(mid) == offset(lo):
                    lo = mid
                else:
                    hi = mid
            pieces.append((hi, offset(hi)))
        day = following
    # newest first, and times after ``end`` left to the Python function
    branches = list(reversed(pieces))
    return [(s.replace(tzinfo=None), o) for s, o in branches], end.replace(tzinfo=None)


@compiles(local_date, "postgresql")
def _local_date_postgresql(element, compiler, **kw):
    [column] = list(element.clauses)
    return f"date(timezone('{element.zone}', timezone('UTC', {compiler.process(column, **kw)})))"


class utc_bucket(FunctionElement):  # noqa: N801  (reads as the SQL function it renders)
    """``utc_bucket(column, "Europe/Oslo")``: a stored UTC time cut to the start of its hour (of its minute, for a
    zone whose offset or changes are not whole hours), so the database counts per bucket without converting
    every row to local time; :func:`local_day_of_bucket` gives the local day of a bucket, the same day as
    :class:`local_date` gives each time in it. A timestamp on PostgreSQL, ``YYYY-MM-DD HH[:MM]`` text on SQLite.
    """

    type = sa.String()
    inherit_cache = False  # the width is part of the SQL text
    name = "hearing_utc_bucket"

    def __init__(self, column, zone: str):
        if not _ZONE_NAME.fullmatch(zone or "") or _zone(zone) is None:
            raise ValueError(f"not a time zone: {zone!r}")
        self.hourly = whole_hours(zone)
        super().__init__(column)


@compiles(utc_bucket)
def _utc_bucket_default(element, compiler, **kw):
    [column] = list(element.clauses)
    return f"substr({compiler.process(column, **kw)}, 1, {13 if element.hourly else 16})"


@compiles(utc_bucket, "postgresql")
def _utc_bucket_postgresql(element, compiler, **kw):
    [column] = list(element.clauses)
    return f"date_trunc('{'hour' if element.hourly else 'minute'}', {compiler.process(column, **kw)})"


@lru_cache(maxsize=32)
def whole_hours(zone: str) -> bool:
    """Is every offset of the zone from UTC, and every change between them, on a whole UTC hour (Europe/Oslo,
    Europe/Copenhagen: yes), over the years :func:`local_date` has a fast path for and the ones before?"""
    tz = _zone(zone)
    if tz is None:
        return False
    pieces, _end = _recent_offsets(zone, datetime.now(UTC).date())
    oldest = pieces[-1][0].replace(tzinfo=UTC)
    earlier = [oldest - timedelta(days=d) for d in range(1, 366 * 20, 30)]  # offsets of the 20 years before
    return (all(offset % 3600 == 0 and start.minute == 0 for start, offset in pieces)
            and all(int(m.astimezone(tz).utcoffset().total_seconds()) % 3600 == 0 for m in earlier))


def local_day_of_bucket(value, zone: str) -> date | None:
    """The local day of a :class:`utc_bucket` (a datetime from PostgreSQL, text from SQLite)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        text = str(value)
        value = datetime.fromisoformat(text if len(text) > 13 else text + ":00")
    tz = _zone(zone) or _zone(FALLBACK_ZONE)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(tz).date()


def sqlite_local_date(value, zone: str) -> str | None:
    """SQLite's ``hearing_local_date``: a stored naive-UTC text time -> the local day as ``YYYY-MM-DD``."""
    if value is None:
        return None
    # Every zone's offset is whole minutes: the minute decides the day, so rows of the same minute share one answer.
    return _local_day(str(value)[:16], zone)


@lru_cache(maxsize=8192)
def _local_day(minute: str, zone: str) -> str | None:
    try:
        moment = datetime.fromisoformat(minute).replace(tzinfo=UTC)
    except ValueError:
        return None
    tz = _zone(zone) or _zone(FALLBACK_ZONE)
    return moment.astimezone(tz).date().isoformat()


def as_date(value) -> date | None:
    """A day from the database: a date (PostgreSQL) or ISO text (SQLite)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def monday_of(day) -> date:
    """The Monday of a day's week (the day as the database gives it: a date, or ISO text on SQLite)."""
    day = as_date(day)
    return day - timedelta(days=day.weekday())


def every_week(by_monday: dict, empty):
    """``(monday, value)`` for every week from the first to the last of ``by_monday`` (keyed by Mondays),
    the weeks between with ``empty()``: a chart over time shows the quiet weeks too."""
    if not by_monday:
        return []
    monday, last, out = min(by_monday), max(by_monday), []
    while monday <= last:
        out.append((monday, by_monday[monday] if monday in by_monday else empty()))
        monday += timedelta(days=7)
    return out
