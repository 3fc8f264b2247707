"""The provider client's connection pool: httpcore's, with its bookkeeping pass in linear time and no thundering herd.

httpcore 1.0.9 walks its connections on every request it starts and every response it closes, and for each
idle connection it builds a list of *all* connections only to take its length (encode/httpcore#1035): with fifty
reps waiting on the provider at once that pass was a fifth of the backend's Python time (1.6-2.4 ms of CPU per
submission). ``LinearPool`` is the same pool with that length taken once.

It also hands an idle connection to a request only if no other request holds it already. httpcore's pass counts a
connection available until a request has *started* on it, so fifty requests issued in the same instant were all
handed the first idle connection: one got it, the other 49 failed with ``ConnectionNotAvailable`` and came back for
the next one, and so on (6.3 retries and 8 bookkeeping passes a request, each pass asking every idle connection's
socket whether the server closed it). Over HTTP/1.1, which this pool speaks only, a connection serves one request at
a time, and a request stays in ``_requests`` with its connection until its response is closed: a connection some
request holds is busy, whether the request has started on it yet or not.

And it asks every connection whether it expired (an idle one: a poll of its socket) once a second (``SWEEP_S``),
not on every pass; in between, only the connection it is about to hand a request, so none is handed an expired one.

Its ``_assign_requests_to_connections`` is httpcore 1.0.9's own (BSD-3-Clause, Copyright © 2020, Encode OSS Ltd),
with those three changes; everything else is inherited. httpcore and httpx are pinned, and a test fails on another
httpcore version, so that the copy is compared again with the new original before it is used.
"""

from __future__ import annotations

import time
from typing import Any

import httpcore
import httpx

HTTPCORE_VERSION = "1.0.9"  # the release whose method ``LinearPool`` repeats
# How often the pass asks every connection whether it expired (an idle one: a poll of its socket, to see whether the
# server closed it); in between, only the connection a request is about to be handed.
SWEEP_S = 1.0


class LinearPool(httpcore.AsyncConnectionPool):
    """``httpcore.AsyncConnectionPool`` whose bookkeeping pass counts the connections once, not once per idle one,
    never hands a connection another request holds to a second one, and asks the idle connections whether they
    expired once a second (``SWEEP_S``) and the one it hands a request every time."""

    _next_sweep = 0.0  # the first pass sweeps

    def _assign_requests_to_connections(self) -> list[Any]:
        closing_connections = []
        # Connections some request holds (HTTP/1.1: one at a time), started on or about to be: not idle for the pool.
        held = {id(request.connection) for request in self._requests if request.connection is not None}
        now = time.monotonic()
        sweep = now >= self._next_sweep
        if sweep:
            self._next_sweep = now + SWEEP_S

        # First we handle cleaning up any connections that are closed,
        # have expired their keep-alive, or surplus idle connections.
        for connection in list(self._connections):
            if connection.is_closed():
                self._connections.remove(connection)
            elif sweep and connection.has_expired():
                self._connections.remove(connection)
                closing_connections.append(connection)
            elif (len(self._connections) > self._max_keepalive_connections and connection.is_idle()
                  and id(connection) not in held):
                # httpcore 1.0.9: ``connection.is_idle() and len([c.is_idle() for c in self._connections]) > ...``,
                # the same test, with a list of every connection built for each idle one
                self._connections.remove(connection)
                closing_connections.append(connection)

        # Assign queued requests to connections.
        queued_requests = [request for request in self._requests if request.is_queued()]
        for pool_request in queued_requests:
            origin = pool_request.request.url.origin
            available_connections = [
                connection
                for connection in self._connections
                if connection.can_handle_request(origin) and connection.is_available() and id(connection) not in held
            ]
            while not sweep and available_connections and available_connections[0].has_expired():
                expired = available_connections.pop(0)  # asked now, before it carries a request
                self._connections.remove(expired)
                closing_connections.append(expired)
            idle_connections = [connection for connection in self._connections
                                if connection.is_idle() and id(connection) not in held]

            # There are three cases for how we may be able to handle the request:
            #
            # 1. There is an existing connection that can handle the request.
            # 2. We can create a new connection to handle the request.
            # 3. We can close an idle connection and then create a new connection
            #    to handle the request.
            if available_connections:
                connection = available_connections[0]
                pool_request.assign_to_connection(connection)
            elif len(self._connections) < self._max_connections:
                connection = self.create_connection(origin)
                self._connections.append(connection)
                pool_request.assign_to_connection(connection)
            elif idle_connections:
                connection = idle_connections[0]
                self._connections.remove(connection)
                closing_connections.append(connection)
                connection = self.create_connection(origin)
                self._connections.append(connection)
                pool_request.assign_to_connection(connection)
            else:
                continue
            held.add(id(connection))

        return closing_connections


class ProviderTransport(httpx.AsyncHTTPTransport):
    """httpx's transport (request and error mapping unchanged) over a ``LinearPool`` with ``limits``."""

    def __init__(self, limits: httpx.Limits) -> None:
        super().__init__(limits=limits)
        self._pool = LinearPool(
            ssl_context=httpx.create_ssl_context(),  # what httpx's own transport is given by default
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
        )
