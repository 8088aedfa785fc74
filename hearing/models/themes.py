"""Theme grouping runs, their themes, and where each input was placed."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hearing.models.base import Base, one_of, utcnow


class PlacementSource(enum.StrEnum):
    AUTO = "auto"  # the clustering put it there
    GUIDED = "guided"  # matched an expected theme given by a reviewer
    PLACED = "placed"  # arrived after the run, put in the nearest theme
    SUGGESTED = "suggested"  # accepted suggestion of the classifier
    MANUAL = "manual"  # moved or confirmed by a reviewer


class ThemeRun(Base):
    """One grouping of the inputs of a process, phase or activity."""

    __tablename__ = "theme_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    #: Narrower scope, when the run covers one phase or one activity.
    phase_id: Mapped[int | None] = mapped_column(sa.ForeignKey("phases.id", ondelete="SET NULL"))
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activities.id", ondelete="SET NULL"))
    #: The run this one re-ran: names and manual placements are carried over from it.
    previous_run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("theme_runs.id", ondelete="SET NULL"))
    #: Background job that computes it (status and progress live there).
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"))
    #: Engine options: number of themes or "auto", vectoriser, random_state, guidance.
    params: Mapped[dict] = mapped_column(default=dict)
    #: NMI/ARI or other scores when known, number of inputs.
    stats: Mapped[dict] = mapped_column(default=dict)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    themes: Mapped[list[Theme]] = relationship(back_populates="run", order_by="Theme.position", cascade="all, delete-orphan")
    job = relationship("Job")


class Theme(Base):
    __tablename__ = "themes"
    __table_args__ = (sa.UniqueConstraint("run_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("theme_runs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    #: Label made by the engine from distinctive terms.
    auto_label: Mapped[str] = mapped_column(sa.String(300))
    #: Name given by a reviewer; wins over auto_label and survives re-runs.
    name: Mapped[str | None] = mapped_column(sa.String(300))
    #: Distinctive terms in their most common surface form.
    terms: Mapped[list] = mapped_column(default=list)
    #: Ids of the most representative inputs.
    quote_input_ids: Mapped[list] = mapped_column(default=list)
    #: The "Diverse" group for inputs that fit nowhere.
    is_misc: Mapped[bool] = mapped_column(default=False)
    #: Name of the expected theme of a guided run.
    guide_name: Mapped[str | None] = mapped_column(sa.String(300))
    #: Theme in the previous run that this one continues.
    previous_theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("themes.id", ondelete="SET NULL"))
    #: Set when a reviewer merged this theme into another.
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("themes.id", ondelete="SET NULL"))

    run: Mapped[ThemeRun] = relationship(back_populates="themes")

    @property
    def label(self) -> str:
        return self.name or self.auto_label


class ThemeAssignment(Base):
    """Where an input sits in a run; reviewers' moves and pins are kept across re-runs."""

    __tablename__ = "theme_assignments"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "input_id"),
        # a run's placements per theme read from the index alone, in input order (the board, the theme
        # page, the report): (run_id, theme_id) made SQLite visit inputs out of order, 3-4x slower at 50k
        sa.Index("ix_theme_assignments_run_input_theme", "run_id", "input_id", "theme_id"),
        one_of("source", PlacementSource),
        sa.CheckConstraint("confidence IS NULL OR (confidence >= 0 AND confidence <= 1)", name="confidence_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("theme_runs.id", ondelete="CASCADE"), index=True)
    input_id: Mapped[int] = mapped_column(sa.ForeignKey("inputs.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    #: One of PlacementSource.
    source: Mapped[str] = mapped_column(sa.String(20), default=PlacementSource.AUTO)
    #: Pinned by a reviewer: no re-run or suggestion moves it.
    is_pinned: Mapped[bool] = mapped_column(default=False)
    #: Arrived after the run and was placed into it.
    is_new: Mapped[bool] = mapped_column(default=False)
    confidence: Mapped[float | None]
    #: Classifier's suggestion not yet accepted.
    suggested_theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("themes.id", ondelete="SET NULL"))
    suggested_confidence: Mapped[float | None]
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    assigned_dt: Mapped[datetime] = mapped_column(default=utcnow)

    theme: Mapped[Theme] = relationship(foreign_keys=[theme_id])
    input = relationship("Input")


class InputEmbedding(Base):
    """Sentence embedding of an input, computed once in the background and reused by every run."""

    __tablename__ = "input_embeddings"
    __table_args__ = (sa.UniqueConstraint("input_id", "model"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    input_id: Mapped[int] = mapped_column(sa.ForeignKey("inputs.id", ondelete="CASCADE"), index=True)
    #: Model name, e.g. "multilingual-e5-small-q4".
    model: Mapped[str] = mapped_column(sa.String(60))
    #: SHA-256 of the text embedded, so an edited input is embedded again.
    text_hash: Mapped[str] = mapped_column(sa.String(64))
    #: float32 vector as bytes.
    vector: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)


class DecisionKind(enum.StrEnum):
    RENAME = "rename"  # a reviewer named a theme (empty name: back to the engine's label)
    GUIDANCE = "guidance"  # the expected themes typed when starting a run (the next run's default)
    MOVE = "move"  # an input put in a theme
    PIN = "pin"  # an input confirmed where it is; no run moves it
    UNPIN = "unpin"  # a pin taken back
    CONFIRM = "confirm"  # a suggestion accepted (one, or in bulk above a chosen certainty)
    MERGE = "merge"  # a theme merged into another
    SPLIT = "split"  # a new named theme split off another
    NOT_DUPLICATE = "not_duplicate"  # a suggested duplicate rejected: never suggested again


class ThemeDecision(Base):
    """One decision of the review group on a process; every later run obeys the decisions."""

    __tablename__ = "theme_decisions"
    __table_args__ = (one_of("kind", DecisionKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    #: One of DecisionKind.
    kind: Mapped[str] = mapped_column(sa.String(20))
    #: The run the reviewer worked in.
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("theme_runs.id", ondelete="SET NULL"))
    #: The theme decided on (renamed, split off, merged into) or that the input was put in.
    theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("themes.id", ondelete="SET NULL"))
    #: The input moved, pinned or confirmed.
    input_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inputs.id", ondelete="CASCADE"), index=True)
    #: The name given (rename, split).
    name: Mapped[str | None] = mapped_column(sa.String(300))
    #: Anything else: the guidance text, the theme merged away, where an input came from.
    payload: Mapped[dict] = mapped_column(default=dict)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)


class DuplicateCandidate(Base):
    """A likely (near-)duplicate found by a run's job: ``input_id`` says the same as the earlier ``original_id``.

    Suggestions only; a reviewer confirms them (``Input.duplicate_of_id``) or rejects them (a
    ``not_duplicate`` decision that every later run obeys).
    """

    __tablename__ = "duplicate_candidates"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "input_id"),
        sa.CheckConstraint("input_id <> original_id", name="not_itself"),
        sa.CheckConstraint("similarity >= 0 AND similarity <= 1", name="similarity_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("theme_runs.id", ondelete="CASCADE"), index=True)
    #: The later input, suggested as a duplicate.
    input_id: Mapped[int] = mapped_column(sa.ForeignKey("inputs.id", ondelete="CASCADE"), index=True)
    #: The earliest input that says the same.
    original_id: Mapped[int] = mapped_column(sa.ForeignKey("inputs.id", ondelete="CASCADE"), index=True)
    #: How alike the two are, 0..1 (1: the same words in the same forms).
    similarity: Mapped[float]
