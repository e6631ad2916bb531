"""A TCP proxy a test can cut, to take a service away from one process only."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.processes import free_port


class CuttableProxy:
    """Forwards 127.0.0.1:`port` to `target`. `cut()` drops every connection and closes new
    ones at once (what a client sees when PostgreSQL restarts) until `restore()`."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.lock = threading.Lock()
        self.open: list[socket.socket] = []
        self.is_cut = False
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                if self.is_cut:
                    client.close()
                    continue
                try:
                    upstream = socket.create_connection(self.target)
                except OSError:
                    client.close()
                    continue
                self.open += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        with self.lock:
            self.is_cut = True
            for sock in self.open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
                except OSError:
                    pass
            self.open.clear()

    def restore(self) -> None:
        with self.lock:
            self.is_cut = False

    @contextmanager
    def away(self) -> Iterator[None]:
        """The far side unreachable for the block: an outage that lasts until what the test
        awaits inside it has happened."""
        self.cut()
        try:
            yield
        finally:
            self.restore()

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.listener.close()
