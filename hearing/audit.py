"""Recording administrative changes. Call inside the transaction that makes the change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hearing.models import AuditEvent, User


def record(
    session: Session,
    actor: User | None,
    action: str,
    obj: Any = None,
    *,
    process_id: int | None = None,
    **data: Any,
) -> AuditEvent:
    """Add an audit event for ``action`` on ``obj`` by ``actor``; the caller commits."""
    if obj is not None and getattr(obj, "id", None) is None:
        session.flush()  # the object needs its id for the record
    if process_id is None and obj is not None:
        process_id = getattr(obj, "process_id", None)
        if process_id is None and type(obj).__name__ == "Process":
            process_id = obj.id
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__tablename__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        process_id=process_id,
        data={k: _plain(v) for k, v in data.items()},
    )
    session.add(event)
    return event


def _plain(value: Any) -> Any:
    """JSON-safe representation of a changed value."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)
