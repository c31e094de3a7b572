"""The OpenAPI 3.1 document, assembled from each blueprint's own path dict.

A blueprint is registered together with the OpenAPI ``paths`` it serves
(:func:`register`); ``/openapi.json`` serves the union. A test checks that every
Flask rule is documented and every documented path exists.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue

from beacon import __version__

EXTENSION = "beacon.openapi"

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "field": {"type": "string"},
    },
}


def problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }


def json_response(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema or {"type": "object"}}},
    }


def integer_parameter(name: str, where: str = "path", description: str = "") -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "description": description,
        "schema": {"type": "integer", "minimum": 0},
    }


_OWN = {
    "/openapi.json": {
        "get": {
            "summary": "This OpenAPI 3.1 document",
            "responses": {"200": json_response("The API description")},
        }
    }
}

openapi_blueprint = Blueprint("openapi", __name__)


@openapi_blueprint.get("/openapi.json")
def openapi_document() -> ResponseReturnValue:
    return jsonify(document(current_app))


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = {}
    register(app, openapi_blueprint, _OWN)


def register(app: Flask, blueprint: Blueprint, paths: dict[str, dict[str, Any]]) -> None:
    """Register ``blueprint`` and document its ``paths`` (a path may be documented once)."""
    known: dict[str, dict[str, Any]] = app.extensions[EXTENSION]
    clash = sorted(known.keys() & paths.keys())
    if clash:
        raise ValueError(f"OpenAPI paths documented twice: {clash}")
    app.register_blueprint(blueprint)
    known.update(paths)


def document(app: Flask) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "tender-beacon",
            "version": __version__,
            "description": "NIST Beacon 2.0 pulses and the transparency log (docs/PROTOCOL.md).",
        },
        "paths": dict(sorted(app.extensions[EXTENSION].items())),
        "components": {"schemas": {"Problem": PROBLEM_SCHEMA}},
    }
