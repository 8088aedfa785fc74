"""Likely duplicates and near-duplicates among a run's inputs, over masked text only.

* **The same words** (found when the page is shown): inputs whose masked texts have the same stems
  (:attr:`Input.search_stems`: case, punctuation and word endings ignored). Grouped in the database.
* **Near-duplicates** (found by the run's job and stored as :class:`DuplicateCandidate`): the same
  statement with a word or two changed, or a form letter with the sender's own sentence added. Two texts
  are alike when the stems of their words overlap (Jaccard of the stem sets at least :data:`JACCARD`), or
  when the shorter one's word pairs (shingles of two stems) are nearly all in the longer one
  (containment at least :data:`CONTAINMENT`, for texts of at least :data:`MIN_SHINGLES` word pairs).
  Thresholds chosen on the development set with synthetic edits (``bench/duplicates.py``).

  No comparison of every pair: each input is compared only with the earlier *originals* it shares one of
  its rarest stems or word pairs with (prefix filtering, exact for both measures); an input found to
  repeat an original is not indexed itself, so a campaign of 5 000 copies costs 5 000 look-ups.

One click marks a group (the existing link :attr:`Input.duplicate_of_id`); a reviewer who rejects a
suggestion stores a ``not_duplicate`` decision, and that pair is never suggested again.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from hearing import audit
from hearing.grouping import decisions
from hearing.grouping.queries import leave_out_withdrawn
from hearing.models import DecisionKind, DuplicateCandidate, Input, ThemeAssignment, ThemeDecision, ThemeRun

__all__ = ["CONTAINMENT", "JACCARD", "Suggestion", "find_near_duplicates", "reject", "rejected_pairs",
           "group_members", "store_for_run", "suggestions"]

#: Groups of likely duplicates shown at once.
LIMIT = 20
#: Duplicates shown per group (the group's confirm button marks all of them).
SHOWN = 10
#: Jaccard of two texts' stem sets from which they are suggested as near-duplicates.
JACCARD = 0.7
#: Share of the shorter text's word pairs found in the longer one from which they are suggested.
CONTAINMENT = 0.8
#: Word pairs the shorter text must have for containment to count (a short phrase is inside many texts).
MIN_SHINGLES = 6
_LANGS = ("nb", "nn", "da", "en")


@dataclass
class Suggestion:
    original: Input
    duplicates: list[Input]
    #: Input id -> similarity 0..1 (1: the same words).
    similarity: dict[int, float] = field(default_factory=dict)
    #: How many duplicates the group has (``duplicates`` holds the first :data:`SHOWN`).
    total: int = 0

    @property
    def is_exact(self) -> bool:
        return all(self.similarity.get(d.id, 1.0) >= 0.999 for d in self.duplicates)


# --- finding near-duplicates (plain Python, no database) ---------------------------------------------


def stems_in_order(text_masked: str | None, lang: str | None) -> list[str]:
    """The stems of a masked text's words, in order (placeholders such as ``[navn]`` left out)."""
    from hearing.grouping.search import _analyzer, _words

    analyzer = _analyzer()
    lang = lang if lang in _LANGS else "nb"
    return [analyzer.stem(part, lang) for word in _words(text_masked or "") for part in word.split("-") if part]


def _prefix_len(n: int, t: float) -> int:
    return n - math.ceil(t * n - 1e-9) + 1


def similarity(a: tuple[frozenset, frozenset], b: tuple[frozenset, frozenset]) -> float:
    """How alike two texts are (0..1): the larger of the stems' Jaccard and the word pairs' containment,
    each counted only from its threshold (below both, 0)."""
    (u1, b1), (u2, b2) = a, b
    best = 0.0
    if u1 and u2:
        j = len(u1 & u2) / len(u1 | u2)
        if j >= JACCARD:
            best = j
    small = min(len(b1), len(b2))
    if small >= MIN_SHINGLES:
        c = len(b1 & b2) / small
        if c >= CONTAINMENT:
            best = max(best, c)
    return best


def features(stems: Sequence[str]) -> tuple[frozenset, frozenset]:
    return frozenset(stems), frozenset(zip(stems, stems[1:], strict=False))


def find_near_duplicates(items: Iterable[tuple[int, Sequence[str]]], *,
                         rejected: set[tuple[int, int]] = frozenset()) -> list[tuple[int, int, float]]:
    """``(input_id, stems)`` in the order the inputs came -> ``(input_id, original_id, similarity)``.

    Each input is matched against the earlier inputs that were not themselves found to repeat another
    (the originals); it gets the most alike one, unless a reviewer rejected that pair (``rejected``
    holds ``(input_id, original_id)``). Identical stem sequences have similarity 1.
    """
    items = [(ident, features(stems), tuple(stems)) for ident, stems in items]
    uni_df: Counter = Counter()
    bi_df: Counter = Counter()
    for _, (u, b), _ in items:
        uni_df.update(u)
        bi_df.update(b)
    out: list[tuple[int, int, float]] = []
    originals: list[tuple[int, tuple[frozenset, frozenset]]] = []
    exact: dict[tuple, list[int]] = {}  # stem sequence -> indexes of originals with it
    uni_prefix: dict[str, list[int]] = {}
    bi_full: dict[tuple, list[int]] = {}
    bi_prefix: dict[tuple, list[int]] = {}
    for ident, feats, seq in items:
        u, b = feats
        if not u:
            continue
        match = None
        for k in exact.get(seq, ()):
            if (ident, originals[k][0]) not in rejected:
                match = (originals[k][0], 1.0)
                break
        if match is None:
            u_sorted = sorted(u, key=lambda t: (uni_df[t], t))
            b_sorted = sorted(b, key=lambda t: (bi_df[t], t))
            candidates: set[int] = set()
            for tok in u_sorted[:_prefix_len(len(u), JACCARD)]:
                candidates.update(uni_prefix.get(tok, ()))
            if len(b) >= MIN_SHINGLES:
                for tok in b_sorted[:_prefix_len(len(b), CONTAINMENT)]:  # this one is the shorter
                    candidates.update(bi_full.get(tok, ()))
            for tok in b:  # the original is the shorter: its prefix is among this one's pairs
                candidates.update(bi_prefix.get(tok, ()))
            best = 0.0
            for k in sorted(candidates):
                other, ofeats = originals[k]
                if (ident, other) in rejected:
                    continue
                s = similarity(feats, ofeats)
                if s > best:
                    best, match = s, (other, s)
        if match is not None:
            out.append((ident, match[0], round(min(match[1], 1.0), 4)))
            continue
        k = len(originals)
        originals.append((ident, feats))
        exact.setdefault(seq, []).append(k)
        for tok in sorted(u, key=lambda t: (uni_df[t], t))[:_prefix_len(len(u), JACCARD)]:
            uni_prefix.setdefault(tok, []).append(k)
        if len(b) >= MIN_SHINGLES:
            for tok in b:
                bi_full.setdefault(tok, []).append(k)
            for tok in sorted(b, key=lambda t: (bi_df[t], t))[:_prefix_len(len(b), CONTAINMENT)]:
                bi_prefix.setdefault(tok, []).append(k)
    return out


# --- stored per run -----------------------------------------------------------------------------------


def rejected_pairs(session: Session, process_id: int) -> set[tuple[int, int]]:
    """``(input_id, original_id)`` of every duplicate suggestion the reviewers rejected in the process."""
    out = set()
    for input_id, payload in session.execute(
            sa.select(ThemeDecision.input_id, ThemeDecision.payload)
            .where(ThemeDecision.process_id == process_id, ThemeDecision.kind == DecisionKind.NOT_DUPLICATE)):
        other = (payload or {}).get("original")
        if input_id is not None and isinstance(other, int):
            out.add((input_id, other))
            out.add((other, input_id))
    return out


def store_for_run(session: Session, run: ThemeRun, batch: int = 2000) -> int:
    """Find the near-duplicates among the run's inputs and store them (replacing the run's earlier ones).

    Reads masked text only, in input order; inputs already marked as duplicates are left out. Returns
    how many were stored. Runs in the run's job, never in a request.
    """
    session.execute(sa.delete(DuplicateCandidate).where(DuplicateCandidate.run_id == run.id))
    rows = session.execute(leave_out_withdrawn(
        sa.select(Input.id, Input.text_masked, Input.lang).select_from(ThemeAssignment)
        .join(Input, Input.id == ThemeAssignment.input_id)
        .where(ThemeAssignment.run_id == run.id, Input.duplicate_of_id.is_(None))).order_by(Input.id)).all()
    found = find_near_duplicates(((ident, stems_in_order(text, lang)) for ident, text, lang in rows),
                                 rejected=rejected_pairs(session, run.process_id))
    for start in range(0, len(found), batch):
        session.execute(sa.insert(DuplicateCandidate), [
            {"run_id": run.id, "input_id": i, "original_id": o, "similarity": s} for i, o, s in found[start:start + batch]])
    return len(found)


def reject(session: Session, actor, run: ThemeRun, inp: Input, original: Input) -> ThemeDecision:
    """A reviewer says ``inp`` is not a duplicate of ``original``: stored as a decision, never suggested again."""
    if (inp.id, original.id) in rejected_pairs(session, run.process_id):
        return None
    decision = decisions.record(session, actor, DecisionKind.NOT_DUPLICATE, process_id=run.process_id, run_id=run.id,
                                input_id=inp.id, original=original.id)
    audit.record(session, actor, "input.not_duplicate", inp, process_id=run.process_id, original=original.id)
    session.flush()
    return decision


def suggestions(session: Session, run: ThemeRun, theme_id: int | None = None, limit: int = LIMIT) -> list[Suggestion]:
    """Groups of the run's inputs (of one theme, if given) that say the same, not yet marked as duplicates
    and not rejected: the same stems (found now), and the near-duplicates the run's job stored. The oldest
    of each group is the original; largest groups first. Each group shows at most :data:`SHOWN` of its
    duplicates and says how many it has (a campaign may have thousands)."""
    groups: dict[int, dict[int, float]] = {}  # original id -> {duplicate id: similarity}, the ones shown
    totals: dict[int, int] = {}
    # a run whose job stored its duplicates (identical ones too) needs no GROUP BY over every text; an older
    # run's are found here, by the same stems (a full scan: 17 s at 50k on a loaded machine)
    same = {} if "near_duplicates" in (run.stats or {}) else _same_stems(session, run, theme_id, limit)
    for original_id, (ids, total) in same.items():
        groups.setdefault(original_id, {}).update(dict.fromkeys(ids, 1.0))
        totals[original_id] = total
    q = (sa.select(DuplicateCandidate.original_id, DuplicateCandidate.input_id, DuplicateCandidate.similarity)
         .join(Input, Input.id == DuplicateCandidate.input_id)
         .where(DuplicateCandidate.run_id == run.id, Input.duplicate_of_id.is_(None)))
    if theme_id is not None:
        q = q.join(ThemeAssignment, sa.and_(ThemeAssignment.run_id == run.id,
                                            ThemeAssignment.input_id == DuplicateCandidate.input_id)) \
             .where(ThemeAssignment.theme_id == theme_id)
    top = dict(session.execute(
        q.with_only_columns(DuplicateCandidate.original_id, sa.func.count()).group_by(DuplicateCandidate.original_id)
        .order_by(sa.func.count().desc(), DuplicateCandidate.original_id).limit(limit)).all())
    rejected = rejected_pairs(session, run.process_id)
    if top:
        rn = sa.func.row_number().over(partition_by=DuplicateCandidate.original_id,
                                       order_by=DuplicateCandidate.input_id).label("rn")
        inner = q.add_columns(rn).where(DuplicateCandidate.original_id.in_(list(top))).subquery()
        for original_id, input_id, sim in session.execute(
                sa.select(inner.c.original_id, inner.c.input_id, inner.c.similarity)
                .where(inner.c.rn <= SHOWN + min(len(rejected), 200))):
            groups.setdefault(original_id, {}).setdefault(input_id, float(sim))
        for original_id, n in top.items():
            totals[original_id] = max(totals.get(original_id, 0), n)
    if not groups:
        return []
    for original_id, members in groups.items():
        for input_id in [i for i in members if (i, original_id) in rejected]:
            del members[input_id]
            totals[original_id] -= 1
    groups = {o: dict(sorted(m.items())[:SHOWN]) for o, m in groups.items() if m}
    ids = set(groups) | {i for m in groups.values() for i in m}
    inputs = {i.id: i for i in session.scalars(sa.select(Input).where(Input.id.in_(ids)))}
    out = []
    for original_id, members in groups.items():
        original = inputs.get(original_id)
        dups = [inputs[i] for i in sorted(members) if i in inputs]
        if original is None or original.duplicate_of_id or not dups:
            continue
        out.append(Suggestion(original, dups, {d.id: members[d.id] for d in dups},
                              total=max(len(dups), totals.get(original_id, len(dups)))))
    out.sort(key=lambda s: (-s.total, s.original.id))
    return out[:limit]


def group_members(session: Session, run: ThemeRun, original: Input) -> list[int]:
    """Every input the run suggests as a duplicate of ``original`` (the same stems, or stored as a near-duplicate),
    not yet marked and not rejected: what "confirm the whole group" marks."""
    rejected = rejected_pairs(session, run.process_id)
    near = session.scalars(
        sa.select(DuplicateCandidate.input_id).join(Input, Input.id == DuplicateCandidate.input_id)
        .where(DuplicateCandidate.run_id == run.id, DuplicateCandidate.original_id == original.id,
               Input.duplicate_of_id.is_(None)))
    same = session.scalars(leave_out_withdrawn(
        sa.select(Input.id).join(ThemeAssignment, ThemeAssignment.input_id == Input.id)
        .where(ThemeAssignment.run_id == run.id, Input.duplicate_of_id.is_(None), Input.id > original.id,
               Input.search_stems == original.search_stems, Input.search_stems != "")))
    return sorted({i for i in [*near, *same] if (i, original.id) not in rejected and i != original.id})


def _same_stems(session: Session, run: ThemeRun, theme_id: int | None, limit: int) -> dict[int, tuple[list[int], int]]:
    """Original id -> (the first :data:`SHOWN` later ids, how many there are), for groups of the run's inputs with the same stems (found in the database)."""
    base = leave_out_withdrawn(
        sa.select(Input.search_stems).select_from(ThemeAssignment).join(Input, Input.id == ThemeAssignment.input_id)
        .where(ThemeAssignment.run_id == run.id, Input.duplicate_of_id.is_(None),
               Input.search_stems.is_not(None), Input.search_stems != "")
    )
    if theme_id is not None:
        base = base.where(ThemeAssignment.theme_id == theme_id)
    keys = session.scalars(
        base.group_by(Input.search_stems).having(sa.func.count() > 1)
        .order_by(sa.func.count().desc(), sa.func.min(Input.id)).limit(limit)).all()
    if not keys:
        return {}
    rows = session.execute(
        leave_out_withdrawn(
            sa.select(Input.id, Input.search_stems).join(ThemeAssignment, ThemeAssignment.input_id == Input.id)
            .where(ThemeAssignment.run_id == run.id, Input.duplicate_of_id.is_(None), Input.search_stems.in_(keys))
        ).where(*([ThemeAssignment.theme_id == theme_id] if theme_id is not None else []))
        .order_by(Input.id)).all()
    by_key: dict[str, list[int]] = {}
    for ident, key in rows:
        by_key.setdefault(key, []).append(ident)
    return {group[0]: (group[1:SHOWN + 1], len(group) - 1) for group in by_key.values() if len(group) > 1}
