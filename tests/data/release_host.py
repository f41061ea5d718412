"""A stand-in for the course's release host, on 127.0.0.1: serves a folder, logs every request,
answers byte ranges (as GitHub's release downloads do) and can misbehave on demand."""

from __future__ import annotations

import hashlib
import http.server
import io
import tarfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from cnn_course import data, locations


@dataclass
class Request:
    path: str
    range: str | None
    status: int


@dataclass
class ReleaseHost:
    root: Path
    fail_status: int | None = None  # answer every request with this HTTP status
    cut_after: int | None = None  # a download of the archive breaks off after this many bytes...
    cuts: int = 1  # ...this many times
    requests: list[Request] = field(default_factory=list)
    url: str = ""

    def count(self, name: str, status: int | None = None) -> int:
        """GET requests for the file ``name`` (a path ending), optionally only those answered ``status``."""
        return sum(1 for r in self.requests if r.path.endswith("/" + name) and (status is None or r.status == status))

    def start(self) -> ReleaseHost:
        host = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                path = unquote(urlsplit(self.path).path)
                status = host.fail_status or 200
                target = (host.root / path.lstrip("/")).resolve()
                if status == 200 and (not target.is_relative_to(host.root.resolve()) or not target.is_file()):
                    status = 404
                body = target.read_bytes() if status == 200 else b"no"
                start = 0
                wanted = self.headers.get("Range", "")
                if status == 200 and wanted.startswith("bytes=") and wanted.endswith("-"):
                    start = int(wanted[len("bytes="):-1])
                    status = 206
                host.requests.append(Request(path, self.headers.get("Range"), status))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body) - start))
                if status == 206:
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                self.end_headers()
                payload = body[start:]
                if host.cut_after is not None and host.cuts > 0 and path.endswith(locations.DATA_ARCHIVE):
                    payload, host.cuts = payload[: host.cut_after], host.cuts - 1
                    self.close_connection = True
                self.wfile.write(payload)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def write_release(folder: Path, files: dict[str, bytes], published_digest: str | None = None) -> Path:
    """A data release in ``folder`` holding ``files`` (data name -> bytes), with its ``.sha256``
    (the archive's own digest unless ``published_digest`` says otherwise). Returns the archive."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, payload in files.items():
            info = tarfile.TarInfo(f"{data.ARCHIVE_ROOT}/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / locations.DATA_ARCHIVE
    archive.write_bytes(buffer.getvalue())
    digest = published_digest or hashlib.sha256(buffer.getvalue()).hexdigest()
    (folder / locations.DATA_CHECKSUM).write_text(f"{digest}  {archive.name}\n")
    return archive


def leftovers(folder: Path) -> list[str]:
    """Every file under ``folder`` (relative names): a cache must hold nothing after a failure."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
