"""Theme grouping in the platform: runs, re-runs, placement of new input and the reviewers' loop.

Plain functions that take a session (the caller commits); the engine itself (the rest of
:mod:`hearing.themes`) knows nothing of the database. The background tasks ``themes.run``,
``themes.embed`` and ``themes.place`` register with :mod:`hearing.jobs` here.

Code that stores inputs (participation, workshop, import) should call
:func:`schedule_new_inputs` after committing them: the ``themes.embed`` job computes each input's
embedding once (reused by every run), then places the new inputs into the newest run of each scope
(marked new, no refit). A run uses the stored embeddings where present and never waits for all
inputs to be embedded.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

# hearing.themes gives its names on first use: the engine's libraries load with the first run, not the app.
from hearing import audit, themes
from hearing.config import setting
from hearing.core.errors import DomainError
from hearing.grouping import decisions, duplicates
from hearing.grouping.queries import (
    current_run,
    is_newest_of_its_scope,
    newer_run_in_progress,
    visible_inputs,
)
from hearing.jobs import JobError, enqueue, task
from hearing.models import (
    DecisionKind,
    Input,
    InputEmbedding,
    Job,
    JobStatus,
    PlacementSource,
    Theme,
    ThemeAssignment,
    ThemeRun,
    utcnow,
)
from hearing.themes.recipe import EMBEDDING_MODEL as EMBED_MODEL  # vectors of another recipe are recomputed

#: Runs are repeatable: the same inputs give the same themes.
RANDOM_STATE = 0
#: Reviewers' placements that a re-run and the suggestions keep.
CONFIRMED = (PlacementSource.MANUAL,)

Progress = Callable[[int, str], None]

log = logging.getLogger(__name__)


class ThemeServiceError(DomainError):
    """A rule was broken; the message (lazy, in their language) is shown to the reviewer."""


def embeddings_enabled() -> bool:
    """Config ``THEMES_EMBEDDINGS`` (default True): compute and use sentence embeddings."""
    return bool(setting("THEMES_EMBEDDINGS"))


def text_hash(text: str) -> str:
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()


def _noop(percent: int, message: str = "") -> None:
    return None


# --- scope and inputs ---------------------------------------------------------------------------


def scope_query(process_id: int, phase_id: int | None = None, activity_id: int | None = None) -> sa.Select:
    """Inputs of a process, phase or activity, without those of withdrawn submissions."""
    return visible_inputs(process_id, phase_id=phase_id, activity_id=activity_id)


def run_inputs(session: Session, run: ThemeRun) -> list[Input]:
    return list(session.scalars(scope_query(run.process_id, run.phase_id, run.activity_id)))


def stored_embeddings(session: Session, inputs: Sequence[Input]) -> list[np.ndarray | None]:
    """The stored vector of each input (``None`` when missing or made from an older text)."""
    found: dict[int, np.ndarray] = {}
    ids = [i.id for i in inputs]
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        rows = session.execute(
            sa.select(InputEmbedding.input_id, InputEmbedding.text_hash, InputEmbedding.vector).where(
                InputEmbedding.model == EMBED_MODEL, InputEmbedding.input_id.in_(chunk)
            )
        )
        for input_id, h, vector in rows:
            found[input_id] = (h, vector)
    out: list[np.ndarray | None] = []
    for inp in inputs:
        item = found.get(inp.id)
        if item and item[0] == text_hash(inp.display_text):
            out.append(np.frombuffer(item[1], dtype=np.float32))
        else:
            out.append(None)
    return out


# --- embeddings ---------------------------------------------------------------------------------


def _unembedded_query() -> sa.Select:
    have = sa.select(InputEmbedding.input_id).where(InputEmbedding.model == EMBED_MODEL)
    return sa.select(Input).where(Input.id.not_in(have)).order_by(Input.id)


def schedule_embedding(session: Session, created_by=None) -> Job | None:
    """Queue one ``themes.embed`` job unless one is already waiting (the caller commits).

    Call it after storing new inputs. Does nothing when embeddings are turned off.
    """
    if not embeddings_enabled():
        return None
    if (job_id := _waiting_job(session, "themes.embed")) is not None:
        return session.get(Job, job_id)
    return enqueue(session, "themes.embed", {}, created_by=created_by)


_jobs = Job.__table__
_WAITING = (sa.select(_jobs.c.id, _jobs.c.payload).where(_jobs.c.kind == sa.bindparam("kind"), _jobs.c.status == JobStatus.QUEUED)
            .order_by(_jobs.c.id).limit(1))  # built once: see _waiting_job


def _waiting_job(session: Session, kind: str) -> int | None:
    """The oldest queued job of ``kind`` that covers all new inputs (no ``run_id``), by id.

    A plain row, not an object: this runs after every answer a citizen sends.
    """
    row = session.execute(_WAITING, {"kind": kind}).first()
    return row.id if row is not None and not (row.payload or {}).get("run_id") else None


def embed_pending(session: Session, progress: Progress = _noop, *, batch_size: int = 32,
                  limit: int | None = None) -> int:
    """Embed inputs that have no (current) embedding, committing batch by batch; returns the count."""
    inputs = list(session.scalars(_unembedded_query().limit(limit) if limit else _unembedded_query()))
    # inputs whose text changed since they were embedded (edited, or masked differently)
    redo: dict[int, InputEmbedding] = {}
    if not limit or len(inputs) < limit:
        stale = session.execute(
            sa.select(Input, InputEmbedding).join(InputEmbedding, InputEmbedding.input_id == Input.id)
            .where(InputEmbedding.model == EMBED_MODEL)
        ).all()
        for inp, emb in stale:
            if emb.text_hash != text_hash(inp.display_text) and (not limit or len(inputs) < limit):
                redo[inp.id] = emb
                inputs.append(inp)
    total = len(inputs)
    progress(1, _l("%(done)d av %(total)d innspill", done=0, total=total))
    for start in range(0, total, batch_size):
        batch = inputs[start : start + batch_size]
        vectors = themes.embed_texts([i.display_text for i in batch], batch_size=batch_size)
        for inp, vec in zip(batch, vectors, strict=True):
            row = redo.get(inp.id)
            if row is None:
                row = InputEmbedding(input_id=inp.id, model=EMBED_MODEL)
                session.add(row)
            row.text_hash = text_hash(inp.display_text)
            row.vector = np.asarray(vec, dtype=np.float32).tobytes()
            row.created_dt = utcnow()
        session.commit()
        done = start + len(batch)
        progress(int(100 * done / max(total, 1)) if done < total else 99, _l("%(done)d av %(total)d innspill", done=done, total=total))
    return total


@task("themes.embed")
def _embed_task(session: Session, job: Job, progress: Progress) -> dict:
    """Embed a chunk of inputs, then queue the next chunk, so a grouping run never waits long behind it."""
    chunk = int(setting("THEMES_EMBED_CHUNK"))
    n = embed_pending(session, progress, batch_size=int(setting("THEMES_EMBED_BATCH")), limit=chunk)
    more = n >= chunk and session.scalar(sa.select(sa.func.count()).select_from(_unembedded_query().subquery()))
    if more:
        schedule_embedding(session)
        session.commit()
        return {"embedded": n, "more": True}
    placed = place_in_latest_runs(session)
    session.commit()
    return {"embedded": n, "more": False, **({"placed": placed} if placed else {})}


# --- starting and running -----------------------------------------------------------------------

GUIDE_LINE = re.compile(r"^\s*(?P<name>[^:]+?)\s*(?::\s*(?P<keywords>.*))?$")


def parse_guidance(text: str | None) -> list[dict]:
    """One expected theme per line, ``Name: keyword, keyword`` (keywords optional)."""
    guides = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        m = GUIDE_LINE.match(line)
        if not m or not m.group("name").strip():
            raise ThemeServiceError(
                _l("Kunne ikke lese linjen «%(line)s». Skriv «Navn: stikkord, stikkord».", line=line.strip())
            )
        keywords = [k.strip() for k in (m.group("keywords") or "").split(",") if k.strip()]
        guides.append({"name": m.group("name").strip()[:300], "keywords": keywords, "examples": []})
    return guides


def guidance_text(guides: Sequence[dict]) -> str:
    """Guides back as form text, one ``Name: keyword, keyword`` per line."""
    return "\n".join(g["name"] + (": " + ", ".join(g["keywords"]) if g.get("keywords") else "") for g in guides)


def _same_scope(q: sa.Select, process_id: int, phase_id: int | None, activity_id: int | None) -> sa.Select:
    return q.where(
        ThemeRun.process_id == process_id,
        ThemeRun.phase_id.is_(None) if phase_id is None else ThemeRun.phase_id == phase_id,
        ThemeRun.activity_id.is_(None) if activity_id is None else ThemeRun.activity_id == activity_id,
    )


def latest_done_run(session: Session, process_id: int, phase_id=None, activity_id=None) -> ThemeRun | None:
    q = sa.select(ThemeRun).join(Job, Job.id == ThemeRun.job_id).where(Job.status == JobStatus.DONE)
    q = _same_scope(q, process_id, phase_id, activity_id).order_by(ThemeRun.id.desc()).limit(1)
    return session.scalar(q)


def start_run(session: Session, actor, process, *, phase=None, activity=None, n_themes="auto",
              guidance=None, keep_themes: bool = True) -> ThemeRun:
    """Create a run of ``process`` (or one phase or activity) and queue its job; the caller commits.

    ``guidance`` is text (one ``Name: keyword, keyword`` per line) or a list of dicts or
    :class:`~hearing.themes.Guide`. The latest finished run of the same scope becomes the
    previous run, whose names and manual placements the new run keeps; with ``keep_themes`` (the
    default) it also keeps the previous run's other themes and where each undecided input was,
    moving an input only when another theme is clearly closer.
    """
    if activity is not None and activity.process_id != process.id:
        raise ThemeServiceError(_l("Aktiviteten hører ikke til prosessen."))
    if phase is not None and phase.process_id != process.id:
        raise ThemeServiceError(_l("Fasen hører ikke til prosessen."))
    if activity is not None:
        phase = None
    if n_themes in (None, "", "auto"):
        n_themes = "auto"
    else:
        n_themes = int(n_themes)
        if not 1 <= n_themes <= 50:
            raise ThemeServiceError(_l("Antall temaer må være mellom 1 og 50."))
    if isinstance(guidance, str):
        guides = parse_guidance(guidance)
    else:
        guides = [g if isinstance(g, dict) else {"name": g.name, "keywords": list(g.keywords), "examples": list(g.examples)}
                  for g in (guidance or [])]
    phase_id = phase.id if phase is not None else None
    activity_id = activity.id if activity is not None else None
    # the reviewers' work lives in the run everyone uses; a narrower run continues its own scope
    previous = ((latest_done_run(session, process.id, phase_id, activity_id) if phase_id or activity_id else None)
                or current_run(session, process))
    run = ThemeRun(
        process_id=process.id, phase_id=phase_id, activity_id=activity_id,
        previous_run_id=previous.id if previous else None,
        params={"n_themes": n_themes, "guidance": guides, "random_state": RANDOM_STATE,
                "keep_themes": bool(keep_themes and previous is not None)},
        stats={}, created_by_id=getattr(actor, "id", None),
    )
    session.add(run)
    session.flush()
    job = enqueue(session, "themes.run", {"run_id": run.id}, created_by=actor)
    run.job_id = job.id
    run.job = job
    decisions.record(session, actor, DecisionKind.GUIDANCE, process_id=process.id, run_id=run.id,
                     text=guidance if isinstance(guidance, str) else guidance_text(guides))
    audit.record(session, actor, "theme.run_start", run, phase_id=phase_id, activity_id=activity_id,
                 n_themes=n_themes, guides=[g["name"] for g in guides], previous_run_id=run.previous_run_id,
                 keep_themes=run.params["keep_themes"])
    return run


@task("themes.run")
def _run_task(session: Session, job: Job, progress: Progress) -> dict:
    run = session.get(ThemeRun, job.payload["run_id"])
    if run is None:
        raise JobError(_l("Grupperingen finnes ikke lenger."))
    execute_run(session, run, progress)
    # the themes are stored; the last step (a few seconds per 10k inputs) shows its own progress, which SQLite
    # could not store while the run's writes were open
    session.commit()
    progress(92, _l("Finner mulige duplikater"))
    run.stats = {**run.stats, "near_duplicates": duplicates.store_for_run(session, run)}
    return {"run_id": run.id, "themes": len(run.themes)}


class EmbeddingUnavailable(Exception):
    """The embedding model could not be loaded or run here."""


def _prepare_embeddings(session: Session, inputs: Sequence[Input], progress: Progress,
                        stats: dict) -> np.ndarray | None:
    """Stored embeddings of every input, computing the missing ones in this job (progress 3–60 %).

    Each batch is stored as it is done, so a restarted run only computes what is still missing.
    Returns ``None`` (the run groups by words, TF-IDF) when embeddings are turned off or the model
    cannot run here; ``stats`` records which and why.
    """
    if not embeddings_enabled():
        stats["embedding_note"] = "off"
        return None
    embeddings = stored_embeddings(session, inputs)
    total = len(inputs)
    missing = [i for i, e in enumerate(embeddings) if e is None]
    stats["n_embedded_before"] = total - len(missing)
    stats["n_embedded_in_run"] = 0
    batch = int(setting("THEMES_EMBED_BATCH"))
    message = _l("Beregner innholdsvektorer %(done)d av %(total)d", done=total - len(missing), total=total)
    progress(3, message)
    for start in range(0, len(missing), batch):
        chunk = missing[start : start + batch]
        try:
            vectors = themes.embed_texts([inputs[i].display_text for i in chunk], batch_size=batch)
        except (ImportError, OSError, RuntimeError, ValueError) as exc:
            log.warning("embeddings unavailable, run groups by words: %s", exc)
            stats["embedding_note"] = "unavailable"
            return None
        for i, vec in zip(chunk, vectors, strict=True):
            embeddings[i] = np.asarray(vec, dtype=np.float32)
        _store_embeddings(session, [inputs[i] for i in chunk], vectors)
        stats["n_embedded_in_run"] += len(chunk)
        done = total - len(missing) + start + len(chunk)
        progress(3 + int(57 * done / max(total, 1)),
                 _l("Beregner innholdsvektorer %(done)d av %(total)d", done=done, total=total))
    return np.vstack(embeddings).astype(np.float32) if embeddings else None


def _store_embeddings(session: Session, inputs: Sequence[Input], vectors: np.ndarray) -> None:
    """Store vectors, skipping inputs that another job embedded meanwhile; drop older models' rows."""
    ids = [i.id for i in inputs]
    have = set(session.scalars(sa.select(InputEmbedding.input_id).where(
        InputEmbedding.model == EMBED_MODEL, InputEmbedding.input_id.in_(ids))))
    for inp, vec in zip(inputs, vectors, strict=True):
        if inp.id in have:
            continue
        try:
            with session.begin_nested():
                session.add(InputEmbedding(input_id=inp.id, model=EMBED_MODEL, text_hash=text_hash(inp.display_text),
                                           vector=np.asarray(vec, dtype=np.float32).tobytes()))
        except sa.exc.IntegrityError:
            continue
    # vectors of another model (or recipe) are never mixed with these: they go
    session.execute(sa.delete(InputEmbedding).where(InputEmbedding.input_id.in_(ids),
                                                    InputEmbedding.model != EMBED_MODEL))
    session.commit()


def _clear(session: Session, run: ThemeRun) -> None:
    """Remove what an interrupted attempt stored, so a retried job starts clean."""
    session.execute(sa.delete(ThemeAssignment).where(ThemeAssignment.run_id == run.id))
    session.execute(sa.update(Theme).where(Theme.run_id == run.id).values(merged_into_id=None))
    session.execute(sa.delete(Theme).where(Theme.run_id == run.id))
    session.expire(run, ["themes"])


def execute_run(session: Session, run: ThemeRun, progress: Progress = _noop) -> ThemeRun:
    """Group the run's inputs and store themes and placements (the caller commits).

    The review group's decisions are obeyed (:mod:`hearing.grouping.decisions`): the previous
    run's named themes (and those holding inputs a reviewer placed) are guides that keep their
    names and lineage; every moved, pinned or confirmed input stays where the reviewers put it;
    new inputs go into those themes, and the engine may only add new themes beside them.
    """
    started = time.monotonic()
    progress(2, _l("Henter innspill"))
    if run.themes:
        _clear(session, run)
        session.commit()
    inputs = run_inputs(session, run)
    if not inputs:
        raise JobError(_l("Det er ingen innspill å gruppere i dette utvalget."))
    stats: dict = {}
    texts = [i.display_text for i in inputs]
    ids = [i.id for i in inputs]
    embeddings = _prepare_embeddings(session, inputs, progress, stats)
    vectorizer = "auto" if embeddings is not None else "tfidf"
    previous = session.get(ThemeRun, run.previous_run_id) if run.previous_run_id else None
    carried = decisions.carry_over(session, previous, run.process_id, run.params.get("guidance") or [], ids,
                                   keep_themes=bool(run.params.get("keep_themes")))
    fixed = carried.fixed_labels(ids)
    before = carried.previous_labels(ids)
    progress(62, _l("Grupperer %(n)d innspill", n=len(inputs)))
    model = themes.ThemeModel(run.params.get("n_themes", "auto"), vectorizer=vectorizer, random_state=RANDOM_STATE)
    stages = {"themes": (66, _l("Finner temaene i %(n)d innspill", n=len(inputs))),
              "labels": (76, _l("Lager temanavn og stikkord"))}

    def stage_progress(stage: str, done: float | None = None) -> None:
        if stage in stages:
            percent, message = stages[stage]
            if stage == "themes" and done is not None:  # the long stage moves on its own: 66 % to 75 %
                percent += int(9 * min(max(done, 0.0), 1.0))
            progress(percent, message)

    model.fit(texts, embeddings=embeddings, guidance=carried.guides or None,
              fixed=fixed if any(f >= 0 for f in fixed) else None,
              previous=before if any(b >= 0 for b in before) else None, progress=stage_progress)
    progress(80, _l("Lagrer temaer"))
    labels = model.labels_
    certainty = getattr(model, "certainty_", None)
    prev_by_id = {t.id: t for t in carried.previous_themes if t is not None}

    # themes, in the engine's order (guides first, then new ones, "Diverse" last)
    by_label: dict[int, Theme] = {}
    for position, t in enumerate(model.themes_, start=1):
        prev = prev_by_id.get(t.guide_key) if not t.is_misc else None
        theme = Theme(run_id=run.id, position=position, auto_label=t.label[:300], terms=list(t.terms),
                      quote_input_ids=[ids[i] for i in t.representative], is_misc=t.is_misc,
                      guide_name=prev.guide_name if prev is not None else t.guided_name,
                      name=prev.name if prev is not None else None,
                      previous_theme_id=prev.id if prev is not None else None)
        session.add(theme)
        by_label[t.id] = theme
    _distinct_labels(list(by_label.values()))
    session.flush()
    assignments: dict[int, ThemeAssignment] = {}
    for idx, (input_id, label) in enumerate(zip(ids, labels, strict=True)):
        theme = by_label.get(int(label))
        if theme is None:  # a theme dissolved into "Diverse" without a misc entry: should not happen
            theme = _misc_theme(session, run)
            by_label[int(label)] = theme
        conf = None if label == themes.MISC or certainty is None else float(np.clip(certainty[idx], 0.0, 1.0))
        if input_id in carried.to_misc:  # a reviewer put it in "Diverse"
            misc = by_label.get(themes.MISC)
            theme = misc if misc is not None and misc.is_misc else _misc_theme(session, run)
            by_label[themes.MISC] = theme
            conf = None
        if input_id in carried.fixed or input_id in carried.to_misc:
            placement = carried.fixed[input_id][1] if input_id in carried.fixed else carried.to_misc[input_id]
            a = ThemeAssignment(run_id=run.id, input_id=input_id, theme_id=theme.id, source=placement.source,
                                is_pinned=placement.is_pinned, confidence=conf)
        else:
            # "expected theme" only for the reviewers' named or typed themes; a theme carried on as it was stays automatic
            guided = (theme.guide_name is not None or theme.name is not None) and not theme.is_misc
            a = ThemeAssignment(run_id=run.id, input_id=input_id, theme_id=theme.id,
                                source=PlacementSource.GUIDED if guided else PlacementSource.AUTO, confidence=conf)
        session.add(a)
        assignments[input_id] = a
    session.flush()
    if previous is not None:
        _continue_unguided(session, previous, by_label, assignments)
    stats.update(_what_was_kept(session, run, previous, carried, by_label, assignments))
    session.expire(run, ["themes"])
    stats.update({
        "n_inputs": len(inputs),
        "n_themes": int(model.n_themes_),
        "n_misc": int((labels == themes.MISC).sum()),
        "method": "embeddings" if embeddings is not None else "tfidf",
        "vectorizer": type(model.vectorizer_).__name__,
        "embedding_model": EMBED_MODEL if embeddings is not None else None,
        "n_embedded": len(inputs) if embeddings is not None else 0,
        "seconds": round(time.monotonic() - started, 2),
    })
    run.stats = stats
    params = dict(run.params)
    params["vectorizer"] = vectorizer
    run.params = params
    session.flush()
    return run


def _distinct_labels(run_themes: list[Theme]) -> None:
    """No two themes of a run under one name: a theme the engine named like another (a regrouping named a new
    cluster "Velferdsteknologi" beside the reviewers' "Velferdsteknologi") gets its first keywords after the
    name, so the board, the move lists and the drafts tell them apart. Names the reviewers gave or typed as
    guidance are never changed: an automatic name gives way to them, and of two automatic names the later
    theme's does."""
    fixed = {t.label.casefold() for t in run_themes if t.name or t.guide_name or t.is_misc}
    seen: dict[str, int] = dict.fromkeys(fixed, 1)
    for theme in sorted(run_themes, key=lambda t: t.position):
        if theme.name or theme.guide_name or theme.is_misc:
            continue
        label = theme.label
        if label.casefold() in seen:
            seen[label.casefold()] += 1
            extra = [w for w in (theme.terms or []) if w.casefold() not in label.casefold()][:2]
            suffix = ", ".join(extra) if extra else str(seen[label.casefold()])
            theme.auto_label = f"{theme.auto_label} ({suffix})"[:300]
        seen.setdefault(theme.label.casefold(), 1)


def _continue_unguided(session: Session, previous: ThemeRun, by_label: dict[int, Theme],
                       assignments: dict[int, ThemeAssignment]) -> None:
    """Link new themes found freely to the previous run's unnamed themes they continue (lineage only)."""
    taken = {t.previous_theme_id for t in by_label.values() if t.previous_theme_id}
    prev_themes = {t.id: t for t in previous.themes}
    prev_sets: dict[int, set[int]] = {}
    for input_id, theme_id in session.execute(sa.select(ThemeAssignment.input_id, ThemeAssignment.theme_id)
                                              .where(ThemeAssignment.run_id == previous.id)):
        prev_sets.setdefault(theme_id, set()).add(input_id)
    free_new = {t.id: t for t in by_label.values() if t.previous_theme_id is None}
    cur_sets: dict[int, set[int]] = {}
    for a in assignments.values():
        if a.theme_id in free_new:
            cur_sets.setdefault(a.theme_id, set()).add(a.input_id)
    prev_regular = {k: v for k, v in prev_sets.items() if k in prev_themes and k not in taken
                    and not prev_themes[k].is_misc and not prev_themes[k].merged_into_id}
    cur_regular = {k: v for k, v in cur_sets.items() if not free_new[k].is_misc}
    mapping = themes.match_themes(prev_regular, cur_regular) if prev_regular and cur_regular else {}
    prev_misc = next((t for t in previous.themes if t.is_misc), None)
    cur_misc = next((t for t in free_new.values() if t.is_misc), None)
    if prev_misc is not None and cur_misc is not None:
        mapping[cur_misc.id] = prev_misc.id
    for cur_id, prev_id in mapping.items():
        free_new[cur_id].previous_theme_id = prev_id
    session.flush()


def _what_was_kept(session: Session, run: ThemeRun, previous: ThemeRun | None, carried: decisions.Carried,
                   by_label: dict[int, Theme], assignments: dict[int, ThemeAssignment]) -> dict:
    """True counts for the run page: decisions kept, names kept, inputs that stayed or moved, new ones."""
    run_themes = {t.id: t for t in by_label.values()}
    used = {a.theme_id for a in assignments.values()}  # a guide no input went to is not a "new theme proposed"
    misc_kept = sum(1 for input_id in carried.to_misc
                    if input_id in assignments and run_themes.get(assignments[input_id].theme_id) is not None
                    and run_themes[assignments[input_id].theme_id].is_misc)
    fixed_kept = misc_kept + sum(
        1 for input_id, (index, _p) in carried.fixed.items()
        if input_id in assignments and run_themes[assignments[input_id].theme_id].previous_theme_id == carried.previous_themes[index].id
    )
    out = {"decisions_total": len(carried.fixed) + len(carried.to_misc), "decisions_kept": fixed_kept, "decisions_lost": carried.lost,
           "carried_over": fixed_kept, "guides": len(carried.guides),
           "new_themes": sum(1 for t in run_themes.values() if not t.is_misc and t.previous_theme_id is None and t.id in used)}
    if previous is None:
        out.update({"names_total": 0, "names_kept": 0, "stayed": 0, "moved": 0, "new_inputs": len(assignments)})
        return out
    prev_themes = {t.id: t for t in previous.themes}

    def final(theme_id: int) -> int:
        seen = set()
        while (t := prev_themes.get(theme_id)) is not None and t.merged_into_id and theme_id not in seen:
            seen.add(theme_id)
            theme_id = t.merged_into_id
        return theme_id

    named = [t for t in prev_themes.values() if t.name and not t.merged_into_id and not t.is_misc]
    out["names_total"] = len(named)
    out["names_kept"] = sum(1 for p in named if any(t.previous_theme_id == p.id and t.name == p.name
                                                    for t in run_themes.values()))
    # An input that came after the previous run and was only placed in it automatically (marked new, never
    # part of a grouping) is new to this run too, not one that "stayed" or "moved".
    before = dict(session.execute(sa.select(ThemeAssignment.input_id, ThemeAssignment.theme_id)
                                  .where(ThemeAssignment.run_id == previous.id,
                                         ~sa.and_(ThemeAssignment.is_new.is_(True),
                                                  ThemeAssignment.source == PlacementSource.PLACED))).all())
    stayed = moved = new = 0
    for input_id, a in assignments.items():
        if input_id in carried.fixed or input_id in carried.to_misc:
            continue
        if input_id not in before:
            new += 1
        elif run_themes[a.theme_id].previous_theme_id == final(before[input_id]):
            stayed += 1
        else:
            moved += 1
    out.update({"stayed": stayed, "moved": moved, "new_inputs": new})
    return out



def _misc_theme(session: Session, run: ThemeRun) -> Theme:
    theme = session.scalar(sa.select(Theme).where(Theme.run_id == run.id, Theme.is_misc.is_(True)).limit(1))
    if theme is None:
        position = (session.scalar(sa.select(sa.func.max(Theme.position)).where(Theme.run_id == run.id)) or 0) + 1
        theme = Theme(run_id=run.id, position=position, auto_label=themes.MISC_LABEL, terms=[], quote_input_ids=[],
                      is_misc=True)
        session.add(theme)
        session.flush()
    return theme


# --- the fitted space, rebuilt from stored placements --------------------------------------------


@dataclass
class RunSpace:
    """Vectors of a run's placed inputs and a :class:`themes.ThemeModel` that can ``place`` new ones.

    Made by the engine from the stored placements (:meth:`themes.ThemeModel.from_placements`): the
    run's vectoriser fitted again on the run's texts, each theme's centre and acceptance
    threshold from its current members, so reviewers' moves count.
    """

    model: themes.ThemeModel
    assignments: list[ThemeAssignment]
    vectors: np.ndarray
    theme_ids: list[int]  # theme id of each centroid row

    @classmethod
    def build(cls, session: Session, run: ThemeRun) -> RunSpace:
        assignments = list(session.scalars(
            sa.select(ThemeAssignment).where(ThemeAssignment.run_id == run.id).order_by(ThemeAssignment.input_id)
        ))
        if not assignments:
            raise ThemeServiceError(_l("Grupperingen har ingen innspill ennå."))
        inputs = [a.input for a in assignments]
        vectorizer = run.params.get("vectorizer", "tfidf")
        embeddings = stored_embeddings(session, inputs) if vectorizer != "tfidf" else None
        misc_ids = {t.id for t in run.themes if t.is_misc or t.merged_into_id}
        model = themes.ThemeModel.from_placements(
            [i.display_text for i in inputs], [None if a.theme_id in misc_ids else a.theme_id for a in assignments],
            embeddings=embeddings, vectorizer=vectorizer, random_state=RANDOM_STATE)
        return cls(model, assignments, model.vectors_, list(model.keys_))


def unplaced_inputs(session: Session, run: ThemeRun) -> list[Input]:
    placed = sa.select(ThemeAssignment.input_id).where(ThemeAssignment.run_id == run.id)
    return list(session.scalars(scope_query(run.process_id, run.phase_id, run.activity_id).where(Input.id.not_in(placed))))


def count_unplaced(session: Session, run: ThemeRun) -> int:
    """Inputs of the run's scope that came after it (not placed in it): counted by the database, NOT EXISTS
    (an anti-join on PostgreSQL; NOT IN over a subquery of every input's columns cost 0.15 s at 50k)."""
    placed = sa.exists().where(ThemeAssignment.run_id == run.id, ThemeAssignment.input_id == Input.id)
    q = scope_query(run.process_id, run.phase_id, run.activity_id).where(~placed)
    return session.scalar(q.with_only_columns(sa.func.count(Input.id)).order_by(None)) or 0


def run_side_jobs(session: Session, run: ThemeRun, kinds: Sequence[str] = ("themes.place", "themes.suggest"),
                  recent: int = 50) -> dict[str, Job]:
    """The newest job of each kind that works on ``run`` (for the run page)."""
    out: dict[str, Job] = {}
    for job in session.scalars(sa.select(Job).where(Job.kind.in_(kinds)).order_by(Job.id.desc()).limit(recent)):
        if job.payload.get("run_id") == run.id:
            out.setdefault(job.kind, job)
    return out


def schedule_suggestions(session: Session, run: ThemeRun, actor=None) -> Job:
    """Queue a ``themes.suggest`` job for ``run`` (the caller commits)."""
    return enqueue(session, "themes.suggest", {"run_id": run.id}, created_by=actor)


@task("themes.suggest")
def _suggest_task(session: Session, job: Job, progress: Progress) -> dict:
    run = session.get(ThemeRun, job.payload["run_id"])
    if run is None:
        raise JobError(_l("Grupperingen finnes ikke lenger."))
    try:
        n = suggest_for_unplaced(session, run, progress)
    except ThemeServiceError as exc:
        raise JobError(str(exc)) from exc
    return {"run_id": run.id, "suggested": n}


def place_new_inputs(session: Session, run: ThemeRun, actor=None, progress: Progress = _noop) -> int:
    """Put inputs that arrived after the run into the nearest theme or "Diverse", marked new.

    Nothing is refitted: the themes stay as they are. Returns how many were placed.
    """
    new = unplaced_inputs(session, run)
    if not new:
        return 0
    progress(10, _l("Plasserer %(n)d nye innspill", n=len(new)))
    space = RunSpace.build(session, run)
    vectorizer = run.params.get("vectorizer", "tfidf")
    embeddings = stored_embeddings(session, new) if vectorizer != "tfidf" else None
    labels, distances = space.model.place([i.display_text for i in new], embeddings=embeddings)
    progress(80, _l("Lagrer"))
    for inp, label, dist in zip(new, labels, distances, strict=True):
        if label == themes.MISC:
            theme_id, conf = _misc_theme(session, run).id, None
        else:
            theme_id, conf = space.theme_ids[int(label)], float(np.clip(1.0 - dist, 0.0, 1.0))
        session.add(ThemeAssignment(run_id=run.id, input_id=inp.id, theme_id=theme_id,
                                    source=PlacementSource.PLACED, is_new=True, confidence=conf))
    session.flush()
    audit.record(session, actor, "theme.place_new", run, count=len(new))
    return len(new)


def latest_runs(session: Session) -> list[ThemeRun]:
    """The newest finished run of each scope (process, phase or activity): where new input goes."""
    runs = session.scalars(
        sa.select(ThemeRun).join(Job, Job.id == ThemeRun.job_id).where(Job.status == JobStatus.DONE)
        .order_by(ThemeRun.id.desc())
    )
    latest: dict[tuple, ThemeRun] = {}
    for run in runs:
        latest.setdefault((run.process_id, run.phase_id, run.activity_id), run)
    return list(latest.values())


def place_in_latest_runs(session: Session, progress: Progress = _noop) -> dict[str, int]:
    """Place new inputs in the newest run of every scope; returns ``{run id: placed}``."""
    out = {}
    for run in latest_runs(session):
        n = place_new_inputs(session, run)
        if n:
            out[str(run.id)] = n
    return out


def schedule_new_inputs(session: Session, created_by=None) -> Job:
    """Call after storing new inputs: they are embedded (when on) and placed in the newest runs.

    Queues at most one waiting job (the caller commits).
    """
    if embeddings_enabled():
        return schedule_embedding(session, created_by=created_by)
    if (job_id := _waiting_job(session, "themes.place")) is not None:
        return session.get(Job, job_id)
    return enqueue(session, "themes.place", {}, created_by=created_by)


def schedule_after_commit(session: Session, created_by=None) -> None:
    """Schedule grouping of inputs that are already committed, and commit the job.

    The inputs are stored and the person has been told so: a failure here is logged, never
    turned into an error for them (the next input or run picks the inputs up).
    """
    try:
        # Usually a job is already waiting: then only look, outside a transaction (one round trip, no
        # BEGIN and COMMIT), and the session starts none.
        kind = "themes.embed" if embeddings_enabled() else "themes.place"
        with session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            row = conn.execute(_WAITING, {"kind": kind}).first()
        if row is None or (row.payload or {}).get("run_id"):
            schedule_new_inputs(session, created_by=created_by)
        session.commit()
    except sa.exc.SQLAlchemyError:
        session.rollback()
        log.exception("could not schedule grouping of new inputs")


def schedule_placement(session: Session, run: ThemeRun, actor=None) -> Job:
    """Queue a ``themes.place`` job for ``run`` (the caller commits)."""
    return enqueue(session, "themes.place", {"run_id": run.id}, created_by=actor)


@task("themes.place")
def _place_task(session: Session, job: Job, progress: Progress) -> dict:
    """Place new inputs in one run (``run_id``) or in the newest run of every scope."""
    if not job.payload.get("run_id"):
        return {"placed": place_in_latest_runs(session, progress)}
    run = session.get(ThemeRun, job.payload["run_id"])
    if run is None:
        raise JobError(_l("Grupperingen finnes ikke lenger."))
    actor = None
    if job.created_by_id:
        from hearing.models import User

        actor = session.get(User, job.created_by_id)
    return {"run_id": run.id, "placed": place_new_inputs(session, run, actor, progress)}


# --- reviewers' changes ---------------------------------------------------------------------------


def check_editable(session: Session, run: ThemeRun, error: type[ThemeServiceError] = ThemeServiceError) -> None:
    """Reviewers change only a finished run that no later run of its scope has replaced, and not while a
    later run is computing (it read the decisions when it started: a move made meanwhile was lost in it)."""
    if run.job is not None and run.job.status != JobStatus.DONE:
        raise error(_l("Grupperingen er ikke ferdig ennå."))
    if not is_newest_of_its_scope(session, run):
        raise error(_l("Dette er en eldre gruppering, og endringer her ville ikke blitt med videre. "
                       "Gjør endringen i den nyeste grupperingen."))
    if newer_run_in_progress(session, run) is not None:
        raise error(_l("En ny gruppering kjører nå, og en endring her ville ikke blitt med i den. "
                       "Vent til den er ferdig, og gjør endringen der."))


def rename_theme(session: Session, actor, theme: Theme, name: str | None) -> Theme:
    """Give a theme the reviewer's name (empty: back to the automatic label); later runs keep it."""
    check_editable(session, theme.run)
    name = (name or "").strip()[:300] or None
    if name is not None and session.scalar(sa.select(Theme.id).where(
            Theme.run_id == theme.run_id, Theme.id != theme.id, Theme.merged_into_id.is_(None),
            sa.func.lower(sa.func.coalesce(Theme.name, Theme.guide_name, Theme.auto_label)) == name.lower()).limit(1)):
        raise ThemeServiceError(_l("Et annet tema heter allerede «%(name)s». Velg et annet navn, eller slå temaene sammen.",
                                   name=name))
    old = theme.name
    theme.name = name
    decisions.record(session, actor, DecisionKind.RENAME, process_id=theme.run.process_id, run_id=theme.run_id,
                     theme_id=theme.id, name=name, old=old)
    audit.record(session, actor, "theme.rename", theme, process_id=theme.run.process_id, old=old, new=name,
                 auto_label=theme.auto_label)
    return theme


def move_input(session: Session, actor, assignment: ThemeAssignment, theme: Theme) -> ThemeAssignment:
    """A reviewer puts an input in ``theme`` (kept by re-runs and used to train the suggestions)."""
    if theme.run_id != assignment.run_id:
        raise ThemeServiceError(_l("Temaet hører til en annen gruppering."))
    check_editable(session, theme.run)
    old = assignment.theme_id
    assignment.theme_id = theme.id
    assignment.theme = theme
    assignment.source = PlacementSource.MANUAL
    assignment.assigned_by_id = getattr(actor, "id", None)
    assignment.assigned_dt = utcnow()
    assignment.suggested_theme_id = None
    assignment.suggested_confidence = None
    assignment.confidence = None
    decisions.record(session, actor, DecisionKind.MOVE, process_id=theme.run.process_id, run_id=theme.run_id,
                     theme_id=theme.id, input_id=assignment.input_id, from_theme=old)
    audit.record(session, actor, "theme.move_input", assignment, process_id=theme.run.process_id,
                 input_id=assignment.input_id, from_theme=old, to_theme=theme.id)
    return assignment


def pin_input(session: Session, actor, assignment: ThemeAssignment, pinned: bool = True) -> ThemeAssignment:
    """Pin (confirm) an input where it is, or unpin it; a pinned input is never moved automatically."""
    check_editable(session, assignment.theme.run)
    assignment.is_pinned = bool(pinned)
    if pinned:
        assignment.assigned_by_id = getattr(actor, "id", None)
        assignment.assigned_dt = utcnow()
        assignment.suggested_theme_id = None
        assignment.suggested_confidence = None
    decisions.record(session, actor, DecisionKind.PIN if pinned else DecisionKind.UNPIN,
                     process_id=assignment.theme.run.process_id, run_id=assignment.run_id,
                     theme_id=assignment.theme_id, input_id=assignment.input_id)
    audit.record(session, actor, "theme.pin" if pinned else "theme.unpin", assignment,
                 process_id=assignment.theme.run.process_id, input_id=assignment.input_id,
                 theme_id=assignment.theme_id)
    return assignment


def _is_confirmed(a: ThemeAssignment) -> bool:
    return a.source in CONFIRMED or a.is_pinned


def suggest_for_unplaced(session: Session, run: ThemeRun, progress: Progress = _noop) -> int:
    """Store a suggested theme and its confidence for every input a reviewer has not placed.

    The :class:`~hearing.themes.ThemeSuggester` learns from the inputs reviewers moved or pinned.
    Returns how many suggestions were stored.
    """
    progress(10, _l("Leser plasseringene"))
    space = RunSpace.build(session, run)
    progress(60, _l("Lærer av det dere har bekreftet"))
    confirmed = [i for i, a in enumerate(space.assignments) if _is_confirmed(a)]
    classes = {space.assignments[i].theme_id for i in confirmed}
    if len(classes) < 2:
        raise ThemeServiceError(_l("Flytt eller fest innspill i minst to temaer først, så kan forslagene lære av dem."))
    suggester = themes.ThemeSuggester(random_state=RANDOM_STATE).fit(
        space.vectors[confirmed], [space.assignments[i].theme_id for i in confirmed]
    )
    rest = [i for i, a in enumerate(space.assignments) if not _is_confirmed(a)]
    if not rest:
        return 0
    theme_ids, conf = suggester.suggest(space.vectors[rest])
    for i, tid, c in zip(rest, theme_ids, conf, strict=True):
        a = space.assignments[i]
        a.suggested_theme_id = int(tid)
        a.suggested_confidence = float(np.clip(c, 0.0, 1.0))
    session.flush()
    return len(rest)


def accept_suggestion(session: Session, actor, assignment: ThemeAssignment) -> ThemeAssignment:
    """Accept the stored suggestion of one input."""
    if assignment.suggested_theme_id is None:
        raise ThemeServiceError(_l("Innspillet har ikke noe forslag."))
    check_editable(session, session.get(ThemeRun, assignment.run_id))
    _accept(assignment, actor)
    _record_confirm(session, actor, assignment)
    audit.record(session, actor, "theme.accept_suggestion", assignment, process_id=assignment.theme.run.process_id,
                 input_id=assignment.input_id, theme_id=assignment.theme_id)
    return assignment


def _record_confirm(session: Session, actor, a: ThemeAssignment, **payload) -> None:
    run = session.get(ThemeRun, a.run_id)
    decisions.record(session, actor, DecisionKind.CONFIRM, process_id=run.process_id, run_id=a.run_id,
                     theme_id=a.theme_id, input_id=a.input_id, **payload)


def _accept(a: ThemeAssignment, actor) -> None:
    a.theme_id = a.suggested_theme_id
    a.source = PlacementSource.SUGGESTED
    a.confidence = a.suggested_confidence
    a.suggested_theme_id = None
    a.suggested_confidence = None
    a.assigned_by_id = getattr(actor, "id", None)
    a.assigned_dt = utcnow()


def accept_suggestions(session: Session, actor, run: ThemeRun, min_confidence: float) -> int:
    """Accept every suggestion with at least ``min_confidence`` (0..1); suggests first if none are stored."""
    if not 0 <= min_confidence <= 1:
        raise ThemeServiceError(_l("Grensen må være mellom 0 og 100 %."))
    check_editable(session, run)
    has = session.scalar(sa.select(sa.func.count()).select_from(ThemeAssignment).where(
        ThemeAssignment.run_id == run.id, ThemeAssignment.suggested_theme_id.is_not(None)))
    if not has:
        suggest_for_unplaced(session, run)
    rows = session.scalars(sa.select(ThemeAssignment).where(
        ThemeAssignment.run_id == run.id,
        ThemeAssignment.suggested_theme_id.is_not(None),
        ThemeAssignment.suggested_confidence >= min_confidence,
    )).all()
    n = 0
    for a in rows:
        if _is_confirmed(a):
            continue
        _accept(a, actor)
        _record_confirm(session, actor, a, min_confidence=min_confidence)
        n += 1
    session.flush()
    session.expire_all()
    audit.record(session, actor, "theme.accept_suggestions", run, min_confidence=min_confidence, count=n)
    return n


# --- reading ------------------------------------------------------------------------------------


def theme_sizes(session: Session, run: ThemeRun) -> dict[int, int]:
    rows = session.execute(sa.select(ThemeAssignment.theme_id, sa.func.count()).where(
        ThemeAssignment.run_id == run.id).group_by(ThemeAssignment.theme_id))
    return dict(rows.all())


def inputs_by_id(session: Session, ids: Iterable[int]) -> dict[int, Input]:
    ids = list(ids)
    if not ids:
        return {}
    return {i.id: i for i in session.scalars(sa.select(Input).where(Input.id.in_(ids)))}
