"""Filing in the municipality's Noark 5 archive through KS Fiks Arkiv (arkivmelding opprett)."""

from flask import Blueprint

bp = Blueprint("archive", __name__, url_prefix="/archive")

from hearing.archive import views  # noqa: E402,F401
