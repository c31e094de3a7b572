"""The pulse explorer's views (PROTOCOL.md §8): the latest pulses, one pulse in full, lookups.

A row shows what a pulse commits to: its status flags decoded (§8.5), its output,
and the log tree head its ``external.value`` commits (§8.4), as the service
recorded it with the pulse. Lookups follow the NIST paths they mirror: by chain
and index, or by time (the pulse at or after it, never a future one).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from beacon.core.pulse import STATUS_CERTIFICATE_CHANGE, STATUS_CHAIN_START, STATUS_TIME_GAP
from beacon.core.timefmt import format_ms, parse_rfc3339
from beacon.errors import EncodingError
from beacon.store import LogRepository, PulseRepository, StoredPulse
from beacon.web.db import MAX_STORED_INT

LATEST = 20
MAX_DIGITS = 20  # u64 values (chainIndex, pulseIndex, ms) have at most 20 digits
KNOWN_FLAGS = (STATUS_CHAIN_START, STATUS_TIME_GAP, STATUS_CERTIFICATE_CHANGE)

Label = tuple[str, dict[str, object]]  # a message key and its parameters


@dataclass(frozen=True)
class LookupProblem:
    """Why a lookup found nothing: bad input (400) or no such pulse (404)."""

    status: int
    key: str
    params: dict[str, object] = field(default_factory=dict)


def flags(status_code: int) -> list[Label]:
    """``statusCode`` as labels, one per bit (§8.5: 1 chain start, 2 gap, 4 certificate)."""
    if status_code == 0:
        return [("flag.regular", {})]
    out: list[Label] = []
    bit = 1
    while bit <= status_code:
        if status_code & bit:
            known = bit in KNOWN_FLAGS
            out.append((f"flag.{bit}", {}) if known else ("flag.unknown", {"bit": bit}))
        bit <<= 1
    return out


def nist_path(chain_index: int, pulse_index: int) -> str:
    return f"/beacon/2.0/chain/{chain_index}/pulse/{pulse_index}"


def row(stored: StoredPulse, log: LogRepository) -> dict[str, Any]:
    """One pulse as a table row: where it is, when, its flags, output and tree head."""
    pulse = json.loads(stored.document)["pulse"]
    head = log.saved_tree_head(stored.tree_size)
    return {
        "chain": stored.chain_index,
        "index": stored.pulse_index,
        "time": pulse["timeStamp"],
        "status_code": pulse["statusCode"],
        "flags": flags(pulse["statusCode"]),
        "output": pulse["outputValue"],
        "certificate_id": pulse["certificateId"],
        "tree_size": stored.tree_size,
        "root_hash": None if head is None else head.root_hash.hex(),
        "path": nist_path(stored.chain_index, stored.pulse_index),
    }


def latest(repo: PulseRepository, log: LogRepository, count: int = LATEST) -> list[dict[str, Any]]:
    """The newest ``count`` pulses of the newest chain, newest first."""
    last = repo.last()
    if last is None:
        return []
    start = max(1, last.pulse_index - count + 1)
    stored = repo.range(last.chain_index, start, last.pulse_index + 1)
    return [row(s, log) for s in reversed(stored)]


def detail(stored: StoredPulse, log: LogRepository) -> dict[str, Any]:
    """A row plus every member of the pulse as served (§8.3), flattened in order."""
    pulse = json.loads(stored.document)["pulse"]
    members: list[tuple[str, object]] = []
    for name, value in pulse.items():
        if name == "external":
            members += [(f"external.{k}", v) for k, v in value.items()]
        elif name == "listValues":
            for item in value:
                members.append((f"listValues[{item['type']}]", item["value"]))
        else:
            members.append((name, value))
    return row(stored, log) | {"members": members}


def _integer(raw: str, label: str) -> int | LookupProblem:
    # Bounded by what a BIGINT column holds: a larger number names nothing and must not
    # reach the database driver (it would overflow there).
    if not (raw.isascii() and raw.isdigit()) or len(raw) > MAX_DIGITS or int(raw) > MAX_STORED_INT:
        return LookupProblem(400, "lookup.bad_integer", {"field": label, "value": raw})
    return int(raw)


def _time(raw: str) -> int | LookupProblem:
    if raw.isascii() and raw.isdigit() and len(raw) <= MAX_DIGITS:
        return int(raw)  # a time beyond any pulse is "not yet" below, never sent to the database
    try:
        return parse_rfc3339(raw, field="time")  # typed by a person: any RFC 3339 offset
    except EncodingError:
        return LookupProblem(400, "lookup.bad_time", {"field": "lookup.time", "value": raw})


Found = tuple[StoredPulse | None, LookupProblem | None]


def lookup(repo: PulseRepository, args: Mapping[str, str], *, now_ms: int) -> Found:
    """The pulse the query asks for (``chain`` and ``index``, or ``time``), or why there is none.

    Labels in problems (``field``) are message keys; an empty query asks for nothing.
    """
    chain_raw, index_raw = args.get("chain", "").strip(), args.get("index", "").strip()
    time_raw = args.get("time", "").strip()
    if chain_raw or index_raw:
        if not (chain_raw and index_raw):
            return None, LookupProblem(400, "lookup.need_both")
        chain = _integer(chain_raw, "lookup.chain")
        index = _integer(index_raw, "lookup.index")
        if isinstance(chain, LookupProblem):
            return None, chain
        if isinstance(index, LookupProblem):
            return None, index
        stored = repo.get(chain, index)
        if stored is None:
            return None, LookupProblem(
                404, "lookup.missing_index", {"chain": chain, "index": index}
            )
        return stored, None
    if time_raw:
        ms = _time(time_raw)
        if isinstance(ms, LookupProblem):
            return None, ms
        # As /beacon/2.0/pulse/time/{ms}: a future time has no pulse yet, whatever comes later.
        if ms > now_ms:
            return None, LookupProblem(404, "lookup.future", {"time": time_raw})
        stored = repo.at_or_after(ms)
        if stored is None:
            return None, LookupProblem(404, "lookup.missing_time", {"time": format_ms(ms)})
        return stored, None
    return None, None
