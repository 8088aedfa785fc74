"""Writing routes of the JSON API: a batch of responses into an activity, and confirmed placements."""

from __future__ import annotations

from flask import g
from sqlalchemy.exc import IntegrityError

from hearing.actions import commit
from hearing.api import operations, services
from hearing.api import schemas as s
from hearing.api.auth import api_user, not_found, token_required
from hearing.api.problems import Problem
from hearing.api.views import blp
from hearing.extensions import db
from hearing.forms import local_zone
from hearing.grouping.service import schedule_after_commit
from hearing.models import Activity, ApiScope, Process, utcnow


@blp.route("/activities/<int:activity_id>/imports", methods=["POST"], tags=["Import"])
@token_required(ApiScope.IMPORT)
@not_found
@blp.arguments(s.ImportBatchSchema)
@blp.response(201, s.ImportResultSchema)
def import_responses(data: dict, activity_id: int):
    """Importer svar / Import responses

    The same rules as the import page: one submission per response, free text becomes inputs,
    ratings (1–5) and choices become answers. A response is known by its time and its answers per
    question, so sending the same batch again adds nothing (counted as duplicates). Everything is
    checked first; on an error nothing is stored.
    """
    activity = services.get_or_404(db.session, Activity, activity_id, "Aktivitet", "Activity")
    try:
        result = operations.import_batch(db.session, api_user(), g.api_token, activity, data, zone=local_zone(),
                                         now=utcnow())
        commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Problem("conflict", "Noen andre importerte de samme svarene samtidig. Send forespørselen på nytt; "
                      "svar som finnes, hoppes over.", "Someone imported the same responses at the same time. "
                      "Send the request again; responses that exist are skipped.") from exc
    except Exception:
        db.session.rollback()
        raise
    if result["rows"]:
        schedule_after_commit(db.session)
    return result


@blp.route("/processes/<int:process_id>/placements/confirm", methods=["POST"], tags=["Temaer / Themes"])
@token_required(ApiScope.PLACEMENTS)
@not_found
@blp.arguments(s.ConfirmBatchSchema)
@blp.response(200, s.ConfirmResultSchema)
def confirm_placements(data: dict, process_id: int):
    """Bekreft plasseringer / Confirm placements

    For each input of the current run: without theme_id (or with its own theme) it is confirmed where
    it is; with the theme the engine suggested, the suggestion is accepted; with another theme it is
    moved there. Each is a decision of the review group that later runs obey. All or nothing.
    """
    process = services.get_or_404(db.session, Process, process_id, "Prosess", "Process")
    try:
        outcome = operations.confirm_placements(db.session, api_user(), g.api_token, process, data["placements"])
        result = {"run_id": outcome.run_id, "confirmed": outcome.confirmed, "moved": outcome.moved,
                  "unchanged": outcome.unchanged, "placements": [services.placement_dict(a) for a in outcome.placements]}
        commit()
    except Exception:
        db.session.rollback()
        raise
    return result
