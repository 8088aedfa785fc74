"""The one masking rule for everything a participant types (no Flask inside).

Free text is not the only place personal data arrives: a citizen also types a name, "på vegne av",
a case reference, a place and the name of an attached file, and any of them may hold an identity
number, a phone number or an e-mail address. Every page, export and report that shows one of these
fields to someone other than the respondent and administrators goes through
:func:`mask_submission_fields` (a response) or :func:`mask_input_fields` (one input), so the rule
lives here once:

* every typed field is passed through :func:`hearing.privacy.mask`;
* the respondent's own name (and "på vegne av") is only shown when the respondent allowed
  publication with name (``Consent.WITH_NAME``); reviewers see "på vegne av" (the body that sent a
  statement, which they need to weigh it) but never the private respondent's name;
* the e-mail address is never shown (it is contact data, not part of the response).

>>> class S:  # any object with the submission's attributes will do
...     respondent_name = "Kari Nordmann 912 34 567"
...     on_behalf_of = "Eldrerådet v/ kari@example.no"
...     case_reference = "fnr 15108695088"
...     consent = "with_name"
>>> m = mask_submission_fields(S())
>>> m.name, m.case_reference, m.attribution
('Kari Nordmann [telefon]', 'fnr [fødselsnummer]', 'Eldrerådet v/ [e-post]')
>>> r = mask_submission_fields(S(), audience="reviewer")
>>> r.name is None, r.on_behalf_of
(True, 'Eldrerådet v/ [e-post]')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from hearing.privacy.detect import mask

__all__ = ["MaskedInput", "MaskedSubmission", "mask_field", "mask_filename", "mask_input_fields", "mask_submission_fields"]

Audience = Literal["public", "reviewer"]

#: Consent value that allows a name next to a published response (``Consent.WITH_NAME``).
_WITH_NAME = "with_name"


def mask_field(value: str | None) -> str | None:
    """One typed field as others may see it: stripped, personal data masked; ``None`` when empty."""
    if value is None:
        return None
    value = str(value).strip()
    return mask(value) if value else None


@dataclass(frozen=True)
class MaskedSubmission:
    """A response's typed fields as an audience may see them (``None``: not to be shown)."""

    #: The respondent's name: only with consent to publish with name, and never to reviewers.
    name: str | None
    #: The body the statement was sent on behalf of.
    on_behalf_of: str | None
    #: The body's case reference (saksnummer).
    case_reference: str | None
    #: Who to name beside a quote or a published response: the body, else the person, else ``None``.
    attribution: str | None


def mask_submission_fields(submission: Any, *, audience: Audience = "public") -> MaskedSubmission:
    """Mask every field a participant typed on a response, for ``audience``.

    ``submission`` is a :class:`hearing.models.Submission` or any object with ``respondent_name``,
    ``on_behalf_of``, ``case_reference`` and ``consent``.

    * ``"public"``: name and "på vegne av" only with consent to publish with name; the case reference
      goes with the body.
    * ``"reviewer"``: the body and case reference always (masked), the private name never.
    """
    if audience not in ("public", "reviewer"):
        raise ValueError(f"unknown audience {audience!r}")
    with_name = str(getattr(submission, "consent", "") or "") == _WITH_NAME
    body = mask_field(getattr(submission, "on_behalf_of", None))
    case = mask_field(getattr(submission, "case_reference", None))
    person = mask_field(getattr(submission, "respondent_name", None))
    if audience == "reviewer":
        return MaskedSubmission(name=None, on_behalf_of=body, case_reference=case, attribution=body)
    if not with_name:
        return MaskedSubmission(name=None, on_behalf_of=None, case_reference=None, attribution=None)
    return MaskedSubmission(name=person, on_behalf_of=body, case_reference=case if body else None,
                            attribution=body or person)


@dataclass(frozen=True)
class MaskedInput:
    """One input's typed fields as reviewers and the public may see them."""

    text: str
    place: str | None


def mask_input_fields(item: Any) -> MaskedInput:
    """The masked text and place of an input (``text_masked`` when stored, else masked now)."""
    stored = getattr(item, "text_masked", None)
    text = stored if stored else (mask(item.text) if getattr(item, "text", None) else "")
    return MaskedInput(text=text, place=mask_field(getattr(item, "place_name", None)))


def mask_filename(name: str | None) -> str:
    """An attachment's file name as the respondent gave it, personal data masked (shown, never a path)."""
    return mask_field(name) or ""
