"""Access to the deployment's services from a request (the app's :class:`Runtime`)."""

from __future__ import annotations

from flask import current_app, request

from beacon.core.display_zone import DisplayZone
from beacon.service.runtime import Runtime

EXTENSION = "beacon.runtime"


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions[EXTENSION]
    return rt


def base_url() -> str:
    """The public base URL: configured, else the one this request came in on."""
    configured: str | None = current_app.config.get("PUBLIC_URL")
    return (configured or request.host_url).rstrip("/")


def display_zone() -> DisplayZone:
    """The deployment's display time zone (config ``DISPLAY_ZONE``)."""
    zone: DisplayZone = current_app.config["DISPLAY_ZONE"]
    return zone
