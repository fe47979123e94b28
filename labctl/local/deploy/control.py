"""The supervisor's control API on loopback: how `labctl rollout --local` starts a rollout and watches it.

    POST /rollouts          {"strategy": "canary", "bake_s": 10, "break_mode": "errors" | "slow" | null}
                            202 the rollout's status; 409 rollout_in_progress; 400 invalid_rollout
    GET  /rollouts/current  200 the running (or last) rollout's status; 404 no_rollout

Its URL is `control_url` in state.json. Standard library only: a few requests a second at most.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from labctl.local.deploy.controller import Deployments
from labctl.local.deploy.model import RolloutRefused, RolloutRequest

MAX_BODY = 4096


def _handler(deployments: Deployments) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, doc: object) -> None:
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, code: str, message: str) -> None:
            self._reply(status, {"error": {"code": code, "message": message}})

        def do_GET(self) -> None:
            current = deployments.current
            if self.path != "/rollouts/current":
                self._error(404, "not_found", f"No route GET {self.path}.")
            elif current is None:
                self._error(404, "no_rollout", "No rollout has run in this lab yet.")
            else:
                self._reply(200, current.to_json())

        def do_POST(self) -> None:
            if self.path != "/rollouts":
                self._error(404, "not_found", f"No route POST {self.path}.")
                return
            length = min(int(self.headers.get("content-length") or 0), MAX_BODY)
            try:
                req = RolloutRequest.parse(json.loads(self.rfile.read(length) or b"{}"))
                status = deployments.start(req)
            except (ValueError, TypeError) as err:
                code = err.code if isinstance(err, RolloutRefused) else "invalid_rollout"
                self._error(409 if code == "rollout_in_progress" else 400, code, str(err))
                return
            self._reply(202, status.to_json())

        def log_message(self, format: str, *args: object) -> None:
            pass  # the supervisor logs the rollout's phases itself

    return Handler


class ControlServer:
    """Serves the control API on a daemon thread until close()."""

    def __init__(self, deployments: Deployments, host: str, port: int) -> None:
        self._server = ThreadingHTTPServer((host, port), _handler(deployments))
        self._server.daemon_threads = True
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="control-api", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
