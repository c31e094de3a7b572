"""deploy/ as the tests read it: compose.yaml, beacon.env and the systemd units."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
IMAGE = "tender-beacon:latest"


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return document


def env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, as docker compose and systemd's EnvironmentFile= read them.

    Both strip one pair of double quotes around a value (which lets ``sh`` source the
    file too: ``set -a; . deploy/beacon.env``).
    """
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            values[key.strip()] = value
    return values


def service_env(service: dict[str, Any]) -> dict[str, str]:
    env: dict[str, str] = {}
    for name in service.get("env_file", []):
        env.update(env_file(DEPLOY / name))
    env.update({k: str(v) for k, v in service.get("environment", {}).items()})
    return env


def beacon_services() -> dict[str, dict[str, Any]]:
    return {n: s for n, s in compose()["services"].items() if s.get("image") == IMAGE}


def unit(name: str) -> dict[str, list[str]]:
    """A systemd unit's keys (every value of a repeated key), sections flattened."""
    keys: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            keys.setdefault(key, []).append(value)
    return keys
