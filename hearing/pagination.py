"""Long lists in pages: one COUNT and one LIMIT/OFFSET query, never the whole list in Python.

Views call :func:`paginate` with a SELECT and the page asked for (``?page=N``); templates show the
page links with ``pagination(page)`` from ``_pagination.html``, which keeps every other query
argument (filters) in the links.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

__all__ = ["PER_PAGE", "Page", "count", "page_arg", "paginate"]

#: Items per page of every reviewer and admin list.
PER_PAGE = 50


@dataclass
class Page:
    """One page of a list: its items, the total across all pages and where this page is."""

    items: list[Any] = field(default_factory=list)
    total: int = 0
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """Number (from 1) of the first item on this page; 0 when the list is empty."""
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)

    @property
    def numbers(self) -> list[int | None]:
        """Page numbers to link: the first, the last and two on each side of this one; ``None`` for a gap."""
        wanted = {1, self.pages, *range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)}
        out: list[int | None] = []
        for n in sorted(wanted):
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def page_arg(args, name: str = "page") -> int:
    """The page asked for in the query string (1 when missing or not a positive number)."""
    try:
        return max(1, int(args.get(name, 1)))
    except (TypeError, ValueError):
        return 1


def count(session: Session, query: sa.Select) -> int:
    """Rows a SELECT returns, counted by the database."""
    return session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0


def paginate(session: Session, query: sa.Select, page: int, per_page: int = PER_PAGE, *,
             total: int | None = None, scalars: bool = True) -> Page:
    """One page of ``query`` (which must be ordered); a page past the end shows the last page."""
    if total is None:
        total = count(session, query)
    out = Page(total=total, per_page=per_page)
    out.page = min(max(1, page), out.pages)
    q = query.offset((out.page - 1) * per_page).limit(per_page)
    result = session.execute(q)
    out.items = list(result.scalars() if scalars else result.all())
    return out
