"""A local HTTP stand-in for the few Databricks REST endpoints the upload and run commands call.

It keeps Volume files and folders in memory (Files API: `/api/2.0/fs/files`,
`/api/2.0/fs/directories`), serves a fixed list of jobs and plays a scripted sequence of run
states (Jobs API 2.2: `jobs/list`, `jobs/run-now`, `jobs/runs/get`). Every request is logged.
Point the SDK at it with DATABRICKS_HOST=<stand_in.url> and DATABRICKS_TOKEN=<stand_in.token>.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

FILES = "/api/2.0/fs/files"
DIRECTORIES = "/api/2.0/fs/directories"
#: Entries per directory listing page, small so that the client must follow page tokens.
PAGE_SIZE = 3


@dataclass
class StandInState:
    token: str = "stand-in-token"
    files: dict[str, bytes] = field(default_factory=dict)
    directories: set[str] = field(default_factory=set)
    jobs: list[dict] = field(default_factory=list)
    #: the runs/get responses to return, one per call (the last one repeats)
    run_script: list[dict] = field(default_factory=list)
    run_now_bodies: list[dict] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    #: requests to endpoints the stand-in does not implement (a test expects none)
    unknown: list[str] = field(default_factory=list)
    #: file uploads that succeed before every further one fails (None: no failures)
    uploads_before_failure: int | None = None
    runs_get_calls: int = 0

    def add_directory(self, path: str) -> None:
        """Create a folder and its parents, as `PUT /api/2.0/fs/directories` does."""
        parts = path.strip("/").split("/")
        self.directories |= {"/" + "/".join(parts[:end]) for end in range(1, len(parts) + 1)}

    def add_file(self, path: str, data: bytes) -> None:
        self.add_directory(path.rsplit("/", 1)[0])
        self.files[path] = data


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format, *args):  # keep test output quiet
        pass

    # -- plumbing ---------------------------------------------------------------------------

    def _send(self, status: int, body: dict | None = None, headers: dict | None = None):
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _error(self, status: int, code: str, message: str):
        self._send(status, {"error_code": code, "message": message})

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip(), 16)
                chunk = self.rfile.read(size)
                self.rfile.readline()
                if size == 0:
                    return b"".join(chunks)
                chunks.append(chunk)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _dispatch(self):
        state = self.server.state
        url = urlsplit(self.path)
        path, query = unquote(url.path), parse_qs(url.query)
        state.requests.append((self.command, path))
        body = self._body() if self.command in ("PUT", "POST") else b""
        if self.headers.get("Authorization") != f"Bearer {state.token}":
            return self._error(403, "PERMISSION_DENIED", "Invalid access token.")
        if path.startswith(FILES):
            return self._files(path[len(FILES) :], body)
        if path.startswith(DIRECTORIES):
            return self._directories(path[len(DIRECTORIES) :].rstrip("/"), query)
        if (self.command, path) == ("GET", "/api/2.2/jobs/list"):
            return self._jobs_list(query)
        if (self.command, path) == ("POST", "/api/2.2/jobs/run-now"):
            return self._run_now(json.loads(body))
        if (self.command, path) == ("GET", "/api/2.2/jobs/runs/get"):
            return self._runs_get()
        state.unknown.append(f"{self.command} {path}")
        return self._error(404, "ENDPOINT_NOT_FOUND", f"the stand-in has no {self.command} {path}")

    do_GET = do_HEAD = do_PUT = do_POST = _dispatch

    # -- Files API ----------------------------------------------------------------------------

    def _files(self, path: str, body: bytes):
        state = self.server.state
        if self.command == "HEAD":
            if path not in state.files:
                return self._send(404)
            return self._send(200, headers={"Content-Length": str(len(state.files[path]))})
        if self.command == "PUT":
            parent = path.rsplit("/", 1)[0]
            if parent not in state.directories:
                return self._error(404, "NOT_FOUND", f"parent directory {parent} does not exist")
            if state.uploads_before_failure == 0:
                return self._error(400, "BAD_REQUEST", "simulated interruption")
            if state.uploads_before_failure is not None:
                state.uploads_before_failure -= 1
            state.files[path] = body
            return self._send(204)
        return self._error(405, "METHOD_NOT_ALLOWED", self.command)

    def _directories(self, path: str, query: dict):
        state = self.server.state
        if self.command == "PUT":
            state.add_directory(path)
            return self._send(204)
        if path not in state.directories:
            return self._error(404, "NOT_FOUND", f"directory {path} does not exist")
        children = {}
        for directory in state.directories:
            if directory.rsplit("/", 1)[0] == path:
                children[directory] = {"path": directory + "/", "is_directory": True}
        for file, data in state.files.items():
            if file.rsplit("/", 1)[0] == path:
                children[file] = {"path": file, "is_directory": False, "file_size": len(data)}
        entries = [dict(entry, name=p.rsplit("/", 1)[1]) for p, entry in sorted(children.items())]
        start = int(query.get("page_token", ["0"])[0])
        page = {"contents": entries[start : start + PAGE_SIZE]}
        if start + PAGE_SIZE < len(entries):
            page["next_page_token"] = str(start + PAGE_SIZE)
        return self._send(200, page)

    # -- Jobs API -----------------------------------------------------------------------------

    def _jobs_list(self, query: dict):
        jobs = self.server.state.jobs
        if "name" in query:
            wanted = query["name"][0].lower()
            jobs = [job for job in jobs if job["settings"]["name"].lower() == wanted]
        return self._send(200, {"jobs": jobs, "has_more": False})

    def _run_now(self, body: dict):
        state = self.server.state
        if not any(job["job_id"] == body.get("job_id") for job in state.jobs):
            return self._error(
                400, "INVALID_PARAMETER_VALUE", f"Job {body.get('job_id')} does not exist."
            )
        state.run_now_bodies.append(body)
        return self._send(200, {"run_id": 7001, "number_in_job": 1})

    def _runs_get(self):
        state = self.server.state
        step = state.run_script[min(state.runs_get_calls, len(state.run_script) - 1)]
        state.runs_get_calls += 1
        return self._send(200, step)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: StandInState


class DatabricksStandIn:
    """The stand-in server, running in a thread while used as a context manager."""

    def __init__(self, state: StandInState | None = None):
        self.state = state or StandInState()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = self.state
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> DatabricksStandIn:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
