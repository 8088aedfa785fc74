"""What participants send: invitations, submissions, survey answers, attachments and inputs."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from hearing.models.base import Base, one_of, utcnow


class Consent(enum.StrEnum):
    """May the response be published (hearing responses are public records)?"""

    WITH_NAME = "with_name"
    WITHOUT_NAME = "without_name"
    NOT_PUBLISHED = "not_published"


class Moderation(enum.StrEnum):
    """Staff's decision on publishing a response (nothing is public before it is approved)."""

    PENDING = "pending"  # waits in the moderation queue
    APPROVED = "approved"  # published as it is (masked)
    REDACTED = "redacted"  # published with staff's redaction of its texts (the originals are kept)
    HIDDEN = "hidden"  # not published, with a reason


#: Moderation states whose response may be shown in public (and counts in public reports).
PUBLIC_MODERATION = (Moderation.APPROVED, Moderation.REDACTED)


class InputSource(enum.StrEnum):
    WEB = "web"  # a public or invited form
    WORKSHOP = "workshop"  # typed by a facilitator
    IMPORT = "import"  # Forms/Questback export


class Invitation(Base):
    """A secret link for a stakeholder group or a named body (e.g. "Eldrerådet")."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stakeholder_groups.id", ondelete="SET NULL"))
    #: Whose link it is: the body's name, e.g. "Eldrerådet".
    body_name: Mapped[str] = mapped_column(sa.String(200))
    #: SHA-256 of the URL token (the token itself is shown once, never stored).
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    revoked_dt: Mapped[datetime | None]
    #: Where the invitation is e-mailed (optional: a link can still be carried by hand).
    email: Mapped[str | None] = mapped_column(sa.String(254))
    #: The one-time form key the token was derived from with the app secret (see
    #: ``participation.services.invitation_token``), so a reminder can carry the same link.
    token_seed: Mapped[str | None] = mapped_column(sa.String(64))
    #: Remind this many days before the deadline if no statement has come.
    remind_days_before: Mapped[int | None]
    #: When the invitation and the reminder were put in the outbox.
    sent_dt: Mapped[datetime | None]
    reminded_dt: Mapped[datetime | None]
    #: The language the invited body reads (nb, nn, en, da): the invitation and its reminder are written
    #: in it, and its link opens the form in it. None: the process's language.
    lang: Mapped[str | None] = mapped_column(sa.String(5))

    activity = relationship("Activity")
    group = relationship("StakeholderGroup")


class Submission(Base):
    """One respondent's whole response (høringssvar, uttalelse, survey answer set)."""

    __tablename__ = "submissions"
    __table_args__ = (
        one_of("consent", Consent),
        one_of("source", InputSource),
        sa.CheckConstraint("is_withdrawn = (withdrawn_dt IS NOT NULL)", name="withdrawn_flag"),
        # One statement per invited body: a second one through the same link is refused.
        sa.Index("uq_submissions_one_per_invitation", "invitation_id", unique=True,
                 sqlite_where=sa.text("invitation_id IS NOT NULL AND is_withdrawn = 0"),
                 postgresql_where=sa.text("invitation_id IS NOT NULL AND NOT is_withdrawn")),
        one_of("moderation", Moderation),
        sa.CheckConstraint("moderation <> 'hidden' OR length(moderation_reason) > 0", name="hidden_has_reason"),
        # The reference number is made from the id: SQLite must never give a deleted response's id again
        # (PostgreSQL's sequence never does).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invitations.id", ondelete="SET NULL"))
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stakeholder_groups.id", ondelete="SET NULL"))
    #: Human reference shown on the receipt, e.g. "H-2026-000123".
    reference: Mapped[str] = mapped_column(sa.String(32), unique=True)
    #: SHA-256 of the one-time key carried by the rendered form (never the key: with the app secret it
    #: gives the edit link): a replayed POST finds this row instead of adding one. Imports keep their own
    #: content-derived key here ("imp<activity>:…"), which is no secret.
    submission_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: SHA-256 of the secret edit token in the receipt link.
    edit_token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: One of InputSource.
    source: Mapped[str] = mapped_column(sa.String(20), default=InputSource.WEB)
    respondent_name: Mapped[str | None] = mapped_column(sa.String(200))
    respondent_email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    #: For statements on behalf of a body: the body, its meeting date and case reference.
    on_behalf_of: Mapped[str | None] = mapped_column(sa.String(200))
    meeting_date: Mapped[date | None]
    case_reference: Mapped[str | None] = mapped_column(sa.String(50))
    #: One of Consent.
    consent: Mapped[str] = mapped_column(sa.String(20), default=Consent.NOT_PUBLISHED)
    #: Arrived after the deadline: kept, flagged, never thrown away.
    is_late: Mapped[bool] = mapped_column(default=False)
    is_withdrawn: Mapped[bool] = mapped_column(default=False)
    withdrawn_dt: Mapped[datetime | None]
    submitted_dt: Mapped[datetime] = mapped_column(default=utcnow)
    updated_dt: Mapped[datetime | None]
    #: Set when the retention purge removed personal data.
    purged_dt: Mapped[datetime | None]
    #: The respondent asked to be told by e-mail when the report back is published.
    wants_report_notice: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: The page language when the response was sent: e-mails to the respondent are written in it.
    lang: Mapped[str | None] = mapped_column(sa.String(5))
    #: One of Moderation: nothing is published before staff approve it (see hearing.grouping.queries).
    moderation: Mapped[str] = mapped_column(sa.String(20), default=Moderation.PENDING, server_default="pending",
                                            index=True)
    #: Why staff hid the response (also in the audit log); empty otherwise.
    moderation_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: Who decided last, and when.
    moderated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    moderated_dt: Mapped[datetime | None]
    #: The archive's reference of its registration (journalpost), once filed in the Noark 5 archive.
    archive_reference: Mapped[str | None] = mapped_column(sa.String(100))

    activity = relationship("Activity")
    invitation: Mapped[Invitation | None] = relationship()
    group = relationship("StakeholderGroup")
    inputs: Mapped[list[Input]] = relationship(back_populates="submission", order_by="Input.id")
    answers: Mapped[list[Answer]] = relationship(back_populates="submission", cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="submission", cascade="all, delete-orphan")


class Answer(Base):
    """A structured survey answer (rating or choices); free text becomes an Input instead."""

    __tablename__ = "answers"
    __table_args__ = (
        sa.UniqueConstraint("submission_id", "prompt_id"),
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    prompt_id: Mapped[int] = mapped_column(sa.ForeignKey("prompts.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int | None]
    #: Chosen options for single and multiple choice.
    choices: Mapped[list] = mapped_column(default=list)

    submission: Mapped[Submission] = relationship(back_populates="answers")
    prompt = relationship("Prompt")


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    #: Name the respondent's file had (shown, never used as a path).
    filename: Mapped[str] = mapped_column(sa.String(255))
    #: Type found from the content, not the name.
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    #: Random file name under UPLOAD_FOLDER.
    storage_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    #: Staff approved the file for publication with its (approved) response.
    is_public: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    submission: Mapped[Submission] = relationship(back_populates="attachments")


def mask_place(value: str | None) -> str | None:
    """A place name as it is stored: personal data masked."""
    from hearing.privacy import mask

    return mask(value) if value else value


def guess_lang(text: str | None, default: str | None = None) -> str | None:
    """Language of a stored input's (masked) text: nb, nn, da or en; None for an empty text. A short text
    without clear evidence of another language is taken to be in ``default``, the process's language
    (:func:`hearing.themes.text.guess_language`)."""
    if not (text or "").strip():
        return None
    from hearing.themes.text import guess_language  # late: the engine is not needed to load the models

    return guess_language(text, default=default)


def stems_of(text_masked: str | None, lang: str | None) -> str:
    """What search indexes of a stored input's masked text (see :mod:`hearing.grouping.search`)."""
    from hearing.grouping.search import search_stems  # late: the engine is not needed to load the models

    return search_stems(text_masked, lang)


class Input(Base):
    """One atomic piece of text (innspill): a sticky note, a free-text answer, a section comment."""

    __tablename__ = "inputs"
    __table_args__ = (
        one_of("source", InputSource),
        sa.CheckConstraint("length(text) > 0", name="text_not_empty"),
        sa.UniqueConstraint("activity_id", "import_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    prompt_id: Mapped[int | None] = mapped_column(sa.ForeignKey("prompts.id", ondelete="SET NULL"), index=True)
    section_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sections.id", ondelete="SET NULL"), index=True)
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stakeholder_groups.id", ondelete="SET NULL"), index=True)
    #: Facilitator who typed a workshop note.
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: One of InputSource.
    source: Mapped[str] = mapped_column(sa.String(20), default=InputSource.WEB)
    #: Id made in the browser for notes captured offline: a note sent twice is stored once.
    client_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    #: Stable key of an imported row (file hash + row): importing the same file twice adds nothing.
    import_key: Mapped[str | None] = mapped_column(sa.String(100))
    #: Workshop table or group, e.g. "Bord 3".
    table_label: Mapped[str | None] = mapped_column(sa.String(100))
    #: Place name for suggestions (benkeforslag).
    place_name: Mapped[str | None] = mapped_column(sa.String(200))
    #: The text as given (personal data included; shown to administrators only).
    text: Mapped[str] = mapped_column(sa.Text)
    #: The text with personal data masked: what reviewers and the public see.
    text_masked: Mapped[str] = mapped_column(sa.Text, default="")
    #: Language guessed from the text: nb, nn, da or en.
    lang: Mapped[str | None] = mapped_column(sa.String(5))
    #: Stems of the masked text, for search that finds word forms (:mod:`hearing.grouping.search`).
    search_stems: Mapped[str | None] = mapped_column(sa.Text)
    #: Staff's redaction of the masked text for publication (None: not redacted). The original ``text``
    #: and ``text_masked`` are kept beside it, never replaced.
    text_redacted: Mapped[str | None] = mapped_column(sa.Text)
    #: Marked by a reviewer as a duplicate of another input.
    duplicate_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inputs.id", ondelete="SET NULL"))
    #: A workshop note (no submission, so no consent) staff approved for quoting in a public report, and who
    #: did: None while not approved. Responses are approved through their submission's moderation instead.
    quote_approved_dt: Mapped[datetime | None]
    quote_approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_dt: Mapped[datetime | None]

    activity = relationship("Activity")
    submission: Mapped[Submission | None] = relationship(back_populates="inputs")
    prompt = relationship("Prompt")
    section = relationship("Section")
    group = relationship("StakeholderGroup")
    author = relationship("User", foreign_keys=[author_id])

    @staticmethod
    def masked_fields(text: str, lang: str | None = None, default_lang: str | None = None) -> dict:
        """What is stored beside an input's text: the masked text, the language (``lang`` if given, else
        guessed from the masked text, a short one falling back to ``default_lang``) and the search stems.

        The one place an input's text is masked: the validators below use it for every input made or
        changed through the ORM (workshop notes, a reviewer's corrections), and :meth:`insert_values` for rows
        written without the unit of work (a public answer's texts, new or edited, bulk imports, the backup
        import)."""
        from hearing.privacy import mask

        masked = mask(text)
        lang = lang or guess_lang(masked, default_lang)
        return {"text_masked": masked, "lang": lang, "search_stems": stems_of(masked, lang)}

    @staticmethod
    def insert_values(**fields) -> dict:
        """Column values for a row written or rewritten without the ORM's unit of work (a public answer's texts,
        new or edited; bulk imports, the backup import), masked as the validators below mask what is set on an object; a ``text_masked`` or
        ``search_stems`` given is never trusted. ``default_lang`` (not a column) is the process's language,
        for guessing a short text's."""
        values = dict(fields)
        default_lang = values.pop("default_lang", None)
        values.update(Input.masked_fields(fields["text"], fields.get("lang"), default_lang))
        if values.get("place_name"):
            values["place_name"] = mask_place(values["place_name"])
        return values

    #: Not a column: the process's language, when the code making the input knows it (given before
    #: ``text``, e.g. ``Input(default_lang=..., text=...)``), so a short text's language is guessed with it
    #: at once instead of being looked up in the database as the input is written.
    default_lang = None

    @validates("text")
    def _mask_on_set(self, key: str, value: str) -> str:
        # Masked text is derived here, so no code path can store text without its masked twin.
        default_lang = self.__dict__.get("default_lang")
        fields = Input.masked_fields(value, self.lang, default_lang)  # a language set before (a reviewer's) is kept
        self.text_masked = fields["text_masked"]
        self.search_stems = fields["search_stems"]
        self._stems_for = (fields["text_masked"], fields["lang"])
        if not self.lang:
            self.lang = fields["lang"]
            if not default_lang:
                self._lang_guessed = True  # guessed without the process's language: see _guess_in_process_language
        return value

    @validates("lang")
    def _stems_in_lang(self, key: str, value: str | None) -> str | None:
        # The stems follow the language (a reviewer's correction included). A language set is not guessed.
        self.__dict__.pop("_lang_guessed", None)
        if self.text_masked and getattr(self, "_stems_for", None) != (self.text_masked, value):
            self.search_stems = stems_of(self.text_masked, value)
        return value

    @validates("place_name")
    def _mask_place(self, key: str, value: str | None) -> str | None:
        # "Where" is shown to reviewers as typed, so it is kept masked only: a phone number, e-mail or
        # identity number written there is never stored (the place itself needs no original).
        return mask_place(value)

    @property
    def display_text(self) -> str:
        """What reviewers and the public may see."""
        return self.text_masked

    @property
    def public_text(self) -> str:
        """What the public sees: staff's redaction when there is one, else the masked text."""
        return self.text_redacted if self.text_redacted is not None else self.text_masked


def _loaded_process_language(target: Input) -> str | None:
    """The process's language when the session holds the input's activity and its process already (the answer
    path does): no query inside the flush."""
    from sqlalchemy.orm import object_session
    from sqlalchemy.orm.util import identity_key

    from hearing.models.processes import Activity

    session = object_session(target)
    activity = session.identity_map.get(identity_key(Activity, target.activity_id)) if session is not None else None
    process = activity.__dict__.get("process") if activity is not None else None
    return process.language if process is not None else None


def _guess_in_process_language(mapper, connection, target: Input) -> None:
    """A language guessed when the text was set (the object did not know its process yet) is guessed again
    as it is written, with the process's language as the fallback for a short text."""
    if not target.__dict__.pop("_lang_guessed", False) or not target.text_masked or not target.activity_id:
        return
    from hearing.themes.text import SHORT_WORDS  # late: the engine is not needed to load the models

    if len(target.text_masked.split()) >= 2 * SHORT_WORDS:  # a long text's guess needs no fallback
        return
    language = _loaded_process_language(target)
    if language is None:
        language = connection.scalar(
            sa.text("SELECT p.language FROM activities a JOIN processes p ON p.id = a.process_id WHERE a.id = :id"),
            {"id": target.activity_id})
    lang = guess_lang(target.text_masked, language)
    if lang != target.lang:
        target.lang = lang  # the stems follow (the validator above)


sa.event.listen(Input, "before_insert", _guess_in_process_language)
sa.event.listen(Input, "before_update", _guess_in_process_language)

