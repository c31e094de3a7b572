"""What the API and the board show about a draw: plain dicts built from the record.

One place turns a :class:`~beacon.service.draws.DrawRecord` into its public view,
so the JSON API and the HTML board cannot disagree.
"""

from __future__ import annotations

from typing import Any

from beacon.core import lifecycle
from beacon.core.lifecycle import Phase
from beacon.core.timefmt import format_ms
from beacon.service import bundles
from beacon.service.draws import DrawRecord
from beacon.store.records import Registration, VdfJob
from beacon.store.statements import StatementRepository

DEADLINE_ORDER = ("commit", "snapshot", "reveal", "seed_open")


def next_deadline(record: DrawRecord, now: int) -> dict[str, str] | None:
    d = record.definition.deadlines
    for name in DEADLINE_ORDER:
        when = getattr(d, name)
        if when and when > now:
            return {"name": name, "at": format_ms(when)}
    ends = record.facts.dispute_ends
    if ends is not None and ends > now and record.phase in (Phase.DRAWN, Phase.DISPUTED):
        return {"name": "dispute_end", "at": format_ms(ends)}
    return None


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
        "values": bundles.summary(record)["values"],
    }


def detail(record: DrawRecord, repo: StatementRepository, *, now: int, job: VdfJob | None,
           base_url: str) -> dict[str, Any]:  # fmt: skip
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
        role: {
            "opening_key": role in f.opening_keys,
            "committed": role in f.commitments,
            "revealed": role in f.reveals,
            "released": role in f.key_releases,
        }
        for role in lifecycle.PARTIES
    }
    freeze = record.one("draw.freeze")
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
            "bidder_envelopes": len(record.of_kind("envelope.submit")),
            "frozen_bidder_envelopes": f.frozen_envelopes,
        },
        "freeze": None
        if freeze is None
        else {
            "pulse": f"{freeze.signed.statement.body['pulse_chain']}/{freeze.signed.statement.body['pulse_index']}",
            "tree_size": freeze.signed.statement.body["tree_size"],
        },
        "vdf": vdf,
        "result": None
        if f.result_at is None
        else bundles.summary(record) | {"at": format_ms(f.result_at)},
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
        "proof_url": f"{base_url}/api/v1/draws/{d.draw_id}/proof",
        "verify_command": f"beacon-verify draw --from {base_url} {d.draw_id}",
    }
    return out
