"""The platform side of grouping: runs, the reviewers' decisions, placement of new input.

The engine (:mod:`hearing.themes`) knows nothing of the database or Flask; this package stores what
it finds and what the reviewers decide, and gives every other part of the platform the same answer
to "which run?" (:func:`current_run`) and "which inputs?" (:func:`visible_inputs`).
"""

from hearing.grouping.queries import current_run, leave_out_withdrawn, visible_clause, visible_inputs

__all__ = ["current_run", "leave_out_withdrawn", "visible_clause", "visible_inputs"]
