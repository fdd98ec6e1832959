"""/api/dokumentation: the HTTP API described from the app's own OpenAPI, server-rendered in Swedish (no
JavaScript, no CDN, so it works under the app's strict CSP)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from samverkan.web.forms import page_router
from samverkan.web.views import page

router = page_router()
METHODS = ("get", "post", "put", "patch", "delete")
PLACES = {"path": "i sökvägen", "query": "i frågesträngen", "header": "i huvudet", "cookie": "i kaka"}


@dataclass
class Parameter:
    name: str
    place: str
    required: bool
    kind: str
    description: str


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Parameter] = field(default_factory=list)
    body: str = ""
    body_fields: list[Parameter] = field(default_factory=list)
    responses: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"{self.method}-{self.path}".replace("/", "-").replace("{", "").replace("}", "").strip("-")


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        resolved: dict[str, Any] = spec.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {})
        return resolved
    return schema


def _kind(spec: dict[str, Any], schema: dict[str, Any]) -> str:
    schema = _resolve(spec, schema) if "$ref" in schema else schema
    if "anyOf" in schema:
        return " eller ".join(_kind(spec, s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"lista av {_kind(spec, schema.get('items', {}))}"
    names = {"string": "text", "integer": "heltal", "number": "tal", "boolean": "ja/nej", "null": "tomt"}
    kind = str(schema.get("type", "")) or "objekt"
    text = names.get(kind, schema.get("title", kind))
    return f"{text} ({schema['format']})" if "format" in schema else str(text)


def _fields(spec: dict[str, Any], schema: dict[str, Any]) -> list[Parameter]:
    schema = _resolve(spec, schema)
    required = set(schema.get("required", []))
    return [
        Parameter(
            name=name,
            place="",
            required=name in required,
            kind=_kind(spec, prop),
            description=str(prop.get("description") or prop.get("title") or ""),
        )
        for name, prop in schema.get("properties", {}).items()
    ]


def _operation(spec: dict[str, Any], path: str, method: str, raw: dict[str, Any]) -> Operation:
    op = Operation(method.upper(), path, str(raw.get("summary", "")), str(raw.get("description", "")))
    for p in raw.get("parameters", []):
        op.parameters.append(
            Parameter(
                name=str(p["name"]),
                place=PLACES.get(p.get("in", ""), str(p.get("in", ""))),
                required=bool(p.get("required")),
                kind=_kind(spec, p.get("schema", {})),
                description=str(p.get("description") or p.get("schema", {}).get("title") or ""),
            )
        )
    content = raw.get("requestBody", {}).get("content", {})
    for media, body in content.items():
        schema = body.get("schema", {})
        op.body = f"{_resolve(spec, schema).get('title', '')} ({media})"
        op.body_fields = _fields(spec, schema)
    for code, answer in raw.get("responses", {}).items():
        schemas = [c.get("schema", {}) for c in answer.get("content", {}).values()]
        title = str(_resolve(spec, schemas[0]).get("title", "")) if schemas else ""
        op.responses.append((str(code), str(answer.get("description", "")), title))
    return op


def operations(spec: dict[str, Any]) -> list[Operation]:
    """Every operation of the OpenAPI description, in path order."""
    return [
        _operation(spec, path, method, item[method])
        for path, item in spec.get("paths", {}).items()
        for method in METHODS
        if method in item
    ]


@router.get("/api/dokumentation", response_class=HTMLResponse)
def api_documentation(request: Request) -> HTMLResponse:
    spec = request.app.openapi()
    return page(request, "api_docs.html.j2", info=spec.get("info", {}), operations=operations(spec))
