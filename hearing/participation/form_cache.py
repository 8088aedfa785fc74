"""The answer form's activity, loaded once and kept a few seconds per process.

The form is the busiest page of a large hearing: every citizen reads it and posts it back. Loading
the activity with its process, groups, document sections and questions took four queries and about
3 ms of CPU each time. Here it is loaded in a session of its own, detached whole, and shared
read-only by the requests of this process until ``max_age`` seconds have passed.

A change made in this process (a flush that touches an activity, process, group, document, section
or question) clears the cache at once; other processes see the change within ``max_age`` seconds.
Code that gets an activity from here must only read it and refer to it by id when it writes.
"""

from __future__ import annotations

import threading
import time
import weakref

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from hearing.models import Activity, ContentTranslation, Document, Process, Prompt, Section, StakeholderGroup

#: ContentTranslation: a title written in another language changes the page too.
_WATCHED = (Activity, Process, Document, Section, Prompt, StakeholderGroup, ContentTranslation)

_items: dict[tuple[str, int], tuple[float, Activity | None]] = {}
#: Pages rendered from a cached activity (see participation.views), dropped with it.
_pages: weakref.WeakKeyDictionary[Activity, dict] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def load(session: Session, activity_id: int) -> Activity | None:
    """The activity with everything the form reads, detached from any session."""
    with Session(bind=session.get_bind(), expire_on_commit=False) as own:
        activity = own.get(Activity, activity_id, options=[
            joinedload(Activity.process).selectinload(Process.groups),
            joinedload(Activity.document).selectinload(Document.sections),
            selectinload(Activity.prompts),
        ])
    return activity  # closing the session detached it with every loaded attribute (a rollback would expire them)


def get(session: Session, activity_id: int, max_age: float) -> Activity | None:
    if max_age <= 0:
        return load(session, activity_id)
    key = (str(session.get_bind().url), activity_id)
    now = time.monotonic()
    cached = _items.get(key)
    if cached is not None and now - cached[0] < max_age:
        return cached[1]
    activity = load(session, activity_id)
    with _lock:
        _items[key] = (now, activity)
    return activity


def pages(activity: Activity) -> dict:
    """A place to keep what is rendered from this cached activity; it goes when the activity does."""
    with _lock:
        return _pages.setdefault(activity, {})


def clear() -> None:
    with _lock:
        _items.clear()
        _pages.clear()


@sa.event.listens_for(Session, "after_flush")
def _forget_on_change(session: Session, _context) -> None:
    if _items and any(isinstance(obj, _WATCHED) for obj in (*session.new, *session.dirty, *session.deleted)):
        clear()
