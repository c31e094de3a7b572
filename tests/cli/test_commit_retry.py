"""``beacon draw commit`` keeps a secret only once the server accepted its statement.

A refused commit leaves nothing in --state-dir, so running the command again simply
works; an answer lost after the server accepted leaves the secret pending, and the
next run resumes with it (PROTOCOL.md §6.5: a refused request leaves no trace).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from beacon.cli import main
from beacon.client import BeaconClient, ServiceError
from beacon.core import commitment
from beacon.core.envelope.shares import public_bytes
from beacon.core.statement import SignedStatement
from beacon.core.timefmt import format_ms
from beacon.identity import opening_keys
from beacon.identity.keys import load_signer
from tests.cli.conftest import Live
from tests.service.deployment import PERIOD

DRAW = "LIVE-1-K"
PASSPHRASE = "correct horse battery staple"
ENV = {"BEACON_PASSPHRASE": PASSPHRASE}


def beacon(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env=ENV)
    return result.exit_code, result.output


def ok(*args: str) -> str:
    code, output = beacon(*args)
    assert code == 0, output
    return output


def definition(live: Live, tmp: Path) -> Path:
    """A K draw whose windows stay within the service's clock skew of the real time."""
    path = tmp / "definition.json"
    doc = {
        "draw_id": DRAW,
        "tender_id": "LIVE-1",
        "title": "K draw",
        "selections": [{"code": "K", "label": "K", "candidates": ["0.95", "0.96", "0.97"]}],
        "deadlines": {
            "commit": format_ms(live.start + 2 * PERIOD),
            "reveal": format_ms(live.start + 3 * PERIOD),
            "seed_open": format_ms(live.start + 4 * PERIOD),
        },
        "dispute_window_ms": PERIOD,
    }
    path.write_text(json.dumps(doc))
    return path


def published(live: Live, tmp: Path, *, countersigned: bool = True) -> None:
    ok(
        "party",
        "register",
        "--tender",
        "LIVE-1",
        "--role",
        "agent",
        "--party-cert",
        str(live.d.ca_dir / "agent.pem"),
        *live.party("centre", tmp),
    )
    ok("draw", "create", str(definition(live, tmp)), *live.party("agent", tmp))
    if countersigned:
        ok("draw", "countersign", DRAW, *live.party("centre", tmp))


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def served(live: Live, kind: str, fingerprint: bytes) -> SignedStatement:
    client = BeaconClient(live.url)
    (entry,) = [
        st
        for st in client.draw(DRAW)["statements"]
        if st["kind"] == kind and st["actor"] == fingerprint.hex()
    ]
    return client.statement(entry["hash"])


def assert_kept_what_the_server_holds(live: Live, tmp: Path) -> None:
    """The stored seed opens the served commitment, the stored key is the announced one."""
    fingerprint = load_signer(
        live.d.ca_dir / "centre.pem", live.d.ca_dir / "centre.key"
    ).fingerprint
    stem = tmp / "centre" / DRAW / f"centre-{fingerprint.hex()[:16]}"
    assert files(tmp / "centre") == sorted([f"{stem.name}.opening.key", f"{stem.name}.seed"])
    seed = Path(f"{stem}.seed").read_bytes()
    held = served(live, "draw.commit", fingerprint).statement.body.commitment
    commitment.verify(DRAW, commitment.Party("centre", fingerprint), seed, held)
    key = opening_keys.load_private_key_file(Path(f"{stem}.opening.key"), PASSPHRASE.encode())
    announced = served(live, "draw.opening_key", fingerprint).statement.body.public_key
    assert public_bytes(key.public_key()) == announced


def test_a_refused_commit_leaves_nothing_and_the_retry_succeeds(live: Live, tmp_path: Path):
    published(live, tmp_path, countersigned=False)
    # Too early: the centre has not countersigned, so the draw is still a draft.
    code, output = beacon("draw", "commit", DRAW, *live.party("centre", tmp_path))
    assert code == 1
    assert f"draw {DRAW}: draw.opening_key is not allowed in phase draft" in output
    assert files(tmp_path / "centre") == []

    ok("draw", "countersign", DRAW, *live.party("centre", tmp_path))
    output = ok("draw", "commit", DRAW, *live.party("centre", tmp_path))
    assert "opening key announced: accepted as log leaf" in output
    assert "seed committed: accepted as log leaf" in output
    assert_kept_what_the_server_holds(live, tmp_path)

    code, output = beacon("draw", "commit", DRAW, *live.party("centre", tmp_path))
    assert code == 1 and "this party already committed for this draw" in output


def lose_answer(real: Callable[..., dict], kind: str) -> Callable[..., dict]:
    """The server applies a ``kind`` statement, but its answer never arrives."""

    def submit(self: BeaconClient, signed: SignedStatement) -> dict:
        receipt = real(self, signed)
        if signed.statement.kind == kind:
            raise ServiceError(f"cannot reach {self.base_url}: the answer broke off")
        return receipt

    return submit


def refuse(real: Callable[..., dict], kind: str) -> Callable[..., dict]:
    """The server refuses a ``kind`` statement (as it would past a deadline)."""

    def submit(self: BeaconClient, signed: SignedStatement) -> dict:
        if signed.statement.kind == kind:
            raise ServiceError("HTTP 409 Conflict: refused for the test", status=409)
        return real(self, signed)

    return submit


@pytest.mark.parametrize(
    ("fault", "kind", "first", "left", "resumed"),
    [
        (
            lose_answer,
            "draw.opening_key",
            "the secret stays in",
            ["opening.key.pending"],
            "opening key: already announced (resuming)",
        ),
        (
            lose_answer,
            "draw.commit",
            "the secret stays in",
            ["opening.key", "seed.pending"],
            "seed committed: already on record (resuming)",
        ),
        (
            refuse,
            "draw.commit",
            "refused for the test",
            ["opening.key"],
            "seed committed: accepted",
        ),
    ],
    ids=["key-answer-lost", "commit-answer-lost", "commit-refused-after-key"],
)
def test_the_next_run_resumes_after_a_lost_answer_or_a_refusal(
    live: Live,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault: Callable[..., Callable[..., dict]],
    kind: str,
    first: str,
    left: list[str],
    resumed: str,
):
    published(live, tmp_path)
    with monkeypatch.context() as m:
        m.setattr(BeaconClient, "submit", fault(BeaconClient.submit, kind))
        code, output = beacon("draw", "commit", DRAW, *live.party("centre", tmp_path))
    assert code == 1 and first in output, output
    assert [n.split(".", 1)[1] for n in files(tmp_path / "centre")] == left
    output = ok("draw", "commit", DRAW, *live.party("centre", tmp_path))
    assert resumed in output
    assert_kept_what_the_server_holds(live, tmp_path)
