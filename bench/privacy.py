"""Measure the personal-data finder (hearing/privacy/detect.py).

Two parts:

1. ``../shared/data/dev.tsv`` (relative to the repository root): recall and
   precision per kind at the text level. A text counts as found for kind K
   when the detector finds K anywhere in it; the truth is the ``pii`` column.
   The detector's kinds are mapped onto the data set's names:

   * ``fnr`` -> fnr; ``hnr`` -> fnr (an H-number, or a NAV/Dolly synthetic
     number with month + 40, stands in for a fødselsnummer); ``cpr`` -> fnr
     (the Danish personnummer is the Danish counterpart of a fødselsnummer);
   * ``dnr`` -> dnr (a D-nummer, also a Tenor synthetic one with day + 40);
   * ``tlf``, ``epost``, ``navn`` -> the same names.

   The row ``id`` counts fnr and dnr together (was an identity number found,
   whatever its kind).

2. A generated set (fixed seed): a few hundred look-alike numbers in short
   sentences, per look-alike kind, with the number of texts where anything was
   flagged (false positives, target 0); and generated valid numbers of every
   kind, with the share found with the right kind and exact span (recall).
   Since issue 19 also the written forms found in an outside test: 150385.10190,
   1503 8510 190, 912-34-567, ola(at)example.com, and an 11-digit number with
   wrong check digits after "fødselsnummer"/"fnr"/"personnummer"; with their
   look-alikes (serials, 4-4-3 groups and dashed codes that fail the checks,
   dashed dates, "(at)" with no address, the cue words without a number).

Run from anywhere: ``python bench/privacy.py`` (``--seed``, ``--n`` to vary).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import importlib.util
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = (ROOT / ".." / "shared" / "data" / "dev.tsv").resolve()


def _load_detect():
    """Import detect.py by path so the bench needs neither Flask nor the app."""
    path = ROOT / "hearing" / "privacy" / "detect.py"
    spec = importlib.util.spec_from_file_location("privacy_detect", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


detect = _load_detect()

TO_DATASET = {
    "fnr": "fnr",
    "hnr": "fnr",
    "cpr": "fnr",
    "dnr": "dnr",
    "tlf": "tlf",
    "epost": "epost",
    "navn": "navn",
}
DATASET_KINDS = ("fnr", "dnr", "tlf", "epost", "navn")


# ---------------------------------------------------------------------------
# dev.tsv
# ---------------------------------------------------------------------------


def read_dev(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def bench_dev(rows: list[dict[str, str]]) -> list[tuple]:
    tp, fp, fn = Counter(), Counter(), Counter()
    for row in rows:
        truth = {k for k in row["pii"].split(",") if k}
        found = {TO_DATASET[f.kind] for f in detect.find_personal_data(row["text"])}
        for kind in DATASET_KINDS:
            tp[kind] += kind in truth and kind in found
            fp[kind] += kind not in truth and kind in found
            fn[kind] += kind in truth and kind not in found
        is_id, found_id = bool(truth & {"fnr", "dnr"}), bool(found & {"fnr", "dnr"})
        tp["id"] += is_id and found_id
        fp["id"] += found_id and not is_id
        fn["id"] += is_id and not found_id
    table = []
    for kind in (*DATASET_KINDS, "id"):
        support = tp[kind] + fn[kind]
        recall = tp[kind] / support if support else float("nan")
        flagged = tp[kind] + fp[kind]
        precision = tp[kind] / flagged if flagged else float("nan")
        table.append((kind, support, tp[kind], fp[kind], fn[kind], recall, precision))
    return table


# ---------------------------------------------------------------------------
# Generated numbers
# ---------------------------------------------------------------------------

W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
PLACES = ["Kristiansand", "Oslo", "Bergen", "Tromsø", "Vennesla", "Lillesand", "Grimstad", "Mandal"]
MONTHS = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober"]


def _k1_options(nine: str) -> list[int]:
    s = sum(w * int(c) for w, c in zip(W1, nine, strict=False)) % 11
    return [k for k in ((11 + r - s) % 11 for r in range(4)) if k != 10]


def _k2(ten: str) -> int | None:
    k = (11 - sum(w * int(c) for w, c in zip(W2, ten, strict=False)) % 11) % 11
    return None if k == 10 else k


def gen_no_id(rng: random.Random, *, day_add=0, month_add=0, new_rule=False) -> str:
    """A valid 11-digit Norwegian number (old rule, or a 2032-only k1)."""
    while True:
        born = datetime.date(1920, 1, 1) + datetime.timedelta(days=rng.randrange(0, 36000))
        nine = f"{born.day + day_add:02d}{born.month + month_add:02d}{born.year % 100:02d}{rng.randrange(1000):03d}"
        options = _k1_options(nine)
        old = [k for k in options if (sum(w * int(c) for w, c in zip(W1, nine, strict=False)) + k) % 11 == 0]
        pool = [k for k in options if k not in old] if new_rule else old
        if not pool:
            continue
        ten = nine + str(rng.choice(pool))
        k2 = _k2(ten)
        if k2 is not None:
            return ten + str(k2)


def spaced(rng: random.Random, number: str) -> str:
    return number[:6] + " " + number[6:] if rng.random() < 0.5 else number


def gen_cpr(rng: random.Random) -> str:
    born = datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randrange(0, 25000))
    first = rng.choice("0123") if born.year < 2000 else rng.choice("4")
    serial = first + f"{rng.randrange(1000):03d}"
    sep = "-" if rng.random() < 0.6 else ""
    return f"{born.day:02d}{born.month:02d}{born.year % 100:02d}{sep}{serial}"


def group_phone(rng: random.Random, d: str, *, danish=False) -> str:
    styles = [d, f"{d[:2]} {d[2:4]} {d[4:6]} {d[6:]}", f"{d[:4]} {d[4:]}"]
    if not danish:
        styles.append(f"{d[:3]} {d[3:5]} {d[5:]}")
    body = rng.choice(styles)
    if danish:
        return rng.choice(["+45 ", "+45", "0045 "]) + body
    return rng.choice(["", "", "+47 ", "+47", "0047 ", "(+47) "]) + body


def gen_phone(rng: random.Random, *, danish=False) -> str:
    first = rng.choice("49") if rng.random() < 0.7 else rng.choice("2357")
    return group_phone(rng, first + "".join(rng.choice("0123456789") for _ in range(7)), danish=danish)


def gen_email(rng: random.Random) -> str:
    name = rng.choice(["kari", "ola", "per.hansen", "anne-lise", "bjørn", "s.nilsen"])
    return f"{name}{rng.randrange(100)}@{rng.choice(['example.com', 'example.no', 'eksempel.no', 'post.example.dk'])}"


def _dotted(rng: random.Random) -> str:
    n = gen_no_id(rng)
    return f"{n[:6]}.{n[6:]}"


def _grouped_443(rng: random.Random) -> str:
    n = gen_no_id(rng)
    return f"{n[:4]} {n[4:8]} {n[8:]}"


def _phone_dashed(rng: random.Random) -> str:
    d = rng.choice("49") + "".join(rng.choice("0123456789") for _ in range(7))
    return rng.choice([f"{d[:3]}-{d[3:5]}-{d[5:]}", f"{d[:2]}-{d[2:4]}-{d[4:6]}-{d[6:]}"])


def _email_written(rng: random.Random) -> str:
    name = rng.choice(["kari", "ola", "per.hansen", "anne-lise", "s.nilsen"])
    domain = rng.choice(["example.com", "example.no", "eksempel.no"])
    at = rng.choice(["(at)", " (at) ", "[at]", " [at] ", "(alfakrøll)"])
    if rng.random() < 0.3:
        domain = domain.replace(".", rng.choice([" [dot] ", "(dot)", " (punktum) "]))
    return f"{name}{at}{domain}"


def _invalid_after_cue(rng: random.Random) -> str:
    """An 11-digit number with wrong check digits, told to be an identity number (a mistyped one)."""
    cue = rng.choice(["fødselsnummer", "fødselsnummeret mitt er", "fnr", "fnr.", "f.nr.", "personnummer", "pers.nr.",
                      "Fødselsnr:"])
    return f"{cue} {_invalid_fnr(rng)}"


POSITIVES = {
    "fnr": lambda r: spaced(r, gen_no_id(r)),
    "fnr (2032 rule)": lambda r: spaced(r, gen_no_id(r, new_rule=True)),
    "dnr": lambda r: spaced(r, gen_no_id(r, day_add=40)),
    "hnr / Dolly (month+40)": lambda r: spaced(r, gen_no_id(r, month_add=40)),
    "Tenor fnr (month+80)": lambda r: spaced(r, gen_no_id(r, month_add=80)),
    "Tenor dnr (day+40, month+80)": lambda r: spaced(r, gen_no_id(r, day_add=40, month_add=80)),
    "cpr": gen_cpr,
    "tlf (NO)": gen_phone,
    "tlf (DK +45)": lambda r: gen_phone(r, danish=True),
    "epost": gen_email,
    "fnr 6.5 (150385.10190)": _dotted,
    "fnr 4-4-3 (1503 8510 190)": _grouped_443,
    "tlf with dashes (912-34-567)": _phone_dashed,
    "epost written out (ola(at)example.com)": _email_written,
    "11 digits after fnr/personnummer, wrong check digits": _invalid_after_cue,
}
POSITIVE_KIND = {
    "fnr": "fnr",
    "fnr (2032 rule)": "fnr",
    "dnr": "dnr",
    "hnr / Dolly (month+40)": "hnr",
    "Tenor fnr (month+80)": "fnr",
    "Tenor dnr (day+40, month+80)": "dnr",
    "cpr": "cpr",
    "tlf (NO)": "tlf",
    "tlf (DK +45)": "tlf",
    "epost": "epost",
    "fnr 6.5 (150385.10190)": "fnr",
    "fnr 4-4-3 (1503 8510 190)": "fnr",
    "tlf with dashes (912-34-567)": "tlf",
    "epost written out (ola(at)example.com)": "epost",
    "11 digits after fnr/personnummer, wrong check digits": "fnr",
}
#: Positives whose span is the number after a cue, not the whole generated text.
SPAN_AFTER_CUE = {"11 digits after fnr/personnummer, wrong check digits"}
POSITIVE_TEMPLATES = [
    "Ring meg på {x}.",
    "Fødselsnummeret er {x}, takk.",
    "Kontakt: {x}",
    "{x}",
    "Saken gjelder ({x}) og haster.",
    "Send svar til {x} eller ring.",
]


def _invalid_fnr(rng: random.Random) -> str:
    while True:
        valid = gen_no_id(rng, day_add=rng.choice([0, 40]), month_add=rng.choice([0, 0, 40, 80]))
        broken = valid[:-1] + str((int(valid[-1]) + rng.randrange(1, 10)) % 10)
        if detect.classify_no_id(broken) is None:
            return spaced(rng, broken)


def _kontonr(rng: random.Random) -> str:
    """A valid Norwegian account number (mod 11) that fails the fnr check."""
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    while True:
        ten = "".join(rng.choice("0123456789") for _ in range(10))
        check = (11 - sum(w * int(c) for w, c in zip(weights, ten, strict=False)) % 11) % 11
        if check == 10:
            continue
        n = ten + str(check)
        if detect.classify_no_id(n) is not None:
            continue  # by definition here: 11 digits that fail the fnr check
        return rng.choice([f"{n[:4]}.{n[4:6]}.{n[6:]}", f"{n[:4]} {n[4:6]} {n[6:]}", n])


def _kontonr_named(rng: random.Random) -> str:
    """Any valid account number, contiguous, named as one (about 8 % pass as fnr)."""
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    while True:
        ten = "".join(rng.choice("0123456789") for _ in range(10))
        check = (11 - sum(w * int(c) for w, c in zip(weights, ten, strict=False)) % 11) % 11
        if check != 10:
            return f"{rng.choice(['kontonummer', 'kontonr.', 'konto', 'bankkonto:'])} {ten}{check}"


def _orgnr(rng: random.Random) -> str:
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    while True:
        eight = rng.choice("89") + "".join(rng.choice("0123456789") for _ in range(7))
        check = (11 - sum(w * int(c) for w, c in zip(weights, eight, strict=False)) % 11) % 11
        if check == 10:
            continue
        n = eight + str(check)
        return rng.choice([n, f"{n[:3]} {n[3:6]} {n[6:]}", f"NO {n[:3]} {n[3:6]} {n[6:]} MVA"])


def _amount(rng: random.Random) -> str:
    n = rng.choice([rng.randrange(100, 100_000), rng.randrange(100_000, 99_000_000)])
    grouped = f"{n:,}".replace(",", " ")
    return rng.choice(
        [
            f"kr {grouped}",
            f"{grouped} kroner",
            f"kr {n},-",
            f"NOK {n}",
            f"{n} kr",
            f"kr {n}",
            f"{grouped},- kr",
            f"{n:,}".replace(",", ".") + " kr",
            f"kr. {grouped},00",
        ]
    )


def _date(rng: random.Random) -> str:
    d = datetime.date(1990, 1, 1) + datetime.timedelta(days=rng.randrange(0, 14000))
    return rng.choice(
        [
            f"{d.day:02d}.{d.month:02d}.{d.year}",
            f"{d.day}. {MONTHS[d.month % 10]}",
            f"{d.day}/{d.month}-{d.year}",
            f"{d.day:02d}{d.month:02d}{d.year}",
            f"{d.year}-{d.month:02d}-{d.day:02d}",
            f"{d.day}.{d.month}.{d.year % 100:02d}",
            f"{d.year}{d.month:02d}{d.day:02d}",
        ]
    )


def _year(rng: random.Random) -> str:
    y = rng.randrange(1950, 2060)
    return rng.choice(
        [
            f"i {y}",
            f"fra {y} til {y + rng.randrange(1, 10)}",
            f"{y}–{y + 1}",
            f"årene {y} {y + 1}",
            f"{y} {y + 2}",
        ]
    )


LOOKALIKES = {
    "percent": lambda r: rng_choice(
        r,
        [
            f"{r.randrange(5, 101)} % stilling",
            f"{r.randrange(1, 100)}%",
            f"{r.randrange(1, 100)} prosent",
            f"{r.randrange(1, 100)},{r.randrange(10)} %",
        ],
    ),
    "year": _year,
    "date": _date,
    "case number": lambda r: rng_choice(
        r,
        [
            f"{r.randrange(2000, 2030)}/{r.randrange(1, 99999)}",
            f"{r.randrange(0, 30):02d}/{r.randrange(1, 99999):05d}",
            f"saksnr. {r.randrange(2000, 2030)}/{r.randrange(1, 99999)}-{r.randrange(1, 20)}",
        ],
    ),
    "amount": _amount,
    "bus line": lambda r: rng_choice(
        r, [f"buss {r.randrange(1, 999)}", f"linje {r.randrange(1, 200)}", f"rute {r.randrange(1, 999)}"]
    ),
    "postal code + place": lambda r: rng_choice(
        r,
        [
            f"{r.randrange(1000, 9999)} {r.choice(PLACES)}",
            f"Postboks {r.randrange(1, 9999)}, {r.randrange(1000, 9999)} {r.choice(PLACES)}",
            f"Postboks {r.randrange(1000, 9999)} {r.randrange(1000, 9999)} {r.choice(PLACES)}",
        ],
    ),
    "org number": _orgnr,
    "account number": _kontonr,
    "account number, named": _kontonr_named,
    "invalid fnr (check digits)": _invalid_fnr,
    "invalid 6.5 number (serial, version)": lambda r: (lambda n: f"{n[:6]}.{n[6:]}")(_invalid_fnr(r).replace(" ", "")),
    "invalid 4-4-3 groups": lambda r: (lambda n: f"{n[:4]} {n[4:8]} {n[8:]}")(_invalid_fnr(r).replace(" ", "")),
    "dashed numbers starting 0/1 (codes)": lambda r: rng_choice(
        r, [f"{r.choice('01')}{r.randrange(10, 99)}-{r.randrange(10, 99)}-{r.randrange(100, 999)}",
            f"{r.choice('01')}{r.randrange(10)}-{r.randrange(10, 99)}-{r.randrange(10, 99)}-{r.randrange(10, 99)}"]
    ),
    "dashed dates": lambda r: (lambda d: rng_choice(r, [f"{d.day:02d}-{d.month:02d}-{d.year}", f"{d.year}-{d.month:02d}-{d.day:02d}"]))(
        datetime.date(1990, 1, 1) + datetime.timedelta(days=r.randrange(0, 14000))
    ),
    "'at' in brackets, no address": lambda r: rng_choice(
        r, ["møtes (at) Kafé Oslo", "se [at] lista", "hilsen (at) alle", "pris (at) kr 200"]
    ),
    "fnr word, no number": lambda r: rng_choice(
        r, ["fødselsnummer er påkrevd", "oppgi fnr ved henvendelse", "personnummer 123", f"fnr {r.randrange(1000, 99999)}"]
    ),
    "account number after fnr-free cue": lambda r: f"konto {_kontonr(r)}",
}
LOOKALIKE_TEMPLATES = [
    "Det gjelder {x}.",
    "Vi viser til {x} i saken.",
    "{x}",
    "Jeg fikk {x}, og det er for lite.",
    "Se ({x}) for detaljer.",
    "Hun har {x} nå",
]


def rng_choice(rng: random.Random, options: list[str]) -> str:
    return rng.choice(options)


def bench_generated(seed: int, n: int) -> tuple[list[tuple], list[tuple]]:
    rng = random.Random(seed)
    rec = []
    for name, make in POSITIVES.items():
        hit = 0
        for _ in range(n):
            x = make(rng)
            text = rng.choice(POSITIVE_TEMPLATES).format(x=x)
            start = text.index(x)
            if name in SPAN_AFTER_CUE:
                number = x.rsplit(" ", 2)[-2:] if x.count(" ") > 1 and x.split(" ")[-2].isdigit() else [x.split(" ")[-1]]
                number = " ".join(number)
                start, x = text.index(number), number
            found = detect.find_personal_data(text)
            hit += any(
                f.kind == POSITIVE_KIND[name] and f.start == start and f.end == start + len(x) for f in found
            )
        rec.append((name, n, hit, hit / n))
    fps = []
    for name, make in LOOKALIKES.items():
        flagged, examples = 0, []
        for _ in range(n):
            text = rng.choice(LOOKALIKE_TEMPLATES).format(x=make(rng))
            found = detect.find_personal_data(text)
            if found:
                flagged += 1
                if len(examples) < 3:
                    examples.append(f"{text!r} -> {[(f.kind, f.text) for f in found]}")
        fps.append((name, n, flagged, examples))
    return rec, fps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEV)
    parser.add_argument("--seed", type=int, default=2032)
    parser.add_argument("--n", type=int, default=60, help="generated texts per kind")
    args = parser.parse_args(argv)

    rows = read_dev(args.data)
    t0 = time.perf_counter()
    table = bench_dev(rows)
    elapsed = time.perf_counter() - t0
    print(f"dev.tsv: {len(rows)} texts, {elapsed * 1000:.0f} ms")
    print("| kind | texts with kind | TP | FP | FN | recall | precision |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind, support, tp, fp, fn, recall, precision in table:
        print(f"| {kind} | {support} | {tp} | {fp} | {fn} | {recall:.2f} | {precision:.2f} |")

    rec, fps = bench_generated(args.seed, args.n)
    print(f"\ngenerated valid numbers (seed {args.seed}): found with the right kind and exact span")
    print("| kind | texts | found | recall |")
    print("|---|---:|---:|---:|")
    for name, n, hit, recall in rec:
        print(f"| {name} | {n} | {hit} | {recall:.2f} |")

    total = sum(n for _, n, _, _ in fps)
    bad = sum(flagged for _, _, flagged, _ in fps)
    print(f"\ngenerated look-alikes (seed {args.seed}): texts where anything was flagged")
    print("| look-alike | texts | false positives |")
    print("|---|---:|---:|")
    for name, n, flagged, _ in fps:
        print(f"| {name} | {n} | {flagged} |")
    print(f"| all | {total} | {bad} |")
    for name, _, _, examples in fps:
        for example in examples:
            print(f"  FP {name}: {example}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
