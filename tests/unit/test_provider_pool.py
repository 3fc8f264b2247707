"""The provider client's connection pool (stapp/provider/pool.py): httpcore's own, with its bookkeeping pass in
linear time. The same decisions as httpcore's, on the same pool states, with far fewer calls."""

import copy

import httpcore
import httpx
import pytest

from stapp.provider.client import close_http_client, get_http_client
from stapp.provider.pool import HTTPCORE_VERSION, LinearPool

ORIGIN = httpcore.URL("http://provider.test/").origin


class FakeConnection:
    """Enough of an httpcore connection for the pool's bookkeeping; counts how often it is asked if idle."""

    calls = 0

    def __init__(self, name: str, *, idle: bool = True, closed: bool = False, expired: bool = False) -> None:
        self.name, self.idle, self.closed, self.expired = name, idle, closed, expired

    def is_idle(self) -> bool:
        FakeConnection.calls += 1
        return self.idle

    def is_closed(self) -> bool:
        return self.closed

    def has_expired(self) -> bool:
        return self.expired

    def is_available(self) -> bool:
        return self.idle

    def can_handle_request(self, origin) -> bool:  # noqa: ANN001
        return origin == ORIGIN

    def __repr__(self) -> str:
        return self.name


class FakeRequest:
    def __init__(self) -> None:
        self.request = httpcore.Request("GET", "http://provider.test/v1/ping")
        self.connection = None

    def is_queued(self) -> bool:
        return self.connection is None

    def assign_to_connection(self, connection) -> None:  # noqa: ANN001
        self.connection = connection


def _pool(cls, connections, *, queued=0, max_connections=100, keepalive=50):  # noqa: ANN001, ANN202
    pool = cls(max_connections=max_connections, max_keepalive_connections=keepalive)
    pool._connections = list(connections)
    pool._requests = [FakeRequest() for _ in range(queued)]
    pool.create_connection = lambda origin: FakeConnection(f"new-{len(pool._connections)}", idle=False)
    return pool


def _decide(method, pool):  # noqa: ANN001, ANN202
    closing = method(pool)
    return ([c.name for c in closing], [c.name for c in pool._connections],
            [r.connection.name if r.connection else None for r in pool._requests])


def _states():
    busy = [FakeConnection(f"busy-{i}", idle=False) for i in range(30)]
    idle = [FakeConnection(f"idle-{i}") for i in range(30)]
    gone = [FakeConnection("closed", closed=True), FakeConnection("expired", expired=True)]
    return {
        "all busy, requests queued": (busy, {"queued": 5}),
        "surplus idle connections closed": (busy + idle, {"keepalive": 40}),
        "closed and expired removed": (gone + idle[:5], {}),
        "pool full: an idle one gives way": (busy[:10] + idle[:0], {"queued": 2, "max_connections": 10}),
        "idle ones reused first": (busy[:5] + idle[:5], {"queued": 3}),
        "full of idle, new origin": (idle[:10], {"queued": 1, "max_connections": 10}),
    }


@pytest.mark.parametrize("name", list(_states()))
def test_the_linear_pool_decides_as_httpcores_own(name):
    connections, options = _states()[name]
    original = _pool(httpcore.AsyncConnectionPool, copy.deepcopy(connections), **options)
    linear = _pool(LinearPool, copy.deepcopy(connections), **options)
    assert _decide(LinearPool._assign_requests_to_connections, linear) == _decide(
        httpcore.AsyncConnectionPool._assign_requests_to_connections, original)


def test_the_linear_pools_bookkeeping_asks_each_connection_a_bounded_number_of_times():
    connections = [FakeConnection(f"idle-{i}") for i in range(50)]
    FakeConnection.calls = 0
    httpcore.AsyncConnectionPool._assign_requests_to_connections(_pool(httpcore.AsyncConnectionPool, connections))
    quadratic, FakeConnection.calls = FakeConnection.calls, 0
    LinearPool._assign_requests_to_connections(_pool(LinearPool, connections, queued=1))
    assert quadratic >= 50 * 50  # httpcore 1.0.9: a list of every connection for each idle one
    assert FakeConnection.calls <= 2 * 50


def test_the_copied_method_is_of_the_pinned_httpcore():
    """``LinearPool`` repeats one method of httpcore 1.0.9: another release must be compared with it first."""
    assert httpcore.__version__ == HTTPCORE_VERSION


async def test_the_shared_client_sends_through_the_linear_pool_with_its_limits():
    client = get_http_client()
    try:
        pool = client._transport._pool
        assert isinstance(pool, LinearPool)
        assert (pool._max_connections, pool._max_keepalive_connections) == (100, 50)
        assert pool._keepalive_expiry < 5
    finally:
        await close_http_client()
    with pytest.raises(httpx.ConnectError):  # httpx's error mapping is the transport's own
        async with httpx.AsyncClient(transport=type(client._transport)(httpx.Limits())) as other:
            await other.get("http://127.0.0.1:9/", timeout=1)
