"""The HTTP protocol `nethealth serve` runs: uvicorn's h11 protocol with Nagle's algorithm off.

With `--workers N` uvicorn binds the listening socket itself, without a protocol number, and
asyncio then leaves Nagle on for the accepted connections: on a kept-alive connection the body
waits for the ACK of the headers, which the client delays (~40 ms per answer). Setting
TCP_NODELAY when a connection opens gives every worker the single-process behaviour.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):  # not a TCP socket after all: nothing to do
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
