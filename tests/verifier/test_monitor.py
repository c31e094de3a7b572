"""Monitoring the whole log for forks of a scope chain (PROTOCOL.md §7.6, `beacon-verify log`).

A bundle's chain can be complete on its face while the beacon wrote a second entry at
one of its places elsewhere in the log (the fork that leaves a statement out without a
gap). The monitor reads every entry up to a signed head: these tests fork, reorder and
cut a real log written by the service, and the entries are re-encoded by hand from the
§7.6 layout (tests/vectors/gen_chain.py) so that the test does not trust the service's
encoder.
"""

from __future__ import annotations

import pytest

from beacon.core.logentry import LogEntry
from beacon.store import LogRepository
from tests.vectors.gen_chain import entry_by_hand
from tests.verifier.conftest import Served
from tests.verifier.test_cli import INVALID, VALID, run
from verifier import merkle, monitor
from verifier.cli import UNANCHORED
from verifier.errors import CheckFailed
from verifier.merkle import TreeHead


@pytest.fixture(scope="module")
def entries(drawn: Served) -> list[bytes]:
    with drawn.deployment.runtime.database.read() as session:
        log = LogRepository(session)
        return [e for _, e in log.entries(0, log.size())]


def _head(entries: list[bytes]) -> TreeHead:
    return TreeHead(len(entries), merkle.root(entries))


def test_the_service_writes_entries_as_the_spec_lays_them_out(entries: list[bytes]):
    for entry in entries:
        decoded = LogEntry.decode(entry)
        link = decoded.link
        assert entry == entry_by_hand(
            link.seq, link.previous_leaf, link.previous_hash, decoded.signed.encode()
        )


def test_an_honest_log_has_no_fork(entries: list[bytes]):
    detail = monitor.check_log(enumerate(entries), _head(entries))
    assert "each without a gap or a fork" in detail


def _draw_positions(entries: list[bytes]) -> list[int]:
    return [i for i, e in enumerate(entries) if LogEntry.decode(e).signed.statement.subject]


def test_a_second_entry_at_one_seq_is_a_fork(entries: list[bytes]):
    """The beacon appends, after the draw's chain, a copy of its seq-3 entry's place with
    other contents: the bundle could then show either; the monitor names the fork."""
    positions = _draw_positions(entries)
    victim = LogEntry.decode(entries[positions[3]])
    other = LogEntry.decode(entries[positions[4]]).signed.encode()  # a real, signed statement
    forked = [
        *entries,
        entry_by_hand(victim.link.seq, victim.link.previous_leaf, victim.link.previous_hash, other),
    ]
    with pytest.raises(
        CheckFailed, match=rf"FORK of scope .*: a second entry at seq {victim.link.seq}"
    ):
        monitor.check_log(enumerate(forked), _head(forked))


def test_a_skipped_seq_is_a_gap(entries: list[bytes]):
    positions = _draw_positions(entries)
    last = LogEntry.decode(entries[positions[-1]])
    statement = LogEntry.decode(entries[positions[0]]).signed.encode()
    gapped = [
        *entries,
        entry_by_hand(
            last.link.seq + 2, positions[-1], merkle.leaf_hash(entries[positions[-1]]), statement
        ),
    ]
    with pytest.raises(
        CheckFailed, match=rf"jumps from seq {last.link.seq} to {last.link.seq + 2}"
    ):
        monitor.check_log(enumerate(gapped), _head(gapped))


def test_entries_that_are_not_the_signed_head_are_refused(entries: list[bytes]):
    with pytest.raises(CheckFailed, match="do not hash to the signed tree head"):
        monitor.check_log(enumerate(entries), TreeHead(len(entries), bytes(32)))
    with pytest.raises(CheckFailed, match=r"entries served for a tree of size"):
        monitor.check_log(enumerate(entries[:-1]), _head(entries))


def test_beacon_verify_log_reads_a_running_beacon(drawn: Served, beacon_url: str, capsys):
    code, out, _ = run(capsys, "log", "--from", beacon_url, "--anchors", str(drawn.ca_pem))
    assert code == VALID, out
    assert "each without a gap or a fork" in out
    # Without anchors every check may pass, but the pulse's certificate is only the beacon's
    # own word: not a verdict (exit 3).
    code, out, _ = run(capsys, "log", "--from", beacon_url)
    assert code == UNANCHORED and "VALID against the beacon's own pulse certificate only" in out


def test_beacon_verify_log_against_a_dead_server_is_unusable(capsys):
    code, _, err = run(capsys, "log", "--from", "http://127.0.0.1:9")
    assert code not in (VALID, INVALID) and "unusable input" in err
