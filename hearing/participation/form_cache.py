"""The answer form's activity as an immutable snapshot, kept a few seconds per app process.

The form is the busiest page of a large hearing: every citizen reads it, posts it back and opens the
receipt. Loading the activity with its process, groups, document sections and questions takes four
queries. Here it is read once into frozen dataclasses (:class:`ActivityView`): plain values, nothing
lazy, nothing a request could change by mistake, safe to share between the threads of a process.

The cache is small and forgetful on purpose:

- bounded: at most :data:`MAX_ITEMS` activities, the least recently used goes first;
- time-limited: an entry is used for ``max_age`` seconds (config ``PUBLIC_FORM_CACHE_SECONDS``), so a
  change made by another app process shows within that time;
- only what exists is kept: an id that finds nothing is looked up again next time (no entry per
  requested id, which anyone could fill memory with);
- cleared after a commit in this process that changed an activity, process, group, document, section,
  question or a translation of their texts (not after a flush: a rolled-back change never empties it, and nothing uncommitted is
  read back into it).

Beside the snapshots, :func:`fragments` keeps the rendered parts of the plain form (no typed text, no
errors, no invitation) that are the same for every reader of a language: the top of the page and the
fields. Rendering them is most of the form's cost. A part is used only together with the very snapshot
it was rendered from (so it goes when that snapshot goes: after ``max_age`` or a commit), there are at
most :data:`MAX_FRAGMENTS`, and they never hold a visitor's secrets: the page around them (with the
CSRF token and the form's one-time key) is rendered for each request.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import Session, joinedload, selectinload

from hearing.models import Activity, ContentTranslation, Document, Process, Prompt, Section, StakeholderGroup

#: Activities kept at most (a municipality has a handful open at a time).
MAX_ITEMS = 256

#: Rendered form parts kept at most: (database, activity, language, status) each.
MAX_FRAGMENTS = 128

#: ContentTranslation: a title written in another language changes the page too.
_WATCHED = (Activity, Process, Document, Section, Prompt, StakeholderGroup, ContentTranslation)
_CHANGED = "form_cache_changed"


# ``translation_type``: what hearing.content translates these as (titles written in other languages).


@dataclass(frozen=True, slots=True)
class GroupView:
    translation_type: ClassVar[str] = "group"
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class ProcessView:
    translation_type: ClassVar[str] = "process"
    id: int
    name: str
    is_public: bool
    #: The language the process's own texts are written in.
    language: str
    groups: tuple[GroupView, ...]


@dataclass(frozen=True, slots=True)
class SectionView:
    id: int
    position: int
    level: int
    number: str
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class DocumentView:
    translation_type: ClassVar[str] = "document"
    id: int
    title: str
    sections: tuple[SectionView, ...]


@dataclass(frozen=True, slots=True)
class PromptView:
    id: int
    position: int
    text: str
    help_text: str
    question_type: str
    options: tuple[str, ...]
    is_required: bool


@dataclass(frozen=True, slots=True)
class ActivityView:
    """What the answer form, the answer and the receipt read of an activity (the names of :class:`Activity`)."""

    translation_type: ClassVar[str] = "activity"
    id: int
    process_id: int
    kind: str
    title: str
    description: str
    audience: str
    opens_dt: datetime | None
    closes_dt: datetime | None
    process: ProcessView
    document: DocumentView | None
    prompts: tuple[PromptView, ...]

    def status(self, now: datetime) -> str:
        """'upcoming', 'open' or 'closed' at the given time (as :meth:`Activity.status`)."""
        return Activity.status(self, now)  # type: ignore[arg-type]

    @classmethod
    def of(cls, activity: Activity) -> ActivityView:
        process, document = activity.process, activity.document
        return cls(
            id=activity.id, process_id=activity.process_id, kind=activity.kind, title=activity.title,
            description=activity.description or "", audience=activity.audience,
            opens_dt=activity.opens_dt, closes_dt=activity.closes_dt,
            process=ProcessView(process.id, process.name, process.is_public, process.language or "nb",
                                tuple(GroupView(g.id, g.name) for g in process.groups)),
            document=None if document is None else DocumentView(
                document.id, document.title,
                tuple(SectionView(s.id, s.position, s.level, s.number or "", s.title, s.body or "") for s in document.sections)),
            prompts=tuple(PromptView(p.id, p.position, p.text, p.help_text or "", p.question_type, tuple(p.options or ()),
                                     p.is_required) for p in activity.prompts),
        )


def load(session: Session, activity_id: int) -> ActivityView | None:
    """The activity as a snapshot, read now (four queries) in a session of its own, so that only what is
    committed goes into it; or None."""
    with Session(bind=session.get_bind()) as own:
        activity = own.get(Activity, activity_id, options=[
            joinedload(Activity.process).selectinload(Process.groups),
            joinedload(Activity.document).selectinload(Document.sections),
            selectinload(Activity.prompts),
        ])
        return None if activity is None else ActivityView.of(activity)


class _LRU:
    """At most ``size`` items, the least recently used dropped first; thread-safe.

    Each item is stored with a tag (when it was stored, or the snapshot it was made from) that ``get``
    asks the caller about: an item it may no longer use is dropped and counts as a miss.
    """

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[tuple, tuple[object, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, usable: Callable[[object], bool]):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if not usable(item[0]):
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: tuple, tag: object, value: object) -> None:
        with self._lock:
            self._items[key] = (tag, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


_cache = _LRU(MAX_ITEMS)  # snapshots, tagged with when they were read


def get(session: Session, activity_id: int, max_age: float) -> ActivityView | None:
    """The activity's snapshot: from the cache when it is younger than ``max_age`` seconds, else read."""
    if max_age <= 0:
        return load(session, activity_id)
    key = (str(session.get_bind().url), activity_id)
    if (view := _cache.get(key, lambda stored: time.monotonic() - stored < max_age)) is not None:
        return view
    view = load(session, activity_id)
    if view is not None:  # a miss is never stored
        _cache.put(key, time.monotonic(), view)
    return view


# rendered parts, tagged with the snapshot they were rendered from (an older snapshot's are never used)
_fragments = _LRU(MAX_FRAGMENTS)


def fragments(session: Session, view: ActivityView, lang: str, status: str,
              render: Callable[[], dict[str, Markup]]) -> dict[str, Markup]:
    """The plain form's shared parts for ``view`` in ``lang`` at ``status``: kept ones, or ``render()`` now.

    ``view`` must come from :func:`get` (a fresh :func:`load` is never the kept snapshot, so its parts
    are rendered each time). What ``render`` returns must not depend on the visitor.
    """
    key = (str(session.get_bind().url), view.id, lang, status)
    parts = _fragments.get(key, lambda rendered_from: rendered_from is view)
    if parts is None:
        parts = render()
        _fragments.put(key, view, parts)
    return parts


def clear() -> None:
    _cache.clear()
    _fragments.clear()


@sa.event.listens_for(Session, "after_flush")
def _note_change(session: Session, _context) -> None:
    if any(isinstance(obj, _WATCHED) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


@sa.event.listens_for(Session, "after_commit")
def _forget_on_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        clear()


@sa.event.listens_for(Session, "after_rollback")
def _nothing_changed(session: Session) -> None:
    session.info.pop(_CHANGED, None)
