"""The demo process, modelled on "Strategiplan Mestring og helse", with inputs from the dev data."""

from __future__ import annotations

import csv
import secrets
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hearing.admin import services
from hearing.core.text import slugify
from hearing.models import (
    Activity,
    Document,
    Input,
    InputSource,
    Process,
    Prompt,
    Section,
    Submission,
    User,
    utcnow,
)

DEMO_NAME = "Strategiplan Mestring og helse 2026–2037"
DEMO_SLUG = slugify(DEMO_NAME)

#: Demo staff accounts (listed in README.md).
DEMO_USERS = (
    ("admin@demo.kommune.no", "Ada Administrator", "admin", "demo-admin-2026"),
    ("fasilitator@demo.kommune.no", "Frida Fasilitator", "facilitator", "demo-fasilitator-2026"),
    ("kreativ@demo.kommune.no", "Kari Kreativ", "reviewer", "demo-kreativ-2026"),
)

#: Used when ../shared/data/dev.tsv is absent: a few inputs per kind of respondent.
BUILTIN_SAMPLE = [
    ("ansatt", "nb", "Vi trenger flere heltidsstillinger i hjemmetjenesten, mange går i små deltidsstillinger."),
    ("ansatt", "nb", "Velferdsteknologi som medisindispensere frigjør tid til samtaler med brukerne."),
    ("leder", "nb", "Det er vanskelig å rekruttere sykepleiere til helgevakter."),
    ("tillitsvalgt", "nb", "Heltidskultur må bygges sammen med de ansatte, ikke over hodet på dem."),
    ("innbygger", "nb", "Gratis turgrupper og svømming for pensjonister ville gjort mye."),
    ("innbygger", "nn", "Det trengst fleire møteplassar der eldre kan ete saman."),
    ("parorende", "nb", "Som pårørende trenger jeg avlastning og én fast kontaktperson."),
    ("parorende", "nb", "Min far med demens får besøk av for mange ulike ansatte hver uke."),
    ("innbygger", "da", "Der mangler et sted, hvor man bare kan komme forbi og få en kop kaffe."),
    ("rad", "nb", "Eldrerådet ber om at bussen til sykehjemmet går oftere og har plass til rullator."),
    ("rad", "nb", "Rådet for personer med funksjonsnedsettelse krever at digitale løsninger er universelt utformet."),
    ("organisasjon", "nb", "Frivilligsentralen kan bidra med besøksvenner og turgrupper."),
    ("samarbeidspartner", "nb", "Utskrivning fra sykehuset må planlegges sammen med kommunen i god tid."),
    ("innbygger", "en", "More activities for older people in the evenings, please."),
]

SOURCE_GROUP = {
    "innbygger": "Innbyggere",
    "parorende": "Pårørende",
    "ansatt": "Ansatte",
    "leder": "Ledere",
    "tillitsvalgt": "Tillitsvalgte",
    "rad": "Eldrerådet",
    "organisasjon": "Eksterne partnere",
    "samarbeidspartner": "Eksterne partnere",
}

#: The Danish demo process (``flask seed-demo --language da``): a Danish municipality's plan for the elderly.
DEMO_NAME_DA = "Strategiplan for ældre og sundhed 2026–2037"
DEMO_SLUG_DA = slugify(DEMO_NAME_DA)

BUILTIN_SAMPLE_DA = [
    ("ansatt", "da", "Vi har brug for flere fuldtidsstillinger i hjemmeplejen; mange arbejder på små deltidskontrakter."),
    ("ansatt", "da", "Velfærdsteknologi som medicinrobotter frigør tid til samtaler med borgerne."),
    ("leder", "da", "Det er svært at rekruttere sygeplejersker til weekendvagter."),
    ("tillitsvalgt", "da", "En fuldtidskultur skal bygges sammen med medarbejderne, ikke hen over hovedet på dem."),
    ("innbygger", "da", "Gratis gåhold og svømning for pensionister ville gøre en stor forskel."),
    ("innbygger", "da", "Der mangler et sted, hvor man bare kan komme forbi og få en kop kaffe og en snak."),
    ("parorende", "da", "Som pårørende har jeg brug for aflastning og én fast kontaktperson."),
    ("parorende", "da", "Min far med demens får besøg af alt for mange forskellige medarbejdere hver uge."),
    ("innbygger", "da", "Flere fællesspisninger i lokalcentrene, så ældre ikke spiser alene."),
    ("rad", "da", "Ældrerådet ønsker, at bussen til plejecentret kører oftere og har plads til rollatorer."),
    ("rad", "da", "Handicaprådet kræver, at kommunens digitale løsninger er tilgængelige for alle."),
    ("organisasjon", "da", "Frivilligcentret kan bidrage med besøgsvenner og gåhold."),
    ("samarbeidspartner", "da", "Udskrivning fra hospitalet skal planlægges sammen med kommunen i god tid."),
    ("innbygger", "en", "More activities for older people in the evenings, please."),
]

HEARING_SECTIONS_DA = [
    (1, "1", "Indledning", "Strategiplanen viser retningen for sundhed og mestring i kommunen frem mod 2037."),
    (1, "2", "Her er vi", "Flere ældre og færre hænder: antallet af borgere over 80 år fordobles, mens andelen i den erhvervsaktive alder falder."),
    (2, "2.1", "Fuldtid og bemanding", "Halvdelen af medarbejderne i sundhed og omsorg arbejder på deltid."),
    (1, "3", "Sådan vil vi have det", "Borgerne mestrer eget liv længst muligt med trygge tilbud, når de har brug for dem."),
    (1, "4", "Sådan kommer vi derhen", "Vi satser på forebyggelse, velfærdsteknologi, en fuldtidskultur og et godt samarbejde med pårørende og frivillige."),
]

#: The demo's texts per language: process, activities, prompts and the hearing document.
DEMO_TEXTS = {
    "nb": {
        "name": DEMO_NAME, "service_area": "Helse og mestring", "owner": "Kommunalsjef for helse og mestring",
        "description": "Hvordan skal vi møte flere eldre og færre hender? Vi vil høre fra innbyggere, pårørende, ansatte, råd og partnere.",
        "workshop": "Oppstartsverksted med tjenesteledere", "location": "Rådhuset, sal 2",
        "workshop_prompts": ("Hva er de største utfordringene i tjenestene i dag?", "Hvordan vil vi ha det i 2037?"),
        "suggestions": "Forslagskasse: Hva skal til for å mestre livet lenger hjemme?",
        "survey": "Spørreundersøkelse til enhetsledere",
        "survey_prompts": ("Hvor godt dekker strategiene utfordringene i din enhet?", "Hvilket satsningsområde er viktigst?",
                           ("Heltidskultur", "Velferdsteknologi", "Forebygging", "Pårørende"), "Hva mangler i strategiene?"),
        "councils": "Høring i rådene: strategiutkast 3",
        "public_hearing": "Offentlig høring: Strategiplan Mestring og helse",
        "hearing_description": "Les utkastet og si hva du mener. Du kan kommentere hvert avsnitt.",
        "document": "Strategiplan Mestring og helse 2026–2037 – høringsutkast",
        "sections": None, "table": "Bord %d",
    },
    "da": {
        "name": DEMO_NAME_DA, "service_area": "Sundhed og omsorg", "owner": "Direktør for sundhed og omsorg",
        "description": "Hvordan møder vi flere ældre med færre hænder? Vi vil høre fra borgere, pårørende, medarbejdere, råd og samarbejdspartnere.",
        "workshop": "Opstartsworkshop med ledere i hjemmeplejen", "location": "Rådhuset, mødesal 2",
        "workshop_prompts": ("Hvad er de største udfordringer i tilbuddene i dag?", "Hvordan vil vi have det i 2037?"),
        "suggestions": "Forslagskasse: Hvad skal der til for at klare sig længere i eget hjem?",
        "survey": "Spørgeskema til ledere",
        "survey_prompts": ("Hvor godt dækker strategierne udfordringerne i din enhed?", "Hvilket indsatsområde er vigtigst?",
                           ("Fuldtidskultur", "Velfærdsteknologi", "Forebyggelse", "Pårørende"), "Hvad mangler i strategierne?"),
        "councils": "Høring i rådene: strategiudkast 3",
        "public_hearing": "Offentlig høring: Strategiplan for ældre og sundhed",
        "hearing_description": "Læs udkastet, og sig, hvad du mener. Du kan kommentere hvert afsnit.",
        "document": "Strategiplan for ældre og sundhed 2026–2037 – høringsudkast",
        "sections": HEARING_SECTIONS_DA, "table": "Bord %d",
    },
}

HEARING_SECTIONS = [
    (1, "1", "Innledning", "Strategiplanen viser retningen for helse og mestring i kommunen fram mot 2037."),
    (1, "2", "Her er vi", "Flere eldre, færre hender: antallet innbyggere over 80 år dobles, mens andelen i arbeidsfør alder synker."),
    (2, "2.1", "Heltid og bemanning", "Halvparten av de ansatte i helse og mestring jobber deltid."),
    (1, "3", "Slik vil vi ha det", "Innbyggerne mestrer eget liv lengst mulig, med trygge tjenester når de trenger dem."),
    (1, "4", "Slik kommer vi dit", "Vi satser på forebygging, velferdsteknologi, heltidskultur og et godt samarbeid med pårørende og frivillige."),
]


def _read_rows(path: str | None, language: str = "nb") -> list[tuple[str, str, str]]:
    if language == "da":
        # The Danish demo: the built-in Danish sample and the development data's Danish inputs.
        rows = list(BUILTIN_SAMPLE_DA)
        if path and Path(path).is_file():
            with open(path, encoding="utf-8", newline="") as f:
                reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
                rows += [(r["source"], r["lang"], r["text"]) for r in reader if r.get("text") and r.get("lang") == "da"]
        return rows
    if path and Path(path).is_file():
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            return [(r["source"], r["lang"], r["text"]) for r in reader if r.get("text")]
    return list(BUILTIN_SAMPLE)


def _ensure_users(session: Session) -> int:
    made = 0
    for email, name, role, password in DEMO_USERS:
        if session.scalar(sa.select(User.id).where(User.email == email)) is None:
            services.create_user(session, None, {"email": email, "name": name, "role": role, "password": password})
            made += 1
    return made


def seed_demo(session: Session, data_path: str | None, language: str = "nb") -> str:
    """Create demo accounts and the demo process once; a second call changes nothing.

    ``language`` "da" makes the Danish demo process (written in Danish, with Danish inputs) instead.
    """
    from hearing.content import standard_name

    texts = DEMO_TEXTS["da" if language == "da" else "nb"]
    language = "da" if language == "da" else "nb"
    users = _ensure_users(session)
    if session.scalar(sa.select(Process.id).where(Process.slug == slugify(texts["name"]))):
        return f"Demoprosessen finnes allerede ({users} nye brukere)."
    admin = session.scalar(sa.select(User).where(User.email == DEMO_USERS[0][0]))
    now = utcnow()
    today = now.date()
    start = date(today.year, 1, 1)
    process = services.create_process(
        session,
        admin,
        {
            "name": texts["name"],
            "service_area": texts["service_area"],
            "owner": texts["owner"],
            "description": texts["description"],
            "language": language,
            "start_date": start,
            "end_date": date(today.year + 1, 6, 30),
            "retention_months": 24,
            "is_public": True,
        },
        [
            {"name": standard_name(name, language), "start_date": start + timedelta(days=90 * i), "end_date": start + timedelta(days=90 * i + 89)}
            for i, name in enumerate(("Her er vi", "Slik vil vi ha det", "Slik kommer vi dit", "Fra ord til handling"))
        ],
    )
    services.add_standard_groups(session, admin, process)
    # Looked up by their bokmål names, whatever language the process is written in.
    groups = {name: g for name in {*SOURCE_GROUP.values(), "Rådet for personer med funksjonsnedsettelse", "Ungdomsrådet"}
              for g in process.groups if g.name == standard_name(name, language)}
    ph = process.phases

    def activity(**data) -> Activity:
        return services.create_activity(session, admin, process, data)

    workshop = activity(
        kind="workshop", title=texts["workshop"], phase_id=ph[0].id, audience="invited",
        group_ids=[groups["Ansatte"].id, groups["Ledere"].id, groups["Tillitsvalgte"].id],
        opens_dt=now - timedelta(days=60), closes_dt=now - timedelta(days=60) + timedelta(hours=3), location=texts["location"],
    )
    for text in texts["workshop_prompts"]:
        services.add_prompt(session, admin, workshop, {"text": text, "question_type": "free_text"})
    suggestions = activity(
        kind="suggestions", title=texts["suggestions"], phase_id=ph[1].id,
        audience="public", opens_dt=now - timedelta(days=30), closes_dt=now + timedelta(days=30),
    )
    survey = activity(
        kind="survey", title=texts["survey"], phase_id=ph[1].id, audience="invited",
        group_ids=[groups["Ledere"].id], opens_dt=now - timedelta(days=10), closes_dt=now + timedelta(days=20),
    )
    rating, choice, options, free = texts["survey_prompts"]
    services.add_prompt(session, admin, survey, {"text": rating, "question_type": "rating", "is_required": True})
    services.add_prompt(session, admin, survey, {"text": choice, "question_type": "single_choice", "options": list(options)})
    services.add_prompt(session, admin, survey, {"text": free, "question_type": "free_text"})
    councils = activity(
        kind="hearing", title=texts["councils"], phase_id=ph[2].id, audience="invited",
        group_ids=[groups[n].id for n in ("Eldrerådet", "Rådet for personer med funksjonsnedsettelse", "Ungdomsrådet")],
        opens_dt=now - timedelta(days=20), closes_dt=now + timedelta(days=25),
    )
    public_hearing = activity(
        kind="hearing", title=texts["public_hearing"], phase_id=ph[2].id, audience="public",
        is_plan_hearing=True, opens_dt=now - timedelta(days=7), closes_dt=now + timedelta(weeks=6),
        description=texts["hearing_description"],
    )
    for act in (councils, public_hearing):
        doc = Document(activity=act, title=texts["document"])
        doc.sections = [Section(position=i, level=lvl, number=num, title=t, body=b)
                        for i, (lvl, num, t, b) in enumerate(texts["sections"] or HEARING_SECTIONS, 1)]
        session.add(doc)
    session.flush()

    rows = _read_rows(data_path, language)
    tag = "demo" if language == "nb" else f"demo-{language}"  # keys and references apart from the bokmål demo's
    workshop_prompts: list[Prompt] = list(workshop.prompts)
    counter = 0
    for n, (source, lang, text) in enumerate(rows, start=1):
        group = groups[SOURCE_GROUP.get(source, "Innbyggere")]
        if source in ("ansatt", "leder", "tillitsvalgt"):
            session.add(Input(
                activity=workshop, group=group, source=InputSource.WORKSHOP, text=text, lang=lang,
                prompt=workshop_prompts[n % 2], table_label=texts["table"] % (n % 6 + 1), import_key=f"{tag}:{n}",
            ))
            continue
        target = councils if source == "rad" else suggestions if source in ("innbygger", "parorende") else public_hearing
        counter += 1
        submission = Submission(
            activity=target, group=group, reference=f"{tag.upper()}-{counter:05d}", submission_key=f"{tag}-{n}",
            edit_token_hash=secrets.token_hex(32), consent=("with_name", "without_name", "not_published")[n % 3],
            on_behalf_of=group.name if source == "rad" else None, submitted_dt=now - timedelta(days=n % 19),
            # most are approved for publication; every fourth waits in the moderation queue
            moderation="pending" if n % 4 == 0 else "approved",
        )
        session.add(submission)
        session.add(Input(
            activity=target, submission=submission, group=group, text=text, lang=lang, import_key=f"{tag}:{n}",
            section=target.document.sections[n % len(target.document.sections)] if target.kind == "hearing" else None,
        ))
    session.flush()
    total = session.scalar(sa.select(sa.func.count(Input.id)).join(Activity).where(Activity.process_id == process.id))
    return f"Demoprosessen er lastet: {total} innspill, {users} nye brukere."
