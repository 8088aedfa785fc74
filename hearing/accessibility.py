"""The accessibility statement (tilgjengelighetserklæring): what the organisation states about its
installation, the status of each WCAG 2.1 criterion that applies (47 in Norway, 50 in Denmark), and the
replies to problems people report. Plain functions that take a session; views commit.

The statement follows the rules of one country (``AccessibilityStatement.country``): in Norway the
regulation on universal design of ICT, the official statement in uustatus.no and complaints to
Diskrimineringsnemnda; in Denmark webtilgængelighedsloven (EN 301 549), the official statement in
Digitaliseringsstyrelsen's WAS-Tool and complaints to Digitaliseringsstyrelsen.

Nothing here claims a criterion is met unless an administrator has set it to "met": a criterion
nobody has assessed is "not tested", and the statement's summary counts them as such.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hearing import audit
from hearing.core.errors import DomainError
from hearing.models import (
    AccessibilityCriterion,
    AccessibilityReply,
    AccessibilityReport,
    AccessibilityStatement,
    User,
    utcnow,
)

#: The WCAG 2.1 success criteria at levels A and AA that the Norwegian regulation requires: all 50
#: except 1.2.3, 1.2.4 and 1.2.5 (audio description and live captions), 47 in all.
CRITERIA: tuple[tuple[str, str, Any], ...] = (
    ("1.1.1", "A", _l("Ikke-tekstlig innhold")),
    ("1.2.1", "A", _l("Bare lyd og bare video (forhåndsinnspilt)")),
    ("1.2.2", "A", _l("Teksting (forhåndsinnspilt)")),
    ("1.3.1", "A", _l("Informasjon og relasjoner")),
    ("1.3.2", "A", _l("Meningsbærende rekkefølge")),
    ("1.3.3", "A", _l("Sensoriske egenskaper")),
    ("1.3.4", "AA", _l("Visningsretning")),
    ("1.3.5", "AA", _l("Identifiser formål med inndata")),
    ("1.4.1", "A", _l("Bruk av farge")),
    ("1.4.2", "A", _l("Styring av lyd")),
    ("1.4.3", "AA", _l("Kontrast (minimum)")),
    ("1.4.4", "AA", _l("Endring av tekststørrelse")),
    ("1.4.5", "AA", _l("Bilder av tekst")),
    ("1.4.10", "AA", _l("Dynamisk tilpasning (Reflow)")),
    ("1.4.11", "AA", _l("Kontrast for ikke-tekstlig innhold")),
    ("1.4.12", "AA", _l("Tekstavstand")),
    ("1.4.13", "AA", _l("Pekerfølsomt innhold eller innhold ved tastaturfokus")),
    ("2.1.1", "A", _l("Tastatur")),
    ("2.1.2", "A", _l("Ingen tastaturfelle")),
    ("2.1.4", "A", _l("Hurtigtaster som består av ett tegn")),
    ("2.2.1", "A", _l("Justerbar hastighet")),
    ("2.2.2", "A", _l("Pause, stopp, skjul")),
    ("2.3.1", "A", _l("Terskelverdi på maksimalt tre glimt")),
    ("2.4.1", "A", _l("Hoppe over blokker")),
    ("2.4.2", "A", _l("Sidetitler")),
    ("2.4.3", "A", _l("Fokusrekkefølge")),
    ("2.4.4", "A", _l("Formål med lenke (i kontekst)")),
    ("2.4.5", "AA", _l("Flere måter")),
    ("2.4.6", "AA", _l("Overskrifter og ledetekster")),
    ("2.4.7", "AA", _l("Synlig fokus")),
    ("2.5.1", "A", _l("Pekerbevegelser")),
    ("2.5.2", "A", _l("Pekeravbrytelse")),
    ("2.5.3", "A", _l("Ledetekst i navn")),
    ("2.5.4", "A", _l("Bevegelsesaktivering")),
    ("3.1.1", "A", _l("Språk på siden")),
    ("3.1.2", "AA", _l("Språk på deler av innhold")),
    ("3.2.1", "A", _l("Fokus")),
    ("3.2.2", "A", _l("Inndata")),
    ("3.2.3", "AA", _l("Konsekvent navigering")),
    ("3.2.4", "AA", _l("Konsekvent identifikasjon")),
    ("3.3.1", "A", _l("Identifikasjon av feil")),
    ("3.3.2", "A", _l("Ledetekster eller instruksjoner")),
    ("3.3.3", "AA", _l("Forslag ved feil")),
    ("3.3.4", "AA", _l("Forhindring av feil (juridiske feil, økonomiske feil, datafeil)")),
    ("4.1.1", "A", _l("Parsing (oppdeling)")),
    ("4.1.2", "A", _l("Navn, rolle, verdi")),
    ("4.1.3", "AA", _l("Statusbeskjeder")),
)
NUMBERS = tuple(number for number, _level, _name in CRITERIA)
#: The three criteria on audio description and live captions that Denmark's rules (EN 301 549) require
#: and Norway's do not: in Denmark all 50 criteria at levels A and AA apply.
DANISH_ONLY: tuple[tuple[str, str, Any], ...] = (
    ("1.2.3", "A", _l("Synstolking eller mediealternativ (forhåndsinnspilt)")),
    ("1.2.4", "AA", _l("Teksting (direkte)")),
    ("1.2.5", "AA", _l("Synstolking (forhåndsinnspilt)")),
)

#: The countries whose rules a statement can follow.
COUNTRIES = {"no": _l("Norge"), "dk": _l("Danmark")}


def _order(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split("."))


def criteria_of(country: str) -> tuple[tuple[str, str, Any], ...]:
    """The success criteria that apply in ``country``, in WCAG order."""
    if country != "dk":
        return CRITERIA
    return tuple(sorted(CRITERIA + DANISH_ONLY, key=lambda c: _order(c[0])))

STATUSES = {
    "met": _l("Oppfylt"),
    "partly": _l("Delvis oppfylt"),
    "not_met": _l("Ikke oppfylt"),
    "not_tested": _l("Ikke kontrollert"),
    "not_applicable": _l("Ikke relevant"),
}
#: Statuses that need the deviation and its consequences written down.
NEEDS_DEVIATION = ("partly", "not_met")

#: Where a person who is not satisfied with the reply can complain: (name, address).
COMPLAINT_BODIES = {
    "diskrimineringsnemnda": (_l("Diskrimineringsnemnda"), "https://www.diskrimineringsnemnda.no/"),
    "uutilsynet": (_l("Tilsynet for universell utforming av IKT"), "https://www.uutilsynet.no/"),
    # In Denmark a person who gets no satisfying reply within 10 working days turns to the supervisory
    # authority, Digitaliseringsstyrelsen (webtilgængelighedsloven; Ligebehandlingsnævnet does not hear these).
    "digitaliseringsstyrelsen": (_l("Digitaliseringsstyrelsen"),
                                 "https://digst.dk/digital-inklusion/webtilgaengelighed/oplever-du-ikke-tilgaengeligt-indhold/"),
}
#: The country whose complaint route each body is.
COMPLAINT_COUNTRY = {"diskrimineringsnemnda": "no", "uutilsynet": "no", "digitaliseringsstyrelsen": "dk"}
#: The complaint body a new statement names, per country.
DEFAULT_COMPLAINT = {"no": "diskrimineringsnemnda", "dk": "digitaliseringsstyrelsen"}
UUSTATUS = "https://uustatus.no/"
#: Where the official statement is published, per country: Digdir's uustatus.no, Digitaliseringsstyrelsen's WAS-Tool.
OFFICIAL = {"no": UUSTATUS, "dk": "https://was.digst.dk/"}
#: Digits of the organisation number: the Norwegian organisasjonsnummer, the Danish CVR number.
ORG_DIGITS = {"no": 9, "dk": 8}

#: What the platform's own tests have not shown, until an administrator says otherwise.
KNOWN_DEVIATIONS = {
    "1.1.1": ("partly", _l("Vedlegg som innbyggere laster opp, kontrollerer vi ikke for universell utforming."),
              _l("Vedlegg vises bare for kommunens ansatte, ikke på offentlige sider.")),
    "1.3.1": ("partly", _l("PDF-filer som løsningen lager, er merket for skjermlesere så langt verktøyet vi bruker støtter det, men er ikke kontrollert manuelt."),
              _l("Word- og Markdown-filene med samme innhold har ekte overskrifter og tabeller.")),
    "3.1.2": ("partly", _l("Språket i hvert innspill gjettes ut fra teksten og kan være feil for korte innspill; en saksbehandler kan rette det."),
              _l("En skjermleser kan lese et kort innspill med feil uttale.")),
    "4.1.2": ("not_tested", _l("Sidene er testet automatisk og med tastatur, men ennå ikke med skjermleser av en bruker."),
              _l("Testing med skjermleser sammen med rådet for personer med funksjonsnedsettelse er planlagt.")),
}


class StatementError(DomainError, ValueError):
    """Bad input; ``errors`` maps a field name to its message (lazy, in the reader's language)."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__("invalid accessibility statement", errors=errors)


@dataclass
class Criterion:
    number: str
    level: str
    name: Any
    status: str
    deviation: str
    consequence: str
    plan: str

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)

    @property
    def field_id(self) -> str:
        return "c-" + self.number.replace(".", "-")


def default_country() -> str:
    """Denmark for an installation whose default language is Danish, else Norway."""
    from flask import current_app, has_app_context

    return "dk" if has_app_context() and current_app.config.get("BABEL_DEFAULT_LOCALE") == "da" else "no"


def statement(session: Session) -> AccessibilityStatement:
    """The stored statement, or an unsaved one with the defaults."""
    row = session.scalar(sa.select(AccessibilityStatement).order_by(AccessibilityStatement.id).limit(1))
    if row is not None:
        return row
    country = default_country()
    return AccessibilityStatement(country=country, organisation="", org_number="", covered_url="", uustatus_url="",
                                  contact_email="", contact_phone="", reply_days=10, complaint_body=DEFAULT_COMPLAINT[country],
                                  test_notes="", last_tested=None)


def criteria(session: Session, country: str | None = None) -> list[Criterion]:
    """Every criterion that applies in ``country`` (default: the statement's) with its stored status, or the
    default (a known deviation, else not tested)."""
    if country is None:
        country = statement(session).country or "no"
    stored = {c.number: c for c in session.scalars(sa.select(AccessibilityCriterion))}
    out = []
    for number, level, name in criteria_of(country):
        row = stored.get(number)
        if row is not None:
            out.append(Criterion(number, level, name, row.status, row.deviation, row.consequence, row.plan))
        else:
            status, deviation, consequence = KNOWN_DEVIATIONS.get(number, ("not_tested", "", ""))
            out.append(Criterion(number, level, name, status, str(deviation), str(consequence), ""))
    return out


def summary(items: list[Criterion]) -> dict[str, int]:
    counts = Counter(c.status for c in items)
    return {status: counts.get(status, 0) for status in STATUSES}


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ]{5,18}[0-9]$")


def save(session: Session, actor: User | None, data: dict[str, Any], items: dict[str, dict[str, str]]) -> AccessibilityStatement:
    """Validate and store the statement and the criteria; audited. Raises StatementError with every problem."""
    errors: dict[str, Any] = {}
    country = data.get("country") or "no"
    if country not in COUNTRIES:
        errors["country"] = _l("Velg landet som erklæringen følger reglene i.")
        country = "no"
    org_number = re.sub(r"\s", "", data.get("org_number") or "")
    if org_number and not (org_number.isdigit() and len(org_number) == ORG_DIGITS[country]):
        errors["org_number"] = (_l("Skriv CVR-nummeret med 8 sifre.") if country == "dk"
                                else _l("Skriv organisasjonsnummeret med 9 sifre (et dansk CVR-nummer har 8)."))
    covered = (data.get("covered_url") or "").strip()
    if covered and not covered.startswith(("https://", "http://")):
        errors["covered_url"] = _l("Skriv hele adressen, for eksempel https://medvirkning.kommune.no.")
    uustatus = (data.get("uustatus_url") or "").strip()
    if uustatus and not uustatus.startswith(OFFICIAL[country]):
        errors["uustatus_url"] = (_l("Lenken til erklæringen i WAS-Tool må begynne med https://was.digst.dk/.") if country == "dk"
                                  else _l("Lenken til erklæringen i uustatus.no må begynne med https://uustatus.no/."))
    email = (data.get("contact_email") or "").strip()
    if email and not _EMAIL.match(email):
        errors["contact_email"] = _l("Skriv en gyldig e-postadresse, eller la feltet stå tomt.")
    phone = " ".join((data.get("contact_phone") or "").split())
    if phone and not _PHONE.match(phone):
        errors["contact_phone"] = _l("Skriv telefonnummeret med sifre, for eksempel +45 12 34 56 78.")
    elif country == "dk" and not (phone and email):
        errors["contact_phone" if not phone else "contact_email"] = _l(
            "En dansk tilgjengelighetserklæring må ha både et telefonnummer og en e-postadresse for tilbakemeldinger.")
    reply_days = data.get("reply_days")
    if not isinstance(reply_days, int) or not 1 <= reply_days <= 60:
        errors["reply_days"] = _l("Oppgi svartiden som et helt antall virkedager mellom 1 og 60.")
    last_tested = data.get("last_tested")
    if isinstance(last_tested, date) and last_tested > utcnow().date():
        errors["last_tested"] = _l("Datoen for siste test kan ikke være fram i tid.")
    complaint = data.get("complaint_body") or DEFAULT_COMPLAINT[country]
    if complaint not in COMPLAINT_BODIES:
        errors["complaint_body"] = _l("Velg hvor en klage skal sendes.")
    elif COMPLAINT_COUNTRY[complaint] != country:
        errors["complaint_body"] = (_l("Klager på danske nettsteder går til Digitaliseringsstyrelsen.") if country == "dk"
                                    else _l("Velg en klageinstans i Norge: Diskrimineringsnemnda eller Tilsynet for universell utforming av IKT."))
    numbers = [number for number, _level, _name in criteria_of(country)]
    for number in numbers:
        item = items.get(number) or {}
        status = item.get("status") or "not_tested"
        field = "c-" + number.replace(".", "-")
        if status not in STATUSES:
            errors[field + "-status"] = _l("Velg en status for %(number)s.", number=number)
        elif status in NEEDS_DEVIATION and not (item.get("deviation") or "").strip():
            errors[field + "-deviation"] = _l("Beskriv avviket for %(number)s.", number=number)
        elif status in NEEDS_DEVIATION and not (item.get("consequence") or "").strip():
            errors[field + "-consequence"] = _l("Skriv hva avviket for %(number)s betyr for brukerne.", number=number)
    if errors:
        raise StatementError(errors)

    row = session.scalar(sa.select(AccessibilityStatement).order_by(AccessibilityStatement.id).limit(1))
    if row is None:
        row = AccessibilityStatement()
        session.add(row)
    values = {"country": country, "organisation": (data.get("organisation") or "").strip()[:200], "org_number": org_number,
              "covered_url": covered[:500], "uustatus_url": uustatus[:500], "contact_email": email[:254], "contact_phone": phone[:40],
              "reply_days": reply_days, "complaint_body": complaint, "last_tested": last_tested,
              "test_notes": (data.get("test_notes") or "").strip()}
    changed = {k: v for k, v in values.items() if getattr(row, k, None) != v}
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_dt = utcnow()
    stored = {c.number: c for c in session.scalars(sa.select(AccessibilityCriterion))}
    changed_criteria = {}
    for number in numbers:
        item = items.get(number) or {}
        new = {"status": item.get("status") or "not_tested", "deviation": (item.get("deviation") or "").strip(),
               "consequence": (item.get("consequence") or "").strip(), "plan": (item.get("plan") or "").strip()}
        crit = stored.get(number)
        if crit is None:
            crit = AccessibilityCriterion(number=number)
            session.add(crit)
        if any(getattr(crit, k, None) != v for k, v in new.items()):
            changed_criteria[number] = new["status"]
            for key, value in new.items():
                setattr(crit, key, value)
            crit.updated_dt = utcnow()
    session.flush()
    audit.record(session, actor, "accessibility.statement", row,
                 changed={k: str(v) for k, v in changed.items()}, criteria=changed_criteria)
    return row


# --- replies to reported problems ----------------------------------------------------------------


def replies(session: Session, report: AccessibilityReport) -> list[AccessibilityReply]:
    return list(session.scalars(sa.select(AccessibilityReply).where(AccessibilityReply.report_id == report.id)
                                .order_by(AccessibilityReply.created_dt, AccessibilityReply.id)))


def reply(session: Session, actor: User, report: AccessibilityReport, body: str, *, send: bool,
          handled: bool) -> AccessibilityReply:
    """Record a reply (and queue it as an e-mail to the reporter when asked and possible); audited."""
    body = (body or "").strip()
    if not body:
        raise StatementError({"body": _l("Skriv svaret.")})
    if len(body) > 5000:
        raise StatementError({"body": _l("Skriv høyst %(max)d tegn.", max=5000)})
    emailed = False
    if send and report.email:
        from hearing.mail import queue_mail

        queue_mail(session, to=report.email, template="accessibility_reply", lang=report.lang or "nb",
                   kind="accessibility_reply", body=body, page=report.page, description=report.description,
                   organisation=statement(session).organisation)
        emailed = True
    entry = AccessibilityReply(report_id=report.id, author_id=actor.id if actor else None, body=body, emailed=emailed)
    session.add(entry)
    if handled and report.handled_dt is None:
        report.handled_dt = utcnow()
    session.flush()
    audit.record(session, actor, "accessibility_report.reply", report, emailed=emailed, handled=bool(report.handled_dt))
    return entry
