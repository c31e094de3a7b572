"""What the API and the board show about a draw: plain dicts built from the record.

One place turns a :class:`~beacon.service.draws.DrawRecord` into its public view,
so the JSON API and the HTML board cannot disagree.
"""

from __future__ import annotations

import shlex
from typing import Any

from beacon.core import lifecycle
from beacon.core.bodies import DrawFreezeBody, DrawObjectionBody, DrawSnapshotBody, DrawVoidBody
from beacon.core.lifecycle import Phase
from beacon.core.timefmt import format_ms
from beacon.core.vocabulary import CEREMONY_ROLES, StatementKind
from beacon.service import bundles
from beacon.service.draws import DrawRecord
from beacon.store.draw_tables import Registration, VdfJob
from beacon.store.statements import Logged, StatementRepository

# PROTOCOL.md §6.4: the deadline each phase waits for. Once a phase is left early
# (both parties revealed before the reveal deadline, say), its deadline no longer
# matters; computing waits for the VDF, and final phases for nothing.
PHASE_DEADLINE = {
    Phase.DRAFT: "commit",
    Phase.PUBLISHED: "commit",
    Phase.COMMITTING: "commit",
    Phase.FROZEN: "snapshot",
    Phase.REVEALING: "reveal",
    Phase.OPENING: "seed_open",
    Phase.COMPUTING: "result",
}


# The platform CA certificate (the deployment's trust anchors) as the verify command saves
# it, and where the board offers it (beacon.web.anchors; verify.explain says to compare its
# fingerprint with the one the centre publishes elsewhere before trusting it).
ANCHORS_FILE = "ca.pem"
ANCHORS_PATH = "/ca.pem"


def anchors_url(base_url: str) -> str:
    return f"{base_url}{ANCHORS_PATH}"


def proof_filename(draw_id: str) -> str:
    """The file name a downloaded proof bundle is saved under."""
    return f"{draw_id}-proof.json"


def proof_url(draw_id: str, base_url: str) -> str:
    return f"{base_url}/api/v1/draws/{draw_id}/proof"


def verify_command(draw_id: str, base_url: str) -> str:
    """The exact shell commands that fetch the platform CA and a draw's proof and recheck it.

    The one place the verifier's command line is written (the API and the board
    both show it). ``base_url`` may come from a request's Host header, so every
    argument is shell-quoted. Only against anchors the reader trusts does
    beacon-verify say VALID (PROTOCOL.md §14): the board shows the anchors' SHA-256
    fingerprints beside this command, to compare with what the centre publishes
    elsewhere, since a forger of the proof could forge a CA served beside it too.
    """
    name = shlex.quote(proof_filename(draw_id))
    return (
        f"curl -fsS -o {ANCHORS_FILE} {shlex.quote(anchors_url(base_url))}\n"
        f"curl -fsS -o {name} {shlex.quote(proof_url(draw_id, base_url))}\n"
        f"beacon-verify draw {name} --anchors {ANCHORS_FILE}"
    )


def next_deadline(record: DrawRecord, now: int) -> dict[str, str] | None:
    """The deadline the draw's phase waits for, if it is still ahead of ``now``."""
    # A blocked draw waits for a supervisor's void, not for a deadline.
    name = None if lifecycle.blocked_reason(record.facts, now) else PHASE_DEADLINE.get(record.phase)
    when = getattr(record.definition.deadlines, name) if name else None
    if record.phase in (Phase.DRAWN, Phase.DISPUTED):
        name, when = "dispute_end", record.facts.dispute_ends
    if name is None or not when or when <= now:
        return None
    return {"name": name, "at": format_ms(when)}


def summary_row(record: DrawRecord, now: int) -> dict[str, Any]:
    d = record.definition
    return {
        "id": d.draw_id,
        "tender_id": d.tender_id,
        "section": d.section,
        "title": d.title,
        "state": record.phase.value,
        "blocked": lifecycle.blocked_reason(record.facts, now),
        "deadlines": d.to_dict()["deadlines"],
        "next_deadline": next_deadline(record, now),
        **{k: v for k, v in bundles.summary(record).items() if k in ("values", "derived")},
    }


def _freeze(body: DrawFreezeBody) -> dict[str, Any]:
    return {
        "pulse": f"{body.pulse_chain}/{body.pulse_index}",
        "pulse_chain": body.pulse_chain,
        "pulse_index": body.pulse_index,
        "tree_size": body.tree_size,
    }


def _reasoned(logged: Logged) -> dict[str, Any]:
    return {
        "leaf_index": logged.leaf_index,
        "at": format_ms(logged.row.received_ms),
        "reason": logged.signed.statement.body_as(DrawObjectionBody, DrawVoidBody).reason,
    }


def detail(
    record: DrawRecord, repo: StatementRepository, *, now: int, job: VdfJob | None, base_url: str
) -> dict[str, Any]:
    d = record.definition
    f = record.facts
    regs: list[Registration] = repo.registrations(d.tender_id)
    parties = []
    for reg in sorted(regs, key=lambda r: (r.role, r.fingerprint)):
        cert = repo.certificate(reg.fingerprint)
        parties.append(
            {
                "role": reg.role,
                "fingerprint": reg.fingerprint.hex(),
                "subject": None if cert is None else cert.subject,
            }
        )
    per_party = {
        str(role): {
            "opening_key": role in f.opening_keys,
            "committed": role in f.commitments,
            "revealed": role in f.reveals,
            "released": role in f.key_releases,
        }
        for role in CEREMONY_ROLES
    }
    freeze = record.one(StatementKind.DRAW_FREEZE)
    snapshot = record.one(StatementKind.DRAW_SNAPSHOT)
    void = record.one(StatementKind.DRAW_VOID)
    vdf = None
    if record.phase is Phase.COMPUTING or job is not None:
        done = (
            d.vdf_t if record.facts.result_at is not None else (0 if job is None else job.progress)
        )
        vdf = {"t": d.vdf_t, "done": done, "worker": None if job is None else job.owner}
    out = summary_row(record, now)
    out |= {
        "definition": d.to_dict(),
        "definition_hash": d.hash().hex(),
        "published_at": format_ms(record.published_ms),
        "parties": parties,
        "seeds": {
            **per_party,
            "bidder_envelopes": len(record.of_kind(StatementKind.ENVELOPE_SUBMIT)),
            "frozen_bidder_envelopes": f.frozen_envelopes,
        },
        "freeze": None
        if freeze is None
        else _freeze(freeze.signed.statement.body_as(DrawFreezeBody)),
        "snapshot": None
        if snapshot is None
        else {
            "bid_ids": list(snapshot.signed.statement.body_as(DrawSnapshotBody).bid_ids),
            "at": format_ms(snapshot.row.received_ms),
        },
        "vdf": vdf,
        "result": None
        if f.result_at is None
        else bundles.summary(record) | {"at": format_ms(f.result_at)},
        "dispute_end": None if f.dispute_ends is None else format_ms(f.dispute_ends),
        "objections": [_reasoned(s) for s in record.of_kind(StatementKind.DRAW_OBJECTION)],
        "void": None if void is None else _reasoned(void),
        "statements": [
            {
                "leaf_index": s.leaf_index,
                "kind": s.row.kind,
                "role": s.row.role,
                "actor": s.row.actor.hex(),
                "hash": s.row.statement_hash.hex(),
                "issued_at": format_ms(s.row.issued_ms),
                "received_at": format_ms(s.row.received_ms),
            }
            for s in record.statements
        ],
        "proof_url": proof_url(d.draw_id, base_url),
        "proof_file": proof_filename(d.draw_id),
        "verify_command": verify_command(d.draw_id, base_url),
    }
    return out
