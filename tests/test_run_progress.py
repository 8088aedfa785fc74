"""A run over inputs without embeddings stores its progress from start to end: the embeddings it computes
itself, counted batch by batch, then every stage up to "Ferdig" (bench/run_progress.py measures it at 10k)."""

from __future__ import annotations

import sqlalchemy as sa

from hearing.extensions import db
from hearing.grouping import service
from hearing.jobs import readable, run_job
from hearing.models import InputEmbedding, ThemeRun
from tests.test_theme_runs import world  # noqa: F401  (the fixture)


def test_a_run_without_embeddings_stores_progress_from_start_to_end(app, world, monkeypatch):  # noqa: F811
    process, _activity, reviewer = world
    app.config["THEMES_EMBEDDINGS"] = True
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InputEmbedding)) == 0
    run = service.start_run(db.session, reviewer, process, n_themes=3)  # what the page's button calls
    db.session.commit()
    seen: list[tuple[int, str]] = []
    from hearing import jobs

    real_store = jobs._store

    def recording_store(job_id, *, wait=True, **values):  # every step the job stores, as the run page reads it
        real_store(job_id, wait=wait, **values)
        if "progress" in values:
            seen.append((values["progress"], readable(values.get("message", ""))))

    monkeypatch.setattr(jobs, "_store", recording_store)
    assert run_job(run.job_id, app)
    db.session.expire_all()
    run = db.session.get(ThemeRun, run.id)
    assert run.job.status == "done" and run.stats["method"] == "embeddings" and run.stats["n_embedded_in_run"] == 36
    percents = [p for p, _m in seen]
    messages = [m for _p, m in seen]
    assert percents == sorted(percents) and percents[-1] == 100, seen  # never backwards, to the end
    counted = [m for m in messages if m.startswith("Beregner innholdsvektorer")]
    assert counted[0] == "Beregner innholdsvektorer 0 av 36" and len(counted) >= 2, messages
    for stage in ("Grupperer 36 innspill", "Lagrer temaer", "Finner mulige duplikater"):
        assert stage in messages, " | ".join(f"{p} {m}" for p, m in seen)
    # the engine's longest stage (reduction, choice of the number of themes) moves on its own
    finding = {p for p, m in seen if m.startswith("Finner temaene")}
    assert len(finding) >= 3 and min(finding) >= 66 and max(finding) <= 75, seen
