"""The platform side of grouping: runs, the reviewers' decisions, placement of new input.

The engine (:mod:`hearing.themes`) knows nothing of the database or Flask; this package stores what
it finds and what the reviewers decide, and gives every other part of the platform the same answer
to "which run?" (:func:`current_run`), "which inputs?" (:func:`visible_inputs`) and "which responses
may the public see?" (:func:`public_submissions`).
"""

from hearing.grouping.queries import (
    approved_clause,
    current_run,
    leave_out_withdrawn,
    public_clause,
    public_submissions,
    publication_time,
    visible_clause,
    visible_inputs,
)

__all__ = ["approved_clause", "current_run", "leave_out_withdrawn", "public_clause", "public_submissions",
           "publication_time", "visible_clause", "visible_inputs"]
