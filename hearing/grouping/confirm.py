"""«Bekreft neste 20»: the review group teaches the engine, a batch at a time.

A background job (``grouping.confirm``) chooses the inputs whose confirmation teaches most
(:func:`hearing.themes.learn.choose_to_confirm`) and a suggested theme with its certainty for every
unconfirmed input of the run: learnt from what the reviewers confirmed
(:func:`hearing.themes.learn.suggest_themes`, with each of the run's themes starting from its centre so
themes nobody has confirmed yet can be suggested too), or, before anything is confirmed, the run's own theme and
the model's certainty. The chosen batch is the job's stored result, so the page is the same on every
reload; the suggestions are stored on the placements (``suggested_theme_id``), so the board shows
them and they can be accepted in bulk above a certainty the reviewer picks.

Every answer is a decision (:mod:`hearing.grouping.decisions`) that later runs obey: accepting a
suggestion is a confirmation, a correction is a move; a skip is only noted (audit) so the batch
moves on. Plain functions that take a session; the caller commits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hearing import audit
from hearing.grouping import decisions, service
from hearing.grouping.queries import visible_inputs
from hearing.jobs import JobError, enqueue, task
from hearing.models import (
    AuditEvent,
    Input,
    Job,
    JobStatus,
    PlacementSource,
    Theme,
    ThemeAssignment,
    ThemeRun,
)

__all__ = [
    "BATCH_SIZE",
    "KIND",
    "Batch",
    "BatchItem",
    "accept",
    "accept_confident",
    "certainty_words",
    "choose_batch",
    "confirmed_clause",
    "correct",
    "current_batch",
    "is_confirmed",
    "schedule_batch",
    "skip",
]

#: Job kind of the batch choice.
KIND = "grouping.confirm"
#: Inputs per batch.
BATCH_SIZE = 20
#: Audit action of a skipped input (the batch moves on; nothing is decided).
SKIP_ACTION = "theme.confirm_skip"
#: Placements a reviewer made or confirmed: moved, accepted suggestion (or pinned, see below).
CONFIRMED_SOURCES = (PlacementSource.MANUAL, PlacementSource.SUGGESTED)


class ConfirmError(service.ThemeServiceError):
    """A rule was broken; the message (lazy, in their language) is shown to the reviewer."""


def _noop(percent: int, message: str = "") -> None:
    return None


def is_confirmed(a: ThemeAssignment) -> bool:
    """A reviewer moved, pinned or confirmed the input where it is."""
    return a.source in CONFIRMED_SOURCES or bool(a.is_pinned)


def confirmed_clause() -> sa.ColumnElement[bool]:
    """SQL twin of :func:`is_confirmed` on :class:`ThemeAssignment`."""
    return sa.or_(ThemeAssignment.source.in_([str(s) for s in CONFIRMED_SOURCES]), ThemeAssignment.is_pinned.is_(True))


def certainty_words(certainty: float | None) -> str:
    """The certainty in words, for the reviewer (and screen readers) next to the percentage."""
    if certainty is None:
        return str(_l("ukjent sikkerhet"))
    if certainty >= 0.85:
        return str(_l("høy sikkerhet"))
    if certainty >= 0.6:
        return str(_l("middels sikkerhet"))
    return str(_l("lav sikkerhet"))


def percent(certainty: float | None) -> int | None:
    return None if certainty is None else int(round(100 * float(certainty)))


# --- choosing a batch (in the background) ----------------------------------------------------------


def _visible_ids(session: Session, run: ThemeRun) -> set[int]:
    q = visible_inputs(run.process_id, phase_id=run.phase_id, activity_id=run.activity_id)
    return set(session.scalars(q.with_only_columns(Input.id)))


def _skipped(session: Session, job: Job | None) -> set[int]:
    if job is None:
        return set()
    rows = session.scalars(sa.select(AuditEvent.data).where(
        AuditEvent.action == SKIP_ACTION, AuditEvent.object_type == Job.__tablename__, AuditEvent.object_id == job.id))
    return {int(d["input_id"]) for d in rows if d and d.get("input_id") is not None}


def choose_batch(session: Session, run: ThemeRun, progress=_noop, *, n: int = BATCH_SIZE,
                 exclude: set[int] | frozenset[int] = frozenset()) -> dict:
    """Choose the next ``n`` unconfirmed inputs of ``run`` and suggest a theme for every unconfirmed one.

    Stores the suggestions on the placements and returns the batch (JSON, kept as the job's result):
    ``{"run_id", "learned", "n_confirmed", "items": [{"input_id", "theme_id", "certainty"}]}``.
    ``exclude`` (inputs skipped in the batch before) are not chosen again unless nothing else is left.
    """
    # imported here: scikit-learn loads in the job that chooses, not with the app
    from hearing.themes.learn import choose_to_confirm, suggest_themes

    progress(5, _l("Leser plasseringene"))
    space = service.RunSpace.build(session, run)
    visible = _visible_ids(session, run)
    rows = [i for i, a in enumerate(space.assignments) if a.input_id in visible]
    if not rows:
        raise ConfirmError(_l("Grupperingen har ingen innspill ennå."))
    assignments = [space.assignments[i] for i in rows]
    X = np.asarray(space.vectors[rows], dtype=np.float64)
    decided = decisions.placements(session, run.process_id)
    confirmed = np.array([is_confirmed(a) or a.input_id in decided for a in assignments], dtype=bool)
    progress(30, _l("Lærer av det dere har bekreftet"))
    proba = None
    texts = [a.input.display_text for a in assignments]
    if confirmed.any():
        # the engine's classifier works on string labels (it fits on ``y.astype(str)``)
        y = [str(a.theme_id) if c else None for a, c in zip(assignments, confirmed, strict=True)]
        # every theme of the run starts from its centre, so themes nobody has confirmed yet can be suggested
        centre_classes = [str(tid) for tid in space.theme_ids]
        centres = space.model.centroids_
        classes, proba = suggest_themes(texts, X, y, centres=centres if centre_classes else None,
                                        centre_classes=centre_classes or None,
                                        random_state=service.RANDOM_STATE)
        best = np.argmax(proba, axis=1)
        suggested = [int(classes[b]) for b in best]
        certainty = [float(np.clip(proba[i, b], 0.0, 1.0)) for i, b in enumerate(best)]
    else:  # nothing learnt yet: the run's own theme and the model's certainty
        suggested = [a.theme_id for a in assignments]
        certainty = [None if a.confidence is None else float(a.confidence) for a in assignments]
    progress(70, _l("Velger innspillene som lærer mest"))
    ids = [a.input_id for a in assignments]
    skip_mask = np.array([i in exclude for i in ids], dtype=bool)
    mask = confirmed | skip_mask
    if not (~mask).any():  # only skipped ones are left: ask about them again
        mask = confirmed
    chosen = choose_to_confirm(X, n, confirmed=mask, proba=proba, random_state=service.RANDOM_STATE)
    for i, a in enumerate(assignments):
        if confirmed[i]:
            continue
        a.suggested_theme_id = suggested[i]
        a.suggested_confidence = certainty[i]
    session.flush()
    progress(95, _l("Lagrer"))
    items = [{"input_id": ids[i], "theme_id": suggested[i], "certainty": certainty[i]} for i in chosen]
    return {"run_id": run.id, "learned": bool(confirmed.any()), "n_confirmed": int(confirmed.sum()),
            "n_open": int((~confirmed).sum()), "items": items}


def _batch_jobs(session: Session, run: ThemeRun, recent: int = 200) -> list[Job]:
    jobs = session.scalars(sa.select(Job).where(Job.kind == KIND).order_by(Job.id.desc()).limit(recent))
    return [j for j in jobs if (j.payload or {}).get("run_id") == run.id]


def latest_job(session: Session, run: ThemeRun) -> Job | None:
    """The newest batch job of the run (queued, running, done or failed)."""
    jobs = _batch_jobs(session, run, recent=50)
    return jobs[0] if jobs else None


def schedule_batch(session: Session, run: ThemeRun, actor=None) -> Job:
    """Queue the choice of the next batch (the caller commits); a batch already being chosen is reused."""
    if run.job is not None and run.job.status != JobStatus.DONE:
        raise ConfirmError(_l("Grupperingen er ikke ferdig ennå."))
    last = latest_job(session, run)
    if last is not None and last.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        return last
    done = next((j for j in _batch_jobs(session, run) if j.status == JobStatus.DONE), None)
    payload = {"run_id": run.id, "after": done.id if done is not None else None}
    job = enqueue(session, KIND, payload, created_by=actor)
    audit.record(session, actor, "theme.confirm_batch", run, job_id=job.id)
    return job


@task(KIND)
def _batch_task(session: Session, job: Job, progress) -> dict:
    run = session.get(ThemeRun, job.payload["run_id"])
    if run is None:
        raise JobError(_l("Grupperingen finnes ikke lenger."))
    after = session.get(Job, job.payload["after"]) if job.payload.get("after") else None
    try:
        result = choose_batch(session, run, progress, exclude=_skipped(session, after))
    except service.ThemeServiceError as exc:
        raise JobError(str(exc)) from exc
    session.commit()
    return result


# --- the batch on the page ----------------------------------------------------------------------


@dataclass
class BatchItem:
    input: Input
    assignment: ThemeAssignment | None
    suggested: Theme | None
    certainty: float | None
    state: str  # "open", "confirmed", "skipped", "gone"

    @property
    def percent(self) -> int | None:
        return percent(self.certainty)

    @property
    def words(self) -> str:
        return certainty_words(self.certainty)


@dataclass
class Batch:
    job: Job
    items: list[BatchItem]
    learned: bool
    n_confirmed: int

    @property
    def open(self) -> list[BatchItem]:
        return [i for i in self.items if i.state == "open"]

    def item(self, input_id: int) -> BatchItem | None:
        return next((i for i in self.items if i.input.id == input_id), None)

    def next_after(self, input_id: int) -> BatchItem | None:
        """The next open input after ``input_id`` in the batch (wrapping round), where focus goes."""
        ids = [i.input.id for i in self.items]
        start = ids.index(input_id) + 1 if input_id in ids else 0
        for item in self.items[start:] + self.items[:start]:
            if item.state == "open" and item.input.id != input_id:
                return item
        return None


def _live(theme: Theme | None, themes: dict[int, Theme]) -> Theme | None:
    """A merged theme's successor in the same run."""
    seen = set()
    while theme is not None and theme.merged_into_id and theme.id not in seen:
        seen.add(theme.id)
        theme = themes.get(theme.merged_into_id)
    return theme


def current_batch(session: Session, run: ThemeRun) -> Batch | None:
    """The newest chosen batch of the run, with each input's state now; ``None`` before the first."""
    job = next((j for j in _batch_jobs(session, run) if j.status == JobStatus.DONE and (j.result or {}).get("items") is not None), None)
    if job is None:
        return None
    result = job.result or {}
    ids = [int(it["input_id"]) for it in result["items"]]
    inputs = {i.id: i for i in session.scalars(sa.select(Input).where(Input.id.in_(ids or [-1])))}
    placed = {a.input_id: a for a in session.scalars(sa.select(ThemeAssignment).where(
        ThemeAssignment.run_id == run.id, ThemeAssignment.input_id.in_(ids or [-1])))}
    visible = _visible_ids(session, run) if ids else set()
    themes = {t.id: t for t in run.themes}
    skipped = _skipped(session, job)
    items = []
    for it in result["items"]:
        iid = int(it["input_id"])
        inp = inputs.get(iid)
        if inp is None:
            continue  # deleted since
        a = placed.get(iid)
        if a is None or iid not in visible:
            state = "gone"
        elif is_confirmed(a):
            state = "confirmed"
        elif iid in skipped:
            state = "skipped"
        else:
            state = "open"
        items.append(BatchItem(inp, a, _live(themes.get(it.get("theme_id")), themes), it.get("certainty"), state))
    return Batch(job, items, bool(result.get("learned")), int(result.get("n_confirmed") or 0))


# --- the reviewer's answers -----------------------------------------------------------------------


def _open_item(batch: Batch | None, input_id: int) -> BatchItem:
    item = batch.item(input_id) if batch is not None else None
    if item is None or item.assignment is None or item.state == "gone":
        raise ConfirmError(_l("Innspillet er ikke med i denne runden."))
    return item


def accept(session: Session, actor, batch: Batch | None, input_id: int) -> BatchItem:
    """Confirm the suggested theme of one input of the batch (a confirmation decision)."""
    item = _open_item(batch, input_id)
    if item.suggested is None:
        raise ConfirmError(_l("Det foreslåtte temaet finnes ikke lenger. Velg et tema og rett i stedet."))
    a = item.assignment
    a.suggested_theme_id = item.suggested.id
    a.suggested_confidence = None if item.certainty is None else float(np.clip(item.certainty, 0.0, 1.0))
    service.accept_suggestion(session, actor, a)
    a.theme = item.suggested
    item.state = "confirmed"
    return item


def correct(session: Session, actor, batch: Batch | None, input_id: int, theme: Theme | None) -> BatchItem:
    """Put one input of the batch in the theme the reviewer chose (a move decision)."""
    item = _open_item(batch, input_id)
    if theme is None or theme.run_id != item.assignment.run_id or theme.merged_into_id:
        raise ConfirmError(_l("Velg et tema i denne grupperingen."))
    service.move_input(session, actor, item.assignment, theme)
    item.state = "confirmed"
    return item


def skip(session: Session, actor, batch: Batch | None, input_id: int) -> BatchItem:
    """Leave one input for now; the next batch does not ask about it again at once."""
    item = _open_item(batch, input_id)
    if item.state != "skipped":
        run = session.get(ThemeRun, item.assignment.run_id)
        audit.record(session, actor, SKIP_ACTION, batch.job, process_id=run.process_id, input_id=input_id)
        item.state = "skipped"
    return item


def count_suggestions(session: Session, run: ThemeRun, min_confidence: float | None = None) -> int:
    """Stored suggestions of unconfirmed inputs (at least ``min_confidence``, when given), to themes still on
    the board (one to a theme merged since is never accepted, so it is not counted either)."""
    live = sa.select(Theme.id).where(Theme.run_id == run.id, Theme.merged_into_id.is_(None))
    q = sa.select(sa.func.count()).select_from(ThemeAssignment).where(
        ThemeAssignment.run_id == run.id, ThemeAssignment.suggested_theme_id.in_(live), ~confirmed_clause())
    if min_confidence is not None:
        q = q.where(ThemeAssignment.suggested_confidence >= min_confidence)
    return session.scalar(q) or 0


#: Certainty limits (percent) the bulk form shows the number of suggestions for.
SPREAD_LIMITS = (90, 80, 70, 60, 50)


@dataclass
class SuggestionSpread:
    """How many stored suggestions a certainty limit would accept, and the highest certainty (percent)."""

    top: int | None
    at_least: list[tuple[int, int]]


def suggestion_spread(session: Session, run: ThemeRun, limits: Sequence[int] = SPREAD_LIMITS) -> SuggestionSpread:
    """Per limit, the suggestions of unconfirmed inputs with at least that certainty, counted in one query,
    so the reviewer picks a limit that accepts something (the walkthrough typed 80 % and got 0 of 274)."""
    live = sa.select(Theme.id).where(Theme.run_id == run.id, Theme.merged_into_id.is_(None))
    conf = ThemeAssignment.suggested_confidence
    row = session.execute(
        sa.select(sa.func.max(conf), *[sa.func.sum(sa.case((conf >= limit / 100, 1), else_=0)) for limit in limits])
        .where(ThemeAssignment.run_id == run.id, ThemeAssignment.suggested_theme_id.in_(live), ~confirmed_clause())
    ).one()
    top = None if row[0] is None else math.floor(float(row[0]) * 100 + 1e-9)  # typing it accepts that one
    return SuggestionSpread(top, [(limit, int(n or 0)) for limit, n in zip(limits, row[1:], strict=True)])


def accept_confident(session: Session, actor, run: ThemeRun, min_confidence: float) -> int:
    """Accept every stored suggestion with a certainty of at least ``min_confidence`` (0..1); returns how many.

    Each is a confirmation decision; nothing is computed here (the suggestions come from the batch job).
    """
    if not 0 <= min_confidence <= 1:
        raise ConfirmError(_l("Grensen må være mellom 0 og 100 %."))
    service.check_editable(session, run, ConfirmError)
    if not count_suggestions(session, run):
        raise ConfirmError(_l("Det finnes ingen forslag ennå. Velg de neste innspillene først, så lages forslagene."))
    rows = session.scalars(sa.select(ThemeAssignment).where(
        ThemeAssignment.run_id == run.id, ThemeAssignment.suggested_theme_id.is_not(None),
        ThemeAssignment.suggested_confidence >= min_confidence, ~confirmed_clause()).order_by(ThemeAssignment.id)).all()
    live = {t.id for t in run.themes if not t.merged_into_id}
    n = 0
    for a in rows:
        if a.suggested_theme_id not in live:
            continue
        service._accept(a, actor)
        service._record_confirm(session, actor, a, min_confidence=min_confidence)
        n += 1
    session.flush()
    audit.record(session, actor, "theme.accept_suggestions", run, min_confidence=min_confidence, count=n)
    return n
