"""A small web catalogue served on a loopback address by the test: mutable pages, ETags, a request log."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

__all__ = ["Page", "Site"]


@dataclass(slots=True)
class Page:
    """One resource: status, body, headers. Pages with a body get an ETag and answer 304 to a match."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a crawler hanging up on an oversized page is expected, not worth a traceback


class Site:
    """An HTTP server on ``host`` (any 127/8 address) serving ``pages`` by path; records every request."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # http.server's name
                path = urlsplit(self.path).path
                with site._lock:
                    site.requests.append((path, {k.lower(): v for k, v in self.headers.items()}))
                    page = site.pages.get(path)
                if page is None:
                    page = Page(body=b"<html><body>not found</body></html>", status=404)
                etag = f'"{hashlib.sha1(page.body).hexdigest()[:16]}"'
                if page.status == 200 and page.body and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(page.body)))
                if page.status == 200 and page.body:
                    self.send_header("ETag", etag)
                for name, value in page.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(page.body)

            def log_message(self, format: str, *args: object) -> None:  # http.server's name
                pass

        self.server = _QuietServer((host, 0), Handler)
        self.host = host
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base(self) -> str:
        """``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        """The absolute URL of ``path``."""
        return self.base + path

    def html(self, path: str, body: str, *, status: int = 200, **headers: str) -> None:
        """Serve ``body`` as HTML at ``path``."""
        self.pages[path] = Page(body=body.encode(), status=status, headers=dict(headers))

    def xml(self, path: str, body: str) -> None:
        """Serve ``body`` as XML at ``path``."""
        self.pages[path] = Page(body=body.encode(), content_type="application/xml")

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        """Redirect ``path`` to ``location``."""
        self.pages[path] = Page(status=status, headers={"Location": location})

    def hits(self, path: str) -> int:
        """How many requests ``path`` received."""
        with self._lock:
            return sum(1 for p, _ in self.requests if p == path)

    def reset_log(self) -> None:
        """Forget the requests so far."""
        with self._lock:
            self.requests.clear()

    def stop(self) -> None:
        """Shut the server down."""
        self.server.shutdown()
        self.server.server_close()
