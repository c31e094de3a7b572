"""deploy/ (issue 13, item 1): what the compose file, the systemd units and nginx declare.

The compose services and the systemd units run the same commands with the same
settings file; every variable is a setting of beacon/service/config.py with a value
the web accepts; nginx caches only by the web's own headers; and the image installs
from the repository's own files. tests/ops/test_deploy_run.py runs the services.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import make_url

from beacon.service import config
from beacon.web import wsgi
from tests.conftest import ROOT
from tests.ops.deployfiles import (
    BIN,
    DEPLOY,
    beacon_services,
    compose,
    env_file,
    service_env,
    unit,
)

# -- what the files declare --------------------------------------------------------------


def test_compose_declares_the_deployment() -> None:
    services = compose()["services"]
    assert services["db"]["image"] == "postgres:15"
    beacon = beacon_services()
    assert set(beacon) == {"migrate", "web", "pulser", "worker"}
    assert beacon["migrate"]["command"] == ["beacon", "db", "upgrade"]
    assert beacon["migrate"]["restart"] == "no"
    for name in ("web", "pulser", "worker"):  # nothing opens the database before migrate
        assert beacon[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
    web = beacon["web"]["command"]
    assert web[0] == "gunicorn" and web[-1] == "beacon.web.wsgi:app"
    assert "--worker-class=gthread" in web
    # /metrics adds up the web's processes: gunicorn's hooks, and a folder only it uses.
    assert "--config=python:beacon.ops.gunicorn_conf" in web
    assert "--env=PROMETHEUS_MULTIPROC_DIR=/tmp/beacon-metrics" in web
    for name in ("pulser", "worker"):
        assert beacon[name]["command"] == [
            "beacon",
            name,
            "--metrics-host=0.0.0.0",
            "--metrics-port=9100",
        ]
        assert "PROMETHEUS_MULTIPROC_DIR" not in service_env(beacon[name]), name
    assert beacon["worker"]["deploy"]["replicas"] == 2
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in services["nginx"]["volumes"]
    assert services["nginx"]["depends_on"]["web"]["condition"] == "service_healthy"
    # One volume holds BEACON_DATA_DIR for every beacon process (CA, blobs, opened bids).
    for name, service in beacon.items():
        data_dir = service_env(service)["BEACON_DATA_DIR"]
        assert f"beacon-data:{data_dir}" in service["volumes"], name


def test_every_variable_is_a_setting_and_valid_for_the_web() -> None:
    for name, service in beacon_services().items():
        env = service_env(service)
        unknown = set(env) - {s.env for s in config.SETTINGS} - {"BEACON_LOG_FORMAT"}
        assert not unknown, (name, unknown)
        assert env["BEACON_TRUSTED_PROXIES"] == "1"  # exactly the one nginx in front
        web = wsgi.config_from_env(env)  # refuses any value out of range, naming it
        assert web.trusted_proxies == 1
        assert web.settings.pulser.period_ms == 60_000
        assert make_url(env["BEACON_DATABASE_URL"]).host == "db"


def test_sh_reads_the_env_file_as_compose_and_systemd_do() -> None:
    """README: ``set -a; . deploy/beacon.env`` sets exactly these values in a shell."""
    shown = subprocess.run(
        ["sh", "-c", f"set -a; . '{DEPLOY / 'beacon.env'}'; env"],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    in_shell = dict(line.split("=", 1) for line in shown.splitlines() if line.startswith("BEACON_"))
    assert in_shell == env_file(DEPLOY / "beacon.env")


def test_nginx_caches_by_the_webs_headers() -> None:
    text = (DEPLOY / "nginx.conf").read_text()
    directives = {line.strip() for line in text.splitlines() if not line.strip().startswith("#")}
    # No proxy_cache_valid: only Cache-Control/Expires from the web decide what is cached.
    assert not [d for d in directives if d.startswith("proxy_cache_valid")]
    assert {"proxy_cache beacon;", "proxy_cache_lock on;"} <= directives
    for header in ("For", "Proto", "Host", "Port"):
        assert any(d.startswith(f"proxy_set_header X-Forwarded-{header} ") for d in directives)
    upload = re.search(r"client_max_body_size (\d+)m;", text)
    envelope = int(env_file(DEPLOY / "beacon.env")["BEACON_MAX_ENVELOPE_MB"])
    assert upload is not None and int(upload.group(1)) > envelope


def test_nginx_conf_parses(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    if nginx is None:
        pytest.skip(reason="nginx is not installed: deploy/nginx.conf was not parsed")
    # Only what names the compose network and the image's paths is rewritten.
    (tmp_path / "mime.types").write_text("types { text/html html; }\n")
    (tmp_path / "cache").mkdir()  # /var/cache/nginx exists in the nginx image
    text = (DEPLOY / "nginx.conf").read_text()
    text = text.replace("server web:8000;", "server 127.0.0.1:8000;")  # compose's host name
    text = text.replace("/var/cache/nginx/", f"{tmp_path}/cache/")
    text = text.replace("/etc/nginx/mime.types", str(tmp_path / "mime.types"))
    (tmp_path / "nginx.conf").write_text(text)
    result = subprocess.run(
        [
            nginx,
            "-t",
            "-p",
            str(tmp_path),
            "-c",
            str(tmp_path / "nginx.conf"),
            "-g",
            f"pid {tmp_path}/nginx.pid;",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


SYSTEMD_OF = {
    "migrate": "beacon-migrate.service",
    "web": "beacon-web.service",
    "pulser": "beacon-pulser.service",
    "worker": "beacon-worker@.service",
}


@pytest.mark.parametrize(("service", "unit_file"), sorted(SYSTEMD_OF.items()))
def test_systemd_unit_runs_the_compose_command(service: str, unit_file: str) -> None:
    keys = unit(unit_file)
    (exec_start,) = keys["ExecStart"]
    argv = shlex.split(exec_start)
    assert Path(argv[0]).parent == Path("/opt/tender-beacon/venv/bin")
    command = beacon_services()[service]["command"]
    # The same program, sub-command and options; only the web's bind address differs
    # (behind the host's nginx, not a container network).
    expected = [a.replace("--bind=0.0.0.0:", "--bind=127.0.0.1:") for a in command]
    # The metrics endpoints: on the compose network in containers; on the host's loopback
    # under systemd (the default --metrics-host), one port per worker instance.
    expected = [a for a in expected if a != "--metrics-host=0.0.0.0"]
    if service == "worker":
        expected = [a.replace("--metrics-port=9100", "--metrics-port=910%i") for a in expected]
    assert [Path(argv[0]).name, *argv[1:]] == expected
    # The same settings: compose loads beacon.env, the units /etc/beacon/beacon.env, a copy.
    assert keys["EnvironmentFile"] == ["/etc/beacon/beacon.env"]
    assert beacon_services()[service]["env_file"] == ["beacon.env"]
    assert keys["StateDirectory"] == ["beacon"]  # /var/lib/beacon = BEACON_DATA_DIR
    assert env_file(DEPLOY / "beacon.env")["BEACON_DATA_DIR"] == "/var/lib/beacon"
    if service != "migrate":
        assert keys["Requires"] == keys["After"] == ["beacon-migrate.service"]
    else:
        assert keys["Type"] == ["oneshot"]


def test_systemd_target_starts_two_workers() -> None:
    wants = " ".join(unit("beacon.target")["Wants"]).split()
    assert {"beacon-web.service", "beacon-pulser.service", "beacon-migrate.service"} <= set(wants)
    assert [w for w in wants if w.startswith("beacon-worker@")] == [
        "beacon-worker@1.service",
        "beacon-worker@2.service",
    ]


def test_systemd_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip(reason="systemd-analyze is not installed: the units were not verified")
    names = [*SYSTEMD_OF.values(), "beacon.target"]
    for name in names:  # the venv and the env file of this checkout, for the paths it checks
        text = (DEPLOY / "systemd" / name).read_text()
        text = text.replace("/opt/tender-beacon/venv/bin/", f"{BIN}/")
        text = text.replace("/etc/beacon/beacon.env", str(DEPLOY / "beacon.env"))
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        [analyze, "verify", *(str(tmp_path / n) for n in names if "@" not in n)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # verify only warns (exit 0) about an unknown key or a bad value: any line naming a unit fails.
    complaints = [line for line in result.stderr.splitlines() if "beacon" in line]
    assert result.returncode == 0 and not complaints, result.stderr


# -- the image -------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_image_installs_from_the_repositorys_own_files(tmp_path: Path) -> None:
    """The last stage's COPY lines name everything pip gets: build a wheel from only those."""
    lines = (DEPLOY / "Dockerfile").read_text().splitlines()
    final = max(i for i, line in enumerate(lines) if line.startswith("FROM "))
    copies = [line.split()[1:-1] for line in lines[final:] if line.startswith("COPY ")]
    sources = [s for c in copies if not c[0].startswith("--from") for s in c]
    assert sources == ["pyproject.toml", "README.md", "beacon/", "verifier/"]
    install = next(line for line in lines[final:] if "pip install" in line)
    assert "'.[postgres,server]'" in install
    (tmp_path / "src").mkdir()
    for source in sources:
        if source.endswith("/"):
            shutil.copytree(
                ROOT / source,
                tmp_path / "src" / source,
                ignore=shutil.ignore_patterns("__pycache__", "verify"),
            )
        else:
            shutil.copy(ROOT / source, tmp_path / "src" / source)
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"),
            *(
                "--no-index",
                "--quiet",
                "--wheel-dir",
                str(tmp_path / "dist"),
                str(tmp_path / "src"),
            ),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = (tmp_path / "dist").glob("*.whl")
    names = set(zipfile.ZipFile(built).namelist())
    for needed in (
        "beacon/web/wsgi.py",
        "beacon/store/migrations/env.py",
        "beacon/store/migrations/script.py.mako",
        "beacon/web/templates/base.html",
        "beacon/web/static/board.js",
        "verifier/cli.py",
    ):
        assert needed in names, needed
    versions = {n for n in names if n.startswith("beacon/store/migrations/versions/")}
    in_repo = {
        f"beacon/store/migrations/versions/{p.name}"
        for p in (ROOT / "beacon/store/migrations/versions").glob("*.py")
    }
    assert versions == in_repo
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    scripts = zipfile.ZipFile(built).read(entry_points).decode()
    assert "beacon = beacon.cli:main" in scripts and "beacon-verify = verifier.cli:main" in scripts
