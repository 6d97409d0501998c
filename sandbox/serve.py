"""Daphne with a guard at the door: `python -m sandbox.serve` takes daphne's own arguments.

Daphne (on Twisted) waits for a request's headers as long as the client keeps the connection
open, and takes as many connections from one address as it is offered: 1100 never-finished
requests from one client once locked every learner out. `make run` and `make workshop` start
this instead of plain daphne; it is daphne's command line with two more rules, from
sandbox/settings.py:

- a connection that has not finished its request headers within LUNCHBOX_HEADER_TIMEOUT seconds
  is answered 408 and closed (each request on a kept-alive connection gets its own deadline);
  an idle kept-alive connection is closed after LUNCHBOX_HTTP_IDLE_TIMEOUT seconds;
- one client address holds at most LUNCHBOX_MAX_CONNECTIONS_PER_CLIENT connections at a time,
  websockets included; the next are closed as soon as they are accepted, before a byte is read,
  so other addresses are served as usual. 0 turns the cap off.

And a websocket the server fails (a message over daphne's size limit) is closed with a closing
handshake and its code (1009, message too big) instead of a dropped connection, so the page can
say why.

The guard wraps daphne's HTTP factory in a Twisted WrappingFactory, the way TLS wraps it, and
daphne hands the websocket upgrade over inside the same wrapper, so a websocket keeps its place
in the count until it closes.
"""

from __future__ import annotations

import daphne.server  # isort:skip  (installs the asyncio reactor before Twisted is imported)

import sys
from collections.abc import Sequence
from typing import Any

from daphne.cli import CommandLineInterface
from twisted.internet.interfaces import IAddress
from twisted.internet.protocol import Protocol
from twisted.protocols.policies import ProtocolWrapper, WrappingFactory

# Twisted listens with a backlog of 50: a room loading the page at once (or one client opening
# connections fast) overflows it and the kernel drops SYNs, which cost the client a 1 s retry.
LISTEN_BACKLOG = 1024
TIMEOUT_ANSWER = (b"HTTP/1.1 408 Request Timeout\r\nContent-Type: text/plain\r\n"
                  b"Content-Length: 0\r\nConnection: close\r\n\r\n")


class HeadWatch:
    """Tells when the bytes of a request so far hold its whole head (request line and headers):
    a blank line after a line with something on it, as Twisted's parser reads it (lines end in
    LF, a CR before it optional; blank lines before the request line do not count)."""

    def __init__(self) -> None:
        self._started = False
        self._tail = b""

    def feed(self, data: bytes) -> bool:
        if not self._started:
            data = data.lstrip(b"\r\n")
            if not data:
                return False
            self._started = True
        window = self._tail + data
        if b"\n\n" in window or b"\n\r\n" in window:
            return True
        self._tail = window[-2:]
        return False


class GuardedConnection(ProtocolWrapper):
    """One client connection: holds it to the header deadline while it speaks HTTP."""

    factory: ConnectionGuard

    def __init__(self, factory: Any, wrappedProtocol: Any) -> None:
        super().__init__(factory, wrappedProtocol)
        self.client_host: str | None = None
        self._http = wrappedProtocol
        self._watch: HeadWatch | None = None
        self._deadline: Any = None
        self._answered = False

    def connectionMade(self) -> None:
        self._await_head()
        super().connectionMade()  # type: ignore[no-untyped-call]

    def _await_head(self) -> None:
        self._watch = HeadWatch()
        self._answered = False
        if self.factory.header_timeout > 0:
            self._deadline = self.factory.reactor.callLater(self.factory.header_timeout,
                                                            self._too_slow)

    def _head_done(self) -> None:
        self._watch = None
        if self._deadline is not None and self._deadline.active():
            self._deadline.cancel()
        self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        self.factory.timed_out += 1
        transport: Any = self.transport
        if transport is not None:
            transport.write(TIMEOUT_ANSWER)
            transport.loseConnection()

    def dataReceived(self, data: bytes) -> None:
        still_http = self.wrappedProtocol is self._http
        if self._watch is None and self._answered and still_http:
            self._await_head()  # the next request on a kept-alive connection
        if self._watch is not None and self._watch.feed(data):
            self._head_done()
        super().dataReceived(data)  # type: ignore[no-untyped-call]

    def write(self, data: bytes) -> None:
        self._answered = True
        super().write(data)  # type: ignore[no-untyped-call]

    def writeSequence(self, data: Sequence[bytes]) -> None:
        self._answered = True
        super().writeSequence(data)  # type: ignore[no-untyped-call]

    def connectionLost(self, reason: Any = None) -> None:
        self._head_done()
        super().connectionLost(reason)  # type: ignore[no-untyped-call]


class ConnectionGuard(WrappingFactory):
    """Daphne's HTTP factory behind a per-address connection cap and a header deadline."""

    protocol = GuardedConnection

    def __init__(self, wrapped: Any, *, max_per_client: int, header_timeout: float,
                 reactor: Any) -> None:
        super().__init__(wrapped)  # type: ignore[no-untyped-call]
        self.max_per_client = max_per_client
        self.header_timeout = header_timeout
        self.reactor = reactor
        self.per_client: dict[str, int] = {}
        self.refused = 0
        self.timed_out = 0

    def buildProtocol(self, addr: IAddress | None) -> Any:
        host = getattr(addr, "host", None)
        if host is not None and self.max_per_client > 0:
            if self.per_client.get(host, 0) >= self.max_per_client:
                self.refused += 1
                return None  # Twisted closes the socket without reading from it
        connection = super().buildProtocol(addr)
        if host is not None and isinstance(connection, GuardedConnection):
            connection.client_host = host
            self.per_client[host] = self.per_client.get(host, 0) + 1
        return connection

    def unregisterProtocol(self, p: Protocol) -> None:
        super().unregisterProtocol(p)  # type: ignore[no-untyped-call]
        host = getattr(p, "client_host", None)
        if host is not None and host in self.per_client:
            self.per_client[host] -= 1
            if self.per_client[host] <= 0:
                del self.per_client[host]

    def acceptableProtocols(self) -> Any:  # ALPN, when daphne listens with TLS
        return self.wrappedFactory.acceptableProtocols()


def guard_limits() -> tuple[int, float, int]:
    """(connections per client, header timeout s, idle keep-alive timeout s) from settings."""
    from django.conf import settings

    return (int(getattr(settings, "LUNCHBOX_MAX_CONNECTIONS_PER_CLIENT", 200)),
            float(getattr(settings, "LUNCHBOX_HEADER_TIMEOUT", 5)),
            int(getattr(settings, "LUNCHBOX_HTTP_IDLE_TIMEOUT", 30)))


def with_backlog(endpoint: str) -> str:
    """A TCP endpoint description with room for LISTEN_BACKLOG connections not yet accepted."""
    if endpoint.startswith("tcp:") and ":backlog=" not in endpoint:
        return f"{endpoint}:backlog={LISTEN_BACKLOG}"
    return endpoint


class GuardedServer(daphne.server.Server):  # type: ignore[misc]
    """Daphne's server listening through a ConnectionGuard (it builds its factory in run())."""

    _http_factory: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        endpoints: list[Any] = getattr(self, "endpoints")  # noqa: B009 (untyped in daphne)
        self.endpoints = [with_backlog(str(endpoint)) for endpoint in endpoints]

    @property
    def http_factory(self) -> Any:
        return self._http_factory

    @http_factory.setter
    def http_factory(self, factory: Any) -> None:
        from twisted.internet import reactor

        max_per_client, header_timeout, idle_timeout = guard_limits()
        factory.timeOut = idle_timeout or None
        self._http_factory = ConnectionGuard(factory, max_per_client=max_per_client,
                                             header_timeout=header_timeout, reactor=reactor)


    _ws_factory: Any = None

    @property
    def ws_factory(self) -> Any:
        return self._ws_factory

    @ws_factory.setter
    def ws_factory(self, factory: Any) -> None:
        # Autobahn drops the TCP connection of a socket it fails (a message over the size
        # limit…) by default, which the browser sees as 1006 (abnormal) with no reason. A closing
        # handshake tells the page why: 1009 is "message too big" (static/sandbox/socket.js).
        factory.setProtocolOptions(failByDrop=False)
        self._ws_factory = factory


class GuardedCommandLine(CommandLineInterface):  # type: ignore[misc]
    server_class = GuardedServer


def main(argv: Sequence[str] | None = None) -> None:
    GuardedCommandLine().run(list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    main()
