"""The provider client's connection pool (stapp/provider/pool.py): httpcore's own, with its bookkeeping pass in
linear time. The same decisions as httpcore's, on the same pool states, with far fewer calls; a connection a request
holds is never handed to a second one; idle connections' sockets polled once a second, not on every pass."""

import asyncio
import copy

import httpcore
import httpx
import pytest

from stapp.provider import pool as pool_module
from stapp.provider.client import close_http_client, get_http_client
from stapp.provider.pool import HTTPCORE_VERSION, SWEEP_S, LinearPool, ProviderTransport

ORIGIN = httpcore.URL("http://provider.test/").origin


class FakeConnection:
    """Enough of an httpcore connection for the pool's bookkeeping; counts how often it is asked if idle."""

    calls = 0
    expiry_asked = 0

    def __init__(self, name: str, *, idle: bool = True, closed: bool = False, expired: bool = False) -> None:
        self.name, self.idle, self.closed, self.expired = name, idle, closed, expired

    def is_idle(self) -> bool:
        FakeConnection.calls += 1
        return self.idle

    def is_closed(self) -> bool:
        return self.closed

    def has_expired(self) -> bool:
        FakeConnection.expiry_asked += 1
        return self.expired

    def is_available(self) -> bool:
        return self.idle

    def can_handle_request(self, origin) -> bool:  # noqa: ANN001
        return origin == ORIGIN

    def __repr__(self) -> str:
        return self.name


class FakeRequest:
    def __init__(self, connection=None) -> None:  # noqa: ANN001
        self.request = httpcore.Request("GET", "http://provider.test/v1/ping")
        self.connection = connection

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
        "idle ones reused first": (busy[:5] + idle[:5], {"queued": 1}),  # several: the next test
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


def test_a_connection_a_request_holds_is_not_handed_to_another():
    """Fifty requests of one instant: httpcore hands each the first idle connection until one has *started* on it
    (the other 49 then fail with ConnectionNotAvailable and come back); the linear pool hands each its own."""
    idle = [FakeConnection(f"idle-{i}") for i in range(3)]
    for cls, expected in ((httpcore.AsyncConnectionPool, ["idle-0", "idle-0", "idle-0"]),
                          (LinearPool, ["idle-0", "idle-1", "idle-2"])):
        pool = _pool(cls, copy.deepcopy(idle))
        handed = []
        for _ in range(3):  # each request arrives and runs its pass before any has started on its connection
            pool._requests.append(FakeRequest())
            cls._assign_requests_to_connections(pool)
            handed.append(pool._requests[-1].connection.name)
        assert handed == expected
        pool = _pool(cls, copy.deepcopy(idle), queued=3)  # three queued in one pass alike
        assert _decide(cls._assign_requests_to_connections, pool)[2] == expected
    pool = _pool(LinearPool, copy.deepcopy(idle), keepalive=1)  # a held connection is not closed as surplus either
    pool._requests = [FakeRequest(pool._connections[0])]
    closing, _, _ = _decide(LinearPool._assign_requests_to_connections, pool)
    assert closing == ["idle-1", "idle-2"]


def test_idle_connections_are_asked_whether_they_expired_once_a_sweep_and_the_handed_one_every_time(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(pool_module.time, "monotonic", lambda: clock[0])
    connections = [FakeConnection(f"idle-{i}") for i in range(50)]
    pool = _pool(LinearPool, connections)
    FakeConnection.expiry_asked = 0
    LinearPool._assign_requests_to_connections(pool)  # the first pass sweeps
    assert FakeConnection.expiry_asked == 50

    connections[0].expired = connections[7].expired = True  # the server closed two of them meanwhile
    FakeConnection.expiry_asked = 0
    pool._requests = [FakeRequest()]
    closing, kept, handed = _decide(LinearPool._assign_requests_to_connections, pool)
    assert (closing, handed) == (["idle-0"], ["idle-1"])  # the one it was about to hand over: asked, closed, skipped
    assert "idle-7" in kept and FakeConnection.expiry_asked == 2

    clock[0] += SWEEP_S
    pool._requests = []
    closing, kept, _ = _decide(LinearPool._assign_requests_to_connections, pool)
    assert closing == ["idle-7"] and len(kept) == 48  # the next sweep closes the other


async def test_fifty_requests_at_once_are_each_handed_a_connection_once(monkeypatch):
    """Through a real socket: no request is handed a connection another holds, so none comes back for another."""
    handed = []
    original = httpcore._async.connection_pool.AsyncPoolRequest.assign_to_connection

    def assign(self, connection):  # noqa: ANN001, ANN202
        handed.append(connection)
        return original(self, connection)

    monkeypatch.setattr(httpcore._async.connection_pool.AsyncPoolRequest, "assign_to_connection", assign)

    async def answer(reader, writer):  # noqa: ANN001, ANN202
        while (await reader.readuntil(b"\r\n\r\n")):
            await asyncio.sleep(0.05)  # all fifty are under way at once
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(transport=ProviderTransport(httpx.Limits(max_keepalive_connections=50))) as client:
            for _ in range(2):  # the second round reuses the fifty idle connections
                handed.clear()
                answers = await asyncio.gather(*(client.get(f"http://127.0.0.1:{port}/") for _ in range(50)))
                assert [a.text for a in answers] == ["ok"] * 50
                assert len(handed) == 50 and len(set(map(id, handed))) == 50
    finally:
        server.close()


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
