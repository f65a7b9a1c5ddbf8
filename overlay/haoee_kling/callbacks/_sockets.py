"""Listening sockets for the servers this package runs: the callback receiver and the fake."""

from __future__ import annotations

import socket

__all__ = ["bind"]


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A bound TCP socket, inheritable so a child process may serve it (port 0: a free one).

    Raises:
        OSError: the address cannot be bound (in use, not this machine's).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only then, and
    # without it every small response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock
