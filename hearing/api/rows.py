"""One description of every stored field, shared by the JSON API and the whole-process backup.

:func:`row_schema` makes a marshmallow schema from a table of the models: one field per column, with
its type, length and whether it may be empty. The API's resource schemas (:mod:`hearing.api.schemas`)
are built on these row schemas, so the OpenAPI document describes each field as it is stored; the
backup (:mod:`hearing.exports.backup`) checks every row of a file with the same schemas before it
writes anything (:func:`row_errors`).
"""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from marshmallow import Schema, ValidationError, fields, validate

from hearing.models import Base
from hearing.models.base import UTCDateTime


def _field(column: sa.Column, *, for_backup: bool = False) -> fields.Field:
    kind = column.type
    # in a backup a reference may be empty where the import fills it in later (or leaves it out)
    options = {"allow_none": column.nullable or (for_backup and bool(column.foreign_keys)), "metadata": {}}
    if column.comment:
        options["metadata"]["description"] = column.comment
    if for_backup and any(fk.column.table.name == "users" for fk in column.foreign_keys):
        # a staff member travels as an e-mail address in a backup
        return fields.String(allow_none=True)
    if isinstance(kind, UTCDateTime | sa.DateTime):
        return fields.AwareDateTime(default_timezone=None, **options) if not for_backup else fields.DateTime(**options)
    if isinstance(kind, sa.Date):
        return fields.Date(**options)
    if isinstance(kind, sa.Boolean):
        return fields.Boolean(**options)
    if isinstance(kind, sa.Integer):
        return fields.Integer(strict=True, **options)
    if isinstance(kind, sa.Float):
        return fields.Float(**options)
    if isinstance(kind, sa.LargeBinary):
        return fields.String(**options)  # base64
    if isinstance(kind, sa.JSON):
        return fields.Raw(**options)
    if isinstance(kind, sa.String | sa.Text):
        length = getattr(kind, "length", None)
        # lengths are the API's promise; a backup is checked for types only (SQLite never enforced lengths)
        return fields.String(validate=validate.Length(max=length) if length and not for_backup else None, **options)
    return fields.Raw(**options)


@cache
def row_schema(table: str) -> type[Schema]:
    """A schema of one stored row of ``table`` (every column; read-only use)."""
    columns = Base.metadata.tables[table].columns
    return Schema.from_dict({c.name: _field(c) for c in columns}, name=_class_name(table) + "Row")


@cache
def _backup_schema(table: str) -> Schema:
    columns = Base.metadata.tables[table].columns
    cls = Schema.from_dict({c.name: _field(c, for_backup=True) for c in columns}, name=_class_name(table) + "BackupRow")
    return cls(partial=True)


def row_fields(table: str, *names: str) -> dict[str, fields.Field]:
    """Copies of the row fields ``names`` of ``table``, to declare in a resource schema."""
    declared = row_schema(table)._declared_fields
    missing = [n for n in names if n not in declared]
    if missing:
        raise KeyError(f"{table} has no columns {missing}")
    return {name: _copy(declared[name]) for name in names}


def _copy(field: fields.Field) -> fields.Field:
    import copy

    return copy.deepcopy(field)


def row_errors(table: str, row: dict) -> dict:
    """Columns of a backup row whose value does not fit the stored type (empty dict when it fits).

    Columns the table no longer has are left to the caller (an older backup may carry them).
    """
    schema = _backup_schema(table)
    known = {k: v for k, v in row.items() if k in schema.fields}
    try:
        schema.load(known)
    except ValidationError as exc:
        return exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
    return {}


def _class_name(table: str) -> str:
    return "".join(part.title() for part in table.split("_"))
