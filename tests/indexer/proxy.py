"""A TCP proxy on 127.0.0.1 in front of a real search node, which a test can take down and bring back.

It stands for the network or the node going away mid-sync: while it is down, every connection is
cut and every new one closed at once, which is what a client sees of a dead node. It can also go
down by itself just before forwarding the n-th bulk request, so that an outage lands mid-sync at
a known point.
"""

from __future__ import annotations

import socket
import threading
from urllib.parse import urlsplit

__all__ = ["OutageProxy"]

_CHUNK = 65536


class OutageProxy:
    """Forward 127.0.0.1:<port> to ``target`` (a loopback URL) until told to go down."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._down = False
        self._bulks_left: int | None = None
        self.bulks = 0
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    # ---- control -----------------------------------------------------------------------------------

    def down_at_bulk(self, n: int) -> None:
        """Go down instead of forwarding the ``n``-th bulk request from now on (1: the next one)."""
        with self._lock:
            self._bulks_left = n

    def down(self) -> None:
        """Cut every connection and refuse new ones."""
        with self._lock:
            self._down = True
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _close(sock)

    def up(self) -> None:
        """Forward again."""
        with self._lock:
            self._down = False
            self._bulks_left = None

    def close(self) -> None:
        """Stop listening and cut everything."""
        self._closed = True
        self.down()
        _close(self._listener)

    # ---- forwarding --------------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            with self._lock:
                refused = self._down
            if refused:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._sockets |= {client, upstream}
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _going_down(self, data: bytes) -> bool:
        """Whether ``data`` (client to node) starts the bulk request the proxy should die on."""
        if b"/_bulk" not in data:
            return False
        with self._lock:
            self.bulks += 1
            if self._bulks_left is None:
                return False
            self._bulks_left -= 1
            return self._bulks_left <= 0

    def _pump(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        try:
            while True:
                data = source.recv(_CHUNK)
                if not data:
                    break
                if from_client and self._going_down(data):
                    self.down()
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
