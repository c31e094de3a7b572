"""deploy/ (issue 13, item 1): the compose file, the systemd units and nginx, as shipped.

The main test brings up what deploy/compose.yaml declares on this machine without
Docker: it reads each beacon service's command and environment from the file and runs
them as they are, rewriting only what names this machine (the database URL's host and
database, the data folder, the public URL and the bind address, the binaries' folder)
and, so that a draw takes seconds instead of hours, the deployment's time scale
(:data:`TEST_SCALE`). In the compose order: the one-shot migration, then gunicorn, the
pulser and two workers on a fresh PostgreSQL schema; then the demo CA's parties run a
whole draw through the HTTP API, and the independent verifier checks its proof bundle.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, make_url

from beacon.core.timefmt import format_ms
from beacon.service import config
from beacon.web import wsgi
from tests.conftest import POSTGRES_URL, ROOT
from tests.e2e.test_server_process import free_port, get, party_args, run, wait_for

DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
IMAGE = "tender-beacon:latest"
# The deployment's time scale, not its wiring: a 60 s period and T >= 100 * 700 000 * W
# squarings (PROTOCOL.md §11.5) would make this draw last hours. As tests/e2e does.
TEST_SCALE = {
    "BEACON_PULSE_PERIOD": "1",
    "BEACON_MIN_LEAD_SECONDS": "3",
    "BEACON_VDF_RATE": "2000",
    "BEACON_VDF_ADVANTAGE": "1",
}


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
    assert beacon["pulser"]["command"] == ["beacon", "pulser"]
    assert beacon["worker"]["command"] == ["beacon", "worker"]
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
    conf_dir = Path(
        re.search(
            r"--conf-path=(\S+)",
            subprocess.run([nginx, "-V"], capture_output=True, text=True).stderr,
        ).group(1)  # type: ignore[union-attr]
    ).parent
    text = (DEPLOY / "nginx.conf").read_text()
    text = text.replace("server web:8000;", "server 127.0.0.1:8000;")  # compose's host name
    text = text.replace("/var/cache/nginx/", f"{tmp_path}/cache/")
    text = text.replace("/etc/nginx/mime.types", str(conf_dir / "mime.types"))
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


# -- the compose processes, without Docker -----------------------------------------------------


@pytest.fixture
def ops_database_url() -> Iterator[str]:
    """A fresh schema in this machine's PostgreSQL (compose's ``db`` service)."""
    if not POSTGRES_URL:
        pytest.skip(reason="BEACON_TEST_DATABASE_URL not set")
    schema = f"deploy_{uuid.uuid4().hex[:16]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield (
            make_url(POSTGRES_URL)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


class Stack:
    """The beacon services of deploy/compose.yaml as processes of this machine."""

    def __init__(self, tmp: Path, database_url: str) -> None:
        self.tmp, self.data, self.port = tmp, tmp / "var-lib-beacon", free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        (tmp / "run").mkdir()

    def env(self, service: dict[str, Any]) -> dict[str, str]:
        env = service_env(service)
        declared = make_url(env["BEACON_DATABASE_URL"])
        assert (declared.host, declared.port, declared.database) == ("db", 5432, "beacon")
        assert env["BEACON_DATA_DIR"] == "/var/lib/beacon"
        assert set(TEST_SCALE) <= set(env)
        env |= {
            "BEACON_DATABASE_URL": self.database_url,  # host, port and database of this machine
            "BEACON_DATA_DIR": str(self.data),
            "BEACON_PUBLIC_URL": self.url,
            **TEST_SCALE,
        }
        # This machine's process plumbing: the venv (and this checkout, when PYTHONPATH
        # points at it) and a runtime folder for gunicorn's control socket.
        env |= {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(self.tmp), "TZ": "UTC"}
        env["XDG_RUNTIME_DIR"] = str(self.tmp / "run")
        if "PYTHONPATH" in os.environ:
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        return env

    def argv(self, service: dict[str, Any]) -> list[str]:
        command = [str(a) for a in service["command"]]
        command = [
            a.replace("--bind=0.0.0.0:8000", f"--bind=127.0.0.1:{self.port}") for a in command
        ]
        return [str(BIN / command[0]), *command[1:]]

    def run_once(self, name: str) -> None:
        service = beacon_services()[name]
        done = subprocess.run(
            self.argv(service), env=self.env(service), capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def start(self, name: str) -> None:
        service = beacon_services()[name]
        for replica in range(1, service.get("deploy", {}).get("replicas", 1) + 1):
            key = f"{name}-{replica}"
            log = (self.tmp / f"{key}.log").open("wb")
            self.procs[key] = subprocess.Popen(
                self.argv(service), env=self.env(service), stdout=log, stderr=subprocess.STDOUT
            )

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.tmp.glob("*.log")
        )

    def alive(self) -> None:
        dead = {k: p.returncode for k, p in self.procs.items() if p.poll() is not None}
        assert not dead, f"{dead}\n{self.logs()}"

    def stop(self) -> dict[str, int | None]:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        codes = {}
        for key, proc in self.procs.items():
            try:
                codes[key] = proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                codes[key] = None
        return codes


@pytest.fixture
def stack(tmp_path: Path, ops_database_url: str) -> Iterator[Stack]:
    stack = Stack(tmp_path, ops_database_url)
    try:
        yield stack
    finally:
        stack.stop()


def up(stack: Stack) -> None:
    """Compose's order: migrate to completion, then what depends on it."""
    services = beacon_services()
    after_migrate = [n for n, s in services.items() if "migrate" in s.get("depends_on", {})]
    assert sorted(after_migrate) == ["pulser", "web", "worker"]
    stack.run_once("migrate")
    for name in after_migrate:
        stack.start(name)
    deadline = time.monotonic() + 120
    while True:  # compose's healthcheck of the web, then the first pulses
        stack.alive()
        try:
            get(stack.url + "/api/v1/deployment")
            get(stack.url + "/beacon/2.0/pulse/last")
            return
        except OSError:
            assert time.monotonic() < deadline, stack.logs()
            time.sleep(0.5)


@pytest.mark.slow
@pytest.mark.postgres
def test_the_compose_processes_run_a_draw(stack: Stack) -> None:
    up(stack)
    assert sorted(stack.procs) == ["pulser-1", "web-1", "worker-1", "worker-2"]
    deployment = get(stack.url + "/api/v1/deployment")
    assert (deployment["pulse_period_ms"], deployment["vdf_rate"]) == (1000, 2000)
    url, ca, tmp = stack.url, stack.data / "ca", stack.tmp  # the demo CA of the first start
    env = {"BEACON_SERVER": url, "BEACON_PASSPHRASE": "compose draw passphrase"}
    party = functools.partial(party_args, ca, tmp)
    for role, cert in [("agent", "agent"), ("bidder", "bidder-1"), ("bidder", "bidder-2")]:
        run(
            *("party", "register", "--tender", "OPS-1", "--role", role),
            *("--party-cert", str(ca / f"{cert}.pem"), *party("centre")),
            env=env,
        )
    now = int(time.time() * 1000)
    start = now - now % 1000
    definition = {
        "draw_id": "OPS-1-K",
        "tender_id": "OPS-1",
        "title": "compose deployment draw",
        "selections": [{"code": "K", "label": "K", "candidates": ["0.95", "0.96", "0.97"]}],
        # Room for the nine signed requests before the commit deadline on a loaded machine.
        "deadlines": {
            "commit": format_ms(start + 25_000),
            "reveal": format_ms(start + 30_000),
            "seed_open": format_ms(start + 35_000),
        },
        "dispute_window_ms": 3000,
        # PROTOCOL.md §11.5: T >= A_max * s * W = 1 * 2000 * 10 s.
        "vdf_t": 20000,
    }
    (tmp / "def.json").write_text(json.dumps(definition))
    run("draw", "create", str(tmp / "def.json"), *party("agent"), env=env)
    run("draw", "countersign", "OPS-1-K", *party("centre"), env=env)
    for name in ("centre", "agent"):
        run("draw", "commit", "OPS-1-K", *party(name), env=env)
    for name in ("bidder-1", "bidder-2"):
        run("draw", "seal", "OPS-1-K", *party(name), env=env)
    wait_for(url, "OPS-1-K", {"revealing"}, timeout=90)
    for name in ("centre", "agent"):
        run("draw", "reveal", "OPS-1-K", *party(name), env=env)
    wait_for(url, "OPS-1-K", {"opening"})
    for name in ("centre", "agent"):
        run("draw", "release", "OPS-1-K", *party(name), env=env)
    drawn = wait_for(url, "OPS-1-K", {"drawn"}, timeout=90)  # frozen by the pulser, computed by a worker
    assert len(drawn["result"]["seeds"]) == 4
    out = tmp / "proof.json"
    for _ in range(50):
        fetched = subprocess.run(
            [str(BIN / "beacon"), "draw", "proof", "OPS-1-K", "--out", str(out)],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
        )
        if fetched.returncode == 0:
            break
        assert "NotYetAvailable" in fetched.stdout + fetched.stderr, fetched.stderr
        time.sleep(0.3)
    verify = subprocess.run(
        [str(BIN / "beacon-verify"), "draw", str(out), "--anchors", str(ca / "ca.pem")],
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0 and verify.stdout.splitlines()[-1] == "VALID", verify.stdout
    stack.alive()
    # SIGTERM (docker compose stop, systemctl stop): every process finishes and exits 0.
    assert stack.stop() == dict.fromkeys(stack.procs, 0), stack.logs()
