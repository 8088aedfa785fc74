"""The OpenAPI document as JSON and as a readable reference page (made on the server, no scripts, no CDN)."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from hearing.auth import public

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")

METHODS = ("get", "post", "put", "patch", "delete")


def document() -> dict:
    from hearing.api import api

    return api.spec.to_dict()


@bp.get("/openapi.json")
@public
def openapi_json():
    response = jsonify(document())
    response.headers["Cache-Control"] = "no-cache"
    return response


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _resolve(doc: dict, item: dict) -> dict:
    """A parameter given by reference (If-None-Match), looked up in the document's components."""
    if "$ref" in item:
        return doc.get("components", {}).get("parameters", {}).get(_ref_name(item["$ref"]), item)
    return item


def type_of(schema: dict | None) -> str:
    """A field's type in words for the page, e.g. "string (date-time) | null", "array of Input"."""
    if not schema:
        return "–"
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return type_of(schema["allOf"][0])
    if "anyOf" in schema or "oneOf" in schema:
        return " | ".join(type_of(s) for s in schema.get("anyOf") or schema.get("oneOf"))
    kinds = schema.get("type", "object")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    words = []
    for kind in kinds:
        if kind == "array":
            words.append(f"array of {type_of(schema.get('items'))}")
        elif kind == "string" and schema.get("format"):
            words.append(f"string ({schema['format']})")
        elif kind == "string" and schema.get("enum"):
            words.append("string: " + ", ".join(str(v) for v in schema["enum"] if v is not None))
        else:
            words.append(str(kind))
    return " | ".join(words)


def operations(doc: dict) -> list[tuple[str, list[dict]]]:
    """Operations grouped by their first tag, in the order of the document's tags."""
    order = [t["name"] for t in doc.get("tags", [])]
    groups: dict[str, list[dict]] = {}
    for path, item in doc.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            tag = (op.get("tags") or ["API"])[0]
            if tag not in order:
                order.append(tag)
            body = (op.get("requestBody") or {}).get("content", {}).get("application/json", {}).get("schema")
            responses = []
            ordered = sorted(op.get("responses", {}).items(), key=lambda kv: (not kv[0].isdigit(), kv[0]))
            for code, resp in ordered:
                if "$ref" in resp:
                    resp = doc["components"]["responses"].get(_ref_name(resp["$ref"]), {})
                content = resp.get("content") or {}
                kind, media = next(iter(content.items()), (None, {}))
                responses.append({"code": code, "description": resp.get("description", ""), "media": kind,
                                  "type": type_of(media.get("schema")) if media else "–"})
            security = [scope for req in op.get("security", []) for scopes in req.values() for scope in scopes]
            groups.setdefault(tag, []).append({
                "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""), "scopes": security,
                "parameters": [_resolve(doc, p) for p in [*shared, *op.get("parameters", [])]],
                "body": type_of(body) if body else None,
                "responses": responses,
            })
    return [(tag, groups[tag]) for tag in order if tag in groups]


def schemas(doc: dict) -> list[tuple[str, list[dict]]]:
    out = []
    for name, schema in sorted(doc.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        props = [{"name": field, "type": type_of(prop), "required": field in required,
                  "description": prop.get("description", ""), "read_only": prop.get("readOnly", False)}
                 for field, prop in schema.get("properties", {}).items()]
        out.append((name, props))
    return out


@bp.get("/reference")
@public
def reference():
    from hearing.api.problems import DETAILS, TYPES

    doc = document()
    problems = [{"slug": slug, "status": status, "title_nb": nb, "title_en": en, "detail_nb": DETAILS[slug][0],
                 "detail_en": DETAILS[slug][1]} for slug, (status, nb, en) in TYPES.items()]
    listed = schemas(doc)
    return render_template("api/reference.html", doc=doc, groups=operations(doc), schemas=listed,
                           schema_names={name for name, _props in listed}, problems=problems, type_of=type_of)
