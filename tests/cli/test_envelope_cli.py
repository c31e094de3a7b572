"""``beacon envelope keygen|seal|inspect|open`` end to end, through click's runner."""

from __future__ import annotations

import base64
import io
import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import serialization

from beacon.cli import main
from beacon.core import envelope
from beacon.core.signature import fingerprint
from tests.certs import make_key, self_signed

PASS = "a long enough passphrase"
ENV = {"BEACON_PASSPHRASE": PASS}


def run(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["envelope", *map(str, args)], env=env)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Agent keys A1, A2 and centre key C1 (low work factor), a bidder certificate, a bid."""
    d = tmp_path_factory.mktemp("envelope-cli")
    for name in ("A1", "A2", "C1"):
        result = run("keygen", "--out", d / name, "--work-factor", "15", env=ENV)
        assert result.exit_code == 0, result.output
    der = self_signed(make_key("p256"), "bidder-1")
    (d / "bidder.pem").write_bytes(
        b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n"
    )
    (d / "bidder.der").write_bytes(der)
    (d / "bid.pdf").write_bytes(os.urandom(200_000))
    return d


def seal(world: Path, out: Path, *extra: str | Path, plain: str = "bid.pdf") -> Result:
    return run(
        "seal",
        world / plain,
        "--tender",
        "JS-2026-0142",
        "--bidder-cert",
        world / "bidder.pem",
        "--agent-pub",
        world / "A1.pub",
        "--centre-pub",
        world / "C1.pub",
        "--out",
        out,
        *extra,
    )


def test_keygen_output(world: Path, tmp_path: Path) -> None:
    result = run("keygen", "--out", tmp_path / "k", "--work-factor", "15", "--json", env=ENV)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["private_key"] == f"{tmp_path}/k.key" and doc["public_key"] == f"{tmp_path}/k.pub"
    assert (tmp_path / "k.key").read_text().startswith("-----BEGIN TENDER-BEACON OPENING KEY-----")


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ["--work-factor", "15"],
            {},
            "no passphrase for .*k.key: set BEACON_PASSPHRASE or pass a passphrase file option",
        ),
        (
            ["--work-factor", "15"],
            {"BEACON_PASSPHRASE": "short"},
            "passphrase: at least 12 characters are needed, got 5",
        ),
        (
            ["--work-factor", "14"],
            ENV,
            "Invalid value for '--work-factor': 14 is not in the range 15<=x<=22",
        ),
    ],
    ids=["no-passphrase", "short-passphrase", "weak-work-factor"],
)
def test_keygen_rejects(tmp_path: Path, args: list[str], env: dict[str, str], message: str) -> None:
    result = CliRunner().invoke(
        main,
        ["envelope", "keygen", "--out", str(tmp_path / "k"), *args],
        env={"BEACON_PASSPHRASE": None, **env},
    )  # type: ignore[dict-item]
    assert result.exit_code != 0
    assert re.search(message, result.output), result.output


def test_keygen_refuses_to_overwrite(world: Path) -> None:
    result = run("keygen", "--out", world / "A1", "--work-factor", "15", env=ENV)
    assert result.exit_code == 1
    assert "A1.key already exists; choose another --out or remove it first" in result.output


def test_passphrase_file(world: Path, tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("from a file, not argv\n")
    assert (
        run(
            "keygen",
            "--out",
            tmp_path / "k",
            "--work-factor",
            "15",
            "--passphrase-file",
            tmp_path / "pw",
            env={},
        ).exit_code
        == 0
    )
    data, _ = _sealed(world, tmp_path, agent=tmp_path / "k.pub")
    result = run(
        "open",
        data,
        "--agent-key",
        tmp_path / "k.key",
        "--centre-key",
        world / "C1.key",
        "--out",
        tmp_path / "plain",
        "--agent-passphrase-file",
        tmp_path / "pw",
        env=ENV,
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "plain").read_bytes() == (world / "bid.pdf").read_bytes()


def _sealed(
    world: Path, tmp_path: Path, *, agent: Path | None = None
) -> tuple[Path, dict[str, object]]:
    out = tmp_path / "bid.env"
    result = run(
        "seal",
        world / "bid.pdf",
        "--tender",
        "JS-2026-0142",
        "--bidder-cert",
        world / "bidder.der",
        "--agent-pub",
        agent or world / "A1.pub",
        "--agent-pub",
        world / "A2.pub",
        "--centre-pub",
        world / "C1.pub",
        "--envelope-id",
        "bid-7",
        "--out",
        out,
        "--json",
    )
    assert result.exit_code == 0, result.output
    return out, json.loads(result.output)


def test_seal_inspect_open(world: Path, tmp_path: Path) -> None:
    out, doc = _sealed(world, tmp_path)
    data = out.read_bytes()
    assert doc["envelope_hash"] == envelope.envelope_hash(io.BytesIO(data))[0].hex()
    assert doc["size"] == len(data) and doc["envelope_id"] == "bid-7"

    inspected = json.loads(run("inspect", out, "--json").output)
    assert inspected["bidder"] == fingerprint((world / "bidder.der").read_bytes()).hex()
    assert [s["role"] for s in inspected["stanzas"]] == ["agent", "agent", "centre"]
    assert inspected["plaintext_size"] == 200_000
    assert inspected["envelope_hash"] == doc["envelope_hash"]
    assert inspected["header_size"] + inspected["payload_size"] == len(data)
    text = run("inspect", out).output
    assert "Envelope bid-7 (bid) of tender JS-2026-0142" in text and text.count("key id") == 3

    # A2 is a backup of the agent: A2 + C1 opens.
    result = run(
        "open",
        out,
        "--agent-key",
        world / "A2.key",
        "--centre-key",
        world / "C1.key",
        "--out",
        tmp_path / "plain",
        env=ENV,
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "plain").read_bytes() == (world / "bid.pdf").read_bytes()


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (
            ["--agent-key", "A1.key"],
            "this has only the agent's key: --centre-key \\(the centre's opening key\\) is needed too",
        ),
        (
            ["--centre-key", "C1.key"],
            "this has only the centre's key: --agent-key \\(the agent's opening key\\) is needed too",
        ),
        ([], "this has no key at all: --agent-key .* and --centre-key .* is needed too"),
    ],
    ids=["agent-only", "centre-only", "no-key"],
)
def test_open_needs_both_parties(
    world: Path, tmp_path: Path, keys: list[str], message: str
) -> None:
    out, _ = _sealed(world, tmp_path)
    args = [str(world / k) if k.endswith(".key") else k for k in keys]
    result = run("open", out, *args, "--out", tmp_path / "plain", env=ENV)
    assert result.exit_code == 2
    assert re.search(message, " ".join(result.output.split())), result.output
    assert "Neither party can open an envelope alone." in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("agent", "centre"),
    [("C1.key", "A1.key"), ("A1.key", "A2.key")],
    ids=["keys-swapped", "two-agent-keys"],
)
def test_open_with_wrong_keys_is_opaque(
    world: Path, tmp_path: Path, agent: str, centre: str
) -> None:
    out, _ = _sealed(world, tmp_path)
    result = run(
        "open",
        out,
        "--agent-key",
        world / agent,
        "--centre-key",
        world / centre,
        "--out",
        tmp_path / "plain",
        env=ENV,
    )
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == "Error: envelope could not be opened (run with -v to log the reason)"
    )
    # Neither the output nor its temporary (durable.temporary_path: ".plain.….tmp") is left.
    assert [p.name for p in tmp_path.iterdir() if "plain" in p.name] == []


def test_verbose_logs_the_reason_and_no_plaintext_is_left(world: Path, tmp_path: Path) -> None:
    out, _ = _sealed(world, tmp_path)
    data = bytearray(out.read_bytes())
    data[-5] ^= 1
    out.write_bytes(bytes(data))
    result = run(
        "open",
        out,
        "-v",
        "--agent-key",
        world / "A1.key",
        "--centre-key",
        world / "C1.key",
        "--out",
        tmp_path / "plain",
        env=ENV,
    )
    assert result.exit_code == 1
    assert "envelope could not be opened: payload-auth-failed" in result.stderr
    # Neither the output nor its temporary (durable.temporary_path: ".plain.….tmp") is left.
    assert [p.name for p in tmp_path.iterdir() if "plain" in p.name] == []


def test_wrong_passphrase(world: Path, tmp_path: Path) -> None:
    out, _ = _sealed(world, tmp_path)
    result = run(
        "open",
        out,
        "--agent-key",
        world / "A1.key",
        "--centre-key",
        world / "C1.key",
        "--out",
        tmp_path / "p",
        env={"BEACON_PASSPHRASE": "not the passphrase"},
    )
    assert result.exit_code == 1
    assert "A1.key: wrong passphrase, or the key file is damaged" in result.output


def test_seed_envelope(world: Path, tmp_path: Path) -> None:
    seed = os.urandom(32)
    (tmp_path / "seed.bin").write_bytes(seed)
    result = run(
        "seal",
        tmp_path / "seed.bin",
        "--tender",
        "JS-2026-0142",
        "--bidder-cert",
        world / "bidder.pem",
        "--purpose",
        "seed",
        "--draw",
        "JS-2026-0142-1",
        "--agent-pub",
        world / "A1.pub",
        "--centre-pub",
        world / "C1.pub",
        "--out",
        tmp_path / "seed.env",
    )
    assert result.exit_code == 0, result.output
    header = envelope.parse_header((tmp_path / "seed.env").read_bytes())
    assert (header.purpose, header.draw_id) == ("seed", "JS-2026-0142-1")
    result = run(
        "open",
        tmp_path / "seed.env",
        "--agent-key",
        world / "A1.key",
        "--centre-key",
        world / "C1.key",
        "--out",
        tmp_path / "seed.out",
        env=ENV,
    )
    assert result.exit_code == 0 and (tmp_path / "seed.out").read_bytes() == seed


@pytest.mark.parametrize(
    ("extra", "plain", "message"),
    [
        (
            ["--purpose", "seed", "--draw", "D-1"],
            "bid.pdf",
            "a seed envelope holds exactly 32 bytes, got 200000",
        ),
        (
            ["--purpose", "seed"],
            "seed32",
            "envelope.draw_id: a seed envelope needs a valid draw id, got ''",
        ),
        (
            ["--draw", "D-1"],
            "bid.pdf",
            "envelope.draw_id: must be empty for a bid envelope, got 'D-1'",
        ),
        (
            ["--agent-pub", "C1.pub"],
            "bid.pdf",
            "the same opening key is among agent_keys and centre_keys",
        ),
        (["--agent-pub", "bidder.pem"], "bid.pdf", "bidder.pem: not a PEM public key"),
    ],
    ids=[
        "seed-too-big",
        "seed-without-draw",
        "bid-with-draw",
        "centre-key-as-agent-backup",
        "certificate-as-key",
    ],
)
def test_seal_rejects(
    world: Path, tmp_path: Path, extra: list[str], plain: str, message: str
) -> None:
    (world / "seed32").write_bytes(bytes(32))
    args = [str(world / e) if e.endswith((".pub", ".pem")) else e for e in extra]
    result = seal(world, tmp_path / "x.env", *args, plain=plain)
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
    assert [p.name for p in tmp_path.iterdir() if "x.env" in p.name] == []


def test_seal_refuses_to_overwrite(world: Path, tmp_path: Path) -> None:
    (tmp_path / "x.env").write_bytes(b"keep me")
    result = seal(world, tmp_path / "x.env")
    assert (
        result.exit_code == 1
        and "x.env already exists; choose another --out or pass --force" in result.output
    )
    assert (tmp_path / "x.env").read_bytes() == b"keep me"
    assert seal(world, tmp_path / "x.env", "--force").exit_code == 0


def test_inspect_rejects_a_non_envelope(world: Path) -> None:
    result = run("inspect", world / "bid.pdf")
    assert result.exit_code == 1
    assert (
        "bid.pdf: not a valid envelope header: envelope.header: at most 16384 bytes allowed"
        in " ".join(result.output.split())
    )


def test_public_key_file_is_pem_spki_of_the_sec1_point(world: Path) -> None:
    key = serialization.load_pem_public_key((world / "A1.pub").read_bytes())
    assert (
        key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)[
            :1
        ]
        == b"\x04"
    )
