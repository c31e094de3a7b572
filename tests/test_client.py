"""The party client against a server that dies mid-answer (stdlib sockets, no beacon).

A web process killed by SIGKILL can leave a party with half an answer. The client
must turn every such case into a :class:`ServiceError` (status None: "nothing says
whether it was applied; retry the same bytes"), never a raw http.client exception.
Each case is a canned raw HTTP answer from a one-shot socket server.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from beacon.client import BeaconClient, ServiceError

CUT_JSON = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"leaf'
NOT_JSON = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"
CUT_503 = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n"
    b'Content-Type: application/problem+json\r\nContent-Length: 100\r\n\r\n{"ti'
)
FULL_503 = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Type: application/problem+json\r\n"
    b"Content-Length: 62\r\n\r\n"
    b'{"title": "InfrastructureError", "detail": "database gone!!!"}'
)


def serve_once(answer: bytes) -> Iterator[str]:
    """A server that reads one request, writes ``answer`` (maybe nothing) and hangs up."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def handle() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(answer)

    thread = threading.Thread(target=handle, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        thread.join(5)
        listener.close()


@pytest.mark.parametrize(
    ("answer", "status", "retry_after", "message"),
    [
        pytest.param(
            b"",
            None,
            None,
            "cannot reach .*Remote end closed connection without response",
            id="hung up before answering",
        ),
        pytest.param(
            CUT_JSON,
            None,
            None,
            "cannot reach .*the answer broke off .*IncompleteRead",
            id="answer cut short",
        ),
        pytest.param(
            b"HTTP/1.1 2",
            None,
            None,
            "cannot reach .*the answer broke off .*BadStatusLine",
            id="status line cut short",
        ),
        pytest.param(NOT_JSON, None, None, "not JSON: b'hello'", id="a 200 that is not JSON"),
        pytest.param(CUT_503, 503, 5, r"HTTP 503 \{\"ti", id="a 503 cut short keeps its status"),
        pytest.param(
            FULL_503, 503, 5, "HTTP 503 InfrastructureError: database gone", id="a whole 503"
        ),
    ],
)
def test_a_broken_answer_is_a_service_error(
    answer: bytes, status: int | None, retry_after: int | None, message: str
) -> None:
    for url in serve_once(answer):
        with pytest.raises(ServiceError, match=message) as caught:
            BeaconClient(url, timeout=10).get("/api/v1/log/tree-head")
        assert (caught.value.status, caught.value.retry_after) == (status, retry_after)
