"""A client of the front door's admin API (the supervisor, the rollout controller and `labctl status` use it)."""

from __future__ import annotations

from typing import Any

import httpx

TIMEOUT_S = 2.0


class FrontDoorError(RuntimeError):
    """The admin API refused (code from its envelope) or did not answer (code `frontdoor_unreachable`)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class FrontDoorClient:
    def __init__(self, admin_url: str, timeout_s: float = TIMEOUT_S) -> None:
        self.admin_url = admin_url
        self._http = httpx.Client(base_url=admin_url, timeout=timeout_s)

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, body: object = None, params: dict[str, str] | None = None) -> Any:
        try:
            res = self._http.request(method, path, json=body, params=params)
        except httpx.HTTPError as err:
            raise FrontDoorError("frontdoor_unreachable", f"the front door's admin API: {type(err).__name__}") from err
        doc = res.json()
        if res.status_code >= 400:
            error = doc.get("error", {}) if isinstance(doc, dict) else {}
            raise FrontDoorError(str(error.get("code", "frontdoor_error")), str(error.get("message", res.text)))
        return doc

    def state(self, since: float | None = None) -> dict[str, Any]:
        """GET /state, with a metrics window per group when since (epoch seconds) is given."""
        doc: dict[str, Any] = self._call("GET", "/state", params={"since": str(since)} if since is not None else None)
        return doc

    def register(self, colour: str, url: str) -> None:
        self._call("PUT", f"/targets/{colour}", {"url": url})

    def deregister(self, colour: str) -> None:
        self._call("DELETE", f"/targets/{colour}")

    def weights(self, **weights: int) -> dict[str, int]:
        doc = self._call("PUT", "/weights", weights)
        return dict(doc["serving"])

    def promote(self) -> None:
        self._call("POST", "/promote")


def target_state(state: dict[str, Any], colour: str) -> str:
    """The state of colour's target in a /state document ("none" when the group is empty)."""
    target = state["groups"][colour]["target"]
    return str(target["state"]) if target else "none"
