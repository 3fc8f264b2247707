"""The provider client's connection pool: httpcore's, with its bookkeeping pass in linear time.

httpcore 1.0.9 walks its connections on every request it starts and every response it closes, and for each
idle connection it builds a list of *all* connections only to take its length (encode/httpcore#1035): with fifty
reps waiting on the provider at once that pass was a fifth of the backend's Python time (1.6-2.4 ms of CPU per
submission). ``LinearPool`` is the same pool with that length taken once. Its
``_assign_requests_to_connections`` is httpcore 1.0.9's own (BSD-3-Clause, Copyright © 2020, Encode OSS Ltd),
with that one condition reordered; everything else is inherited. httpcore and httpx are pinned, and a test fails
on another httpcore version, so that the copy is compared again with the new original before it is used.
"""

from __future__ import annotations

from typing import Any

import httpcore
import httpx

HTTPCORE_VERSION = "1.0.9"  # the release whose method ``LinearPool`` repeats


class LinearPool(httpcore.AsyncConnectionPool):
    """``httpcore.AsyncConnectionPool`` whose bookkeeping pass counts the connections once, not once per idle one."""

    def _assign_requests_to_connections(self) -> list[Any]:
        closing_connections = []

        # First we handle cleaning up any connections that are closed,
        # have expired their keep-alive, or surplus idle connections.
        for connection in list(self._connections):
            if connection.is_closed():
                self._connections.remove(connection)
            elif connection.has_expired():
                self._connections.remove(connection)
                closing_connections.append(connection)
            elif len(self._connections) > self._max_keepalive_connections and connection.is_idle():
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
                if connection.can_handle_request(origin) and connection.is_available()
            ]
            idle_connections = [connection for connection in self._connections if connection.is_idle()]

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
