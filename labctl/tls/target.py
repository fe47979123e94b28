"""Parse what the learner typed (host, host:port, [v6]:port or URL) into where to connect and which SNI."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from labctl.output import LabError

_HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9_-]{1,63})*\.?$")


@dataclass(frozen=True)
class Target:
    """A TLS endpoint: connect to host:port, send sni in the ClientHello (None for IP literals)."""

    host: str
    port: int
    sni: str | None
    path: str = "/"

    @property
    def is_ip(self) -> bool:
        """True when host is an IP literal (no SNI is sent for those, per RFC 6066)."""
        return is_ip_literal(self.host)

    @property
    def authority(self) -> str:
        """host:port as it appears in a URL (IPv6 in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def is_ip_literal(host: str) -> bool:
    """True for an IPv4 or IPv6 address (no brackets)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _bad(target: str, why: str) -> LabError:
    return LabError(
        "invalid_target",
        f"cannot parse target {target!r}: {why}",
        "use host, host:port or https://host[:port]/path, e.g. localhost:8443",
    )


def parse_target(target: str, *, port: int | None = None, servername: str | None = None) -> Target:
    """Split TARGET into host, port and SNI; an explicit --port wins over one in TARGET."""
    text = target.strip()
    if not text:
        raise _bad(target, "it is empty")
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        url_port = parts.port
    except ValueError as exc:  # bad port or bracket syntax
        raise _bad(target, str(exc)) from exc
    if parts.scheme not in ("https", "http"):
        raise _bad(target, f"scheme {parts.scheme!r} is not https")
    host = parts.hostname or ""
    if not host or not (is_ip_literal(host) or _HOSTNAME.match(host)):
        raise _bad(target, f"{host or 'no host'} is not a hostname or IP address")
    default_port = 80 if parts.scheme == "http" else 443
    chosen = port if port is not None else (url_port or default_port)
    if not 0 < chosen < 65536:
        raise _bad(target, f"port {chosen} is out of range")
    sni = servername if servername else (None if is_ip_literal(host) else host.rstrip("."))
    return Target(host=host, port=chosen, sni=sni, path=parts.path or "/")
