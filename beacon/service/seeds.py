"""Which seeds enter a draw, and why the others do not (PROTOCOL.md §10.2).

Run by the worker once the opening phase is over. The centre's and the agent's
seeds come from their reveals; each bidder's from its frozen seed envelope,
opened with the two released per-draw keys. Every exclusion is attributed: a
party that did not reveal or release, or a bidder whose envelope does not open.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from beacon.core import envelope as env
from beacon.core.bodies import DrawKeyReleaseBody, DrawRevealBody, EnvelopeSubmitBody
from beacon.core.commitment import Party, SeedEntry, SeedStatus
from beacon.core.draw import order_seeds
from beacon.core.vocabulary import Role, StatementKind
from beacon.errors import EnvelopeError
from beacon.service.draws import DrawRecord
from beacon.service.submission import load_release_key

log = logging.getLogger("beacon.seeds")


def seed_entries(record: DrawRecord, read_envelope: Callable[[bytes], bytes]) -> list[SeedEntry]:
    """The seed entries of a draw whose opening phase is over, in canonical order.

    ``read_envelope(envelope_hash)`` returns a frozen seed envelope's bytes.
    """
    entries: list[SeedEntry] = []
    reveals = record.by_role(StatementKind.DRAW_REVEAL)
    for commit in record.frozen(StatementKind.DRAW_COMMIT):
        party = Party(commit.row.role, commit.row.actor)
        reveal = reveals.get(party.role)
        if reveal is not None and reveal.row.actor == party.fingerprint:
            entries.append(
                SeedEntry(
                    party, SeedStatus.INCLUDED, reveal.signed.statement.body_as(DrawRevealBody).seed
                )
            )
        else:
            entries.append(SeedEntry(party, SeedStatus.NOT_REVEALED, b""))
    releases = record.by_role(StatementKind.DRAW_KEY_RELEASE)
    keys = {
        role: load_release_key(s.signed.statement.body_as(DrawKeyReleaseBody).private_key)
        for role, s in releases.items()
    }
    for submitted in record.frozen(StatementKind.ENVELOPE_SUBMIT):
        party = Party(Role.BIDDER, submitted.row.actor)
        if set(keys) != {Role.AGENT, Role.CENTRE}:
            entries.append(SeedEntry(party, SeedStatus.KEY_NOT_RELEASED, b""))
            continue
        data = read_envelope(submitted.signed.statement.body_as(EnvelopeSubmitBody).envelope_hash)
        try:
            header = env.parse_header(data)
            shares = {role: env.unwrap_share(header, role, key) for role, key in keys.items()}
            seed = env.open_seed(
                data, share_agent=shares[Role.AGENT], share_centre=shares[Role.CENTRE]
            )
        except EnvelopeError as e:
            log.warning(
                "draw %s: seed envelope of bidder %s does not open: %s",
                record.draw_id,
                party.fingerprint.hex()[:16],
                e.reason,
            )
            entries.append(SeedEntry(party, SeedStatus.ENVELOPE_INVALID, b""))
            continue
        entries.append(SeedEntry(party, SeedStatus.INCLUDED, seed))
    return order_seeds(entries)
