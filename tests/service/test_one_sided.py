"""One-sided commitments: a draw frozen without both parties is blocked (both databases).

PROTOCOL.md §6.4: a draw is computed only if the frozen set holds the opening key and
the commitment of both the centre and the agent. With one party's seed alone (and no
bidder seed, or bidder seeds both parties can open), that party could have ground its
seed offline before committing, and the VDF delay covers only the windows after the
freeze. The service used to compute such a draw from the one seed while the verifier
rejected the bundle; now the service refuses every step after the freeze but a void,
the worker never computes it, and the verifier reports a VALID record of a blocked draw
attributed to the missing party, and INVALID if a result was published anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from beacon.core import draw, lifecycle
from beacon.core.lifecycle import Phase
from beacon.errors import StateError
from beacon.service.demo import bid_sample_definition
from tests.service.deployment import DELAY, PERIOD, T0, TENDER, Deployment, open_deployment
from tests.service.test_draw_flow import Ceremony, bundle, record
from verifier import verify_bundle

COMMIT, REVEAL, SEED_OPEN = T0 + 10 * PERIOD, T0 + 15 * PERIOD, T0 + 20 * PERIOD


@pytest.fixture
def d(tmp_path: Path, database_url: str) -> Iterator[Deployment]:
    deployment = open_deployment(tmp_path, database_url)
    yield deployment
    deployment.runtime.close()


# (which parties announce an opening key, which commit) → the party at fault
CASES = [
    pytest.param(("centre", "agent"), ("centre",), "agent", id="agent-never-commits"),
    pytest.param(("centre", "agent"), ("agent",), "centre", id="centre-never-commits"),
    pytest.param(("agent",), ("centre", "agent"), "centre", id="centre-announces-no-key"),
]


def one_sided(d: Deployment, keys: tuple[str, ...], commits: tuple[str, ...]) -> Ceremony:
    """A draw whose commit deadline passes with only some of the parties' statements in."""
    c = Ceremony(d)
    c.register()
    c.publish()
    parties = {"centre": c.centre, "agent": c.agent}
    for role in keys:
        c.keys[role] = ec.generate_private_key(ec.SECP256R1())
        c.submit(parties[role].opening_key(c.definition.draw_id, c.keys[role]))
    for role in commits:
        c.seeds[role] = parties[role].new_seed()
        c.submit(parties[role].commit(c.definition.draw_id, c.seeds[role]))
    if len(keys) == 2:
        c.seal_seeds()  # bidders can seal only once both keys are announced
    d.advance_to(COMMIT)  # the commit-deadline pulse freezes what is in
    return c


def _report(d: Deployment) -> tuple[Any, dict[str, Any]]:
    d.advance_to(d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD)
    doc = bundle(d).to_dict()
    return verify_bundle(doc), doc


@pytest.mark.parametrize(("keys", "commits", "missing"), CASES)
def test_a_draw_frozen_without_both_parties_is_blocked_and_never_computed(
    d: Deployment, keys: tuple[str, ...], commits: tuple[str, ...], missing: str
) -> None:
    c = one_sided(d, keys, commits)
    draw_id = c.definition.draw_id
    reason = f"the {missing}'s opening key or commitment was not logged before the commit deadline"
    rec = record(d)
    assert rec.phase is Phase.FROZEN
    assert lifecycle.blocked_reason(rec.facts, d.clock.now_ms()) == reason
    present = commits[0]
    party = c.centre if present == "centre" else c.agent
    with pytest.raises(
        StateError,
        match=rf"draw.reveal is not accepted: the draw is blocked at the freeze \({reason}, the "
        rf"fault of the {missing}\); it waits for a supervisor's void",
    ):
        c.submit(party.reveal(draw_id, c.seeds[present]))
    if present in c.keys:
        d.advance_to(REVEAL)
        with pytest.raises(
            StateError, match="draw.key_release is not accepted: the draw is blocked"
        ):
            c.submit(party.release(draw_id, c.keys[present]))
    d.advance_to(SEED_OPEN)
    assert d.runtime.worker("w").run_once() is None  # nothing to compute

    report, doc = _report(d)
    assert report.valid, [(ch.name, ch.detail) for ch in report.checks if not ch.ok]
    assert (report.values["state"], report.values["complete"]) == ("frozen", False)
    assert doc["summary"]["state"] == "frozen"
    detail = {ch.name: ch.detail for ch in report.checks}
    assert detail["commitments"].endswith(
        f"blocked: no opening key or commitment of the {missing} (at fault)"
    )
    assert detail["result"] == (
        f"no result: blocked at the freeze by the {missing}, awaiting a supervisor's void"
    )

    c.submit(c.supervisor.void(draw_id, "交易中心/招标人未在截止前提交承诺"))
    report, doc = _report(d)
    assert report.valid and (report.values["state"], doc["summary"]["state"]) == ("voided",) * 2


@pytest.mark.parametrize(("keys", "commits", "missing"), CASES[:2])
def test_a_result_published_anyway_is_invalid(
    d: Deployment,
    monkeypatch: pytest.MonkeyPatch,
    keys: tuple[str, ...],
    commits: tuple[str, ...],
    missing: str,
) -> None:
    """A beacon that computes a one-sided draw as before (the blocking rules switched
    off in its own code) publishes a result; the verifier rejects the bundle."""
    with monkeypatch.context() as old_rules:
        old_rules.setattr(lifecycle, "missing_at_freeze", lambda f: ())
        old_rules.setattr(draw, "CEREMONY_ROLES", ())
        c = one_sided(d, keys, commits)
        present = commits[0]
        party = c.centre if present == "centre" else c.agent
        c.submit(party.reveal(c.definition.draw_id, c.seeds[present]))
        d.advance_to(REVEAL)
        c.release()
        assert d.runtime.worker("w").run_once() == c.definition.draw_id
    report, _ = _report(d)
    failed = {ch.name: ch.detail for ch in report.checks if not ch.ok}
    assert not report.valid
    assert failed["commitments"] == (
        f"the draw is blocked at the freeze (no opening key or commitment of the {missing}, "
        "§6.4), yet the bundle has draw.reveal, draw.key_release, draw.result"
    )


def test_without_a_snapshot_nothing_may_follow_the_freeze(d: Deployment) -> None:
    """The other way a frozen draw stays frozen (§6.4, §14.8): a bundle without the
    snapshot is a valid record only if no reveal, key release or result follows."""
    c = Ceremony(d)
    c.definition = bid_sample_definition(
        draw_id="JS-2026-0142-1", tender_id=TENDER, commit=COMMIT, snapshot=COMMIT + 2 * PERIOD,
        reveal=REVEAL, seed_open=SEED_OPEN, vdf_t=2000, k=2, **DELAY,
    )  # fmt: skip
    c.register()
    c.publish()
    c.commit()
    c.seal_seeds()
    d.advance_to(COMMIT)
    c.submit(c.agent.snapshot(c.definition.draw_id, ["BID-1", "BID-2", "BID-3"]))
    c.reveal()
    c.release()
    assert d.runtime.worker("w").run_once() == c.definition.draw_id
    report, doc = _report(d)
    assert report.valid
    doc["statements"] = [
        x for x in doc["statements"] if x["signed"]["statement"]["kind"] != "draw.snapshot"
    ]
    failed = {ch.name: ch.detail for ch in verify_bundle(doc).checks if not ch.ok}
    assert failed["snapshot"] == (
        "no draw.snapshot, yet the bundle has draw.reveal, draw.key_release, draw.result"
    )
