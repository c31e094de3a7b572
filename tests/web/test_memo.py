"""The web's memos (beacon.web.memo) answer exactly what a rebuild would.

Unit cases pin the two rules: the newest pulse is remembered only until its period
ends (PROTOCOL.md §8.5: no pulse is emitted for a future boundary), and documents
are dropped least-recently-used over a byte bound. The served cases run whole
ceremonies on both databases and check the memo never hides a change: a new pulse
shows at once, and a statement that a pulse has not covered yet still makes the
proof 409 until the next pulse, as without a memo.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from beacon.store import StoredPulse
from beacon.web import create_app
from beacon.web.memo import Document, Memo
from tests.service.deployment import PERIOD, Deployment, open_deployment
from tests.service.test_draw_flow import run_to_result

T = 1_800_000_000_000  # a period boundary (a multiple of PERIOD)


def stored(time_ms: int, index: int = 1) -> StoredPulse:
    return StoredPulse(1, index, time_ms, 0, f'{{"pulse": {index}}}')


@pytest.mark.parametrize(
    ("known", "now", "reloads"),
    [
        pytest.param(None, T, True, id="nothing-known-yet"),
        pytest.param(T, T, False, id="at-its-own-boundary"),
        pytest.param(T, T + PERIOD - 1, False, id="last-millisecond-of-its-period"),
        pytest.param(T, T + PERIOD, True, id="next-boundary-reached"),
        pytest.param(T, T + 5 * PERIOD, True, id="pulser-behind"),
    ],
)
def test_last_pulse_is_remembered_only_within_its_period(known, now, reloads):
    memo = Memo(period_ms=PERIOD)
    remembered = None if known is None else memo.last_pulse(known, lambda: stored(known))
    fresh = stored(now - now % PERIOD, index=2)
    loads = []

    def load() -> StoredPulse:
        loads.append(now)
        return fresh

    got = memo.last_pulse(now, load)
    assert (got, loads) == ((fresh, [now]) if reloads else (remembered, []))


def test_no_pulse_yet_is_never_remembered():
    memo = Memo(period_ms=PERIOD)
    calls = []
    for _ in range(3):
        assert memo.last_pulse(T, lambda: calls.append(1)) is None
    assert len(calls) == 3


@pytest.mark.parametrize(
    ("sizes", "bound", "kept"),
    [
        pytest.param([10, 10, 10], 30, ["a", "b", "c"], id="exactly-at-the-bound"),
        pytest.param([10, 10, 11], 30, ["b", "c"], id="oldest-dropped"),
        pytest.param([10, 25], 30, ["b"], id="one-large-drops-several"),
        pytest.param([31], 30, [], id="larger-than-the-bound-is-not-kept"),
    ],
)
def test_documents_are_bounded_in_bytes(sizes, bound, kept):
    memo = Memo(period_ms=PERIOD, max_bytes=bound)
    for key, size in zip("abc", sizes, strict=False):
        memo.remember(key, Document(b"x" * size, final=False))
    assert [k for k in "abc" if memo.document(k) is not None] == kept
    assert memo.stored_bytes == sum(s for k, s in zip("abc", sizes, strict=False) if k in kept)


def test_a_read_document_is_kept_over_an_older_unread_one():
    memo = Memo(period_ms=PERIOD, max_bytes=20)
    memo.remember("a", Document(b"x" * 10, final=False))
    memo.remember("b", Document(b"x" * 10, final=False))
    assert memo.document("a") is not None  # now "b" is the least recently used
    memo.remember("c", Document(b"x" * 10, final=False))
    assert (memo.document("a"), memo.document("b")) != (None, None)
    assert memo.document("b") is None


def test_period_must_be_positive():
    with pytest.raises(ValueError, match="period must be positive, got 0 ms"):
        Memo(period_ms=0)


# -- served: the memo never hides a change ---------------------------------------------


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[tuple[Deployment, object, list[str]]]:
    d = open_deployment(tmp_path, database_url)
    app = create_app({"TESTING": True}, runtime=d.runtime)
    statements: list[str] = []

    def count(_conn, _cursor, sql, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(sql)

    event.listen(d.runtime.database.engine, "before_cursor_execute", count)
    yield d, app.test_client(), statements
    event.remove(d.runtime.database.engine, "before_cursor_execute", count)
    d.runtime.close()


def test_newest_pulse_is_served_from_memory_until_the_next_one(served):
    d, client, statements = served
    first = client.get("/beacon/2.0/pulse/last")
    assert first.status_code == 200
    statements.clear()
    d.clock.advance(PERIOD - 1)
    again = client.get("/beacon/2.0/pulse/last")
    assert again.data == first.data and statements == []
    d.clock.advance(1)
    d.pulse()
    newer = client.get("/beacon/2.0/pulse/last")
    assert newer.get_json()["pulse"]["pulseIndex"] == first.get_json()["pulse"]["pulseIndex"] + 1


def test_proof_memo_follows_new_statements_and_pulses(served):
    d, client, statements = served
    c = run_to_result(d)
    draw = c.definition.draw_id
    assert client.get(f"/api/v1/draws/{draw}/proof").status_code == 409  # result not covered
    d.advance_to(d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD)
    first = client.get(f"/api/v1/draws/{draw}/proof")
    assert first.status_code == 200 and first.get_json()["summary"]["state"] == "drawn"
    statements.clear()
    again = client.get(f"/api/v1/draws/{draw}/proof")
    assert again.data == first.data
    assert statements == []  # no rebuild: only the log-size probe, outside SQLAlchemy
    c.submit(c.bidders[0].object(draw, "请核对候选值清单"))
    pending = client.get(f"/api/v1/draws/{draw}/proof")
    assert pending.status_code == 409 and "will commit" in pending.get_json()["detail"]
    d.advance_to(d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD)
    disputed = client.get(f"/api/v1/draws/{draw}/proof")
    assert disputed.status_code == 200 and disputed.get_json()["summary"]["state"] == "disputed"
    assert disputed.headers["Cache-Control"] != "public, max-age=31536000, immutable"


def test_unknown_draw_is_404_with_a_warm_memo(served):
    d, client, _ = served
    c = run_to_result(d)
    d.advance_to(d.clock.now_ms() - d.clock.now_ms() % PERIOD + PERIOD)
    assert client.get(f"/api/v1/draws/{c.definition.draw_id}/proof").status_code == 200
    missing = client.get("/api/v1/draws/NO-SUCH-DRAW/proof")
    assert missing.status_code == 404
    assert missing.content_type == "application/problem+json"
