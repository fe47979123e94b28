"""`python -m labctl.tls.serve SCENARIO HYPERCORN-ARGS...`: hypercorn with TLS settings its options cannot express.

hypercorn pins TLS >= 1.2 (right for HTTP/2) and the system's OpenSSL security level refuses to load an
RSA-1024 key or a SHA-1-signed certificate. The lab needs servers that do exactly those wrong things.
"""

from __future__ import annotations

import ssl
import sys
import warnings

from hypercorn import __main__ as hypercorn_main
from hypercorn.config import Config

LEGACY_ONLY = "legacy-only"
LOW_SECURITY = ("weak-key", "sha1", LEGACY_ONLY)  # scenarios whose chain OpenSSL's default level would refuse
_original = Config.create_ssl_context


def _patch(scenario: str) -> None:
    def create(config: Config) -> ssl.SSLContext | None:
        if scenario in LOW_SECURITY:
            config.ciphers = "ECDHE+AES:@SECLEVEL=0" if scenario == LEGACY_ONLY else "ECDHE+AESGCM:@SECLEVEL=0"
        ctx = _original(config)
        if ctx is not None and scenario == LEGACY_ONLY:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # serving deprecated versions is the point
                ctx.minimum_version, ctx.maximum_version = ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1
            ctx.set_alpn_protocols(["http/1.1"])  # HTTP/2 forbids TLS < 1.2 (RFC 9113)
        return ctx

    Config.create_ssl_context = create  # type: ignore[method-assign,assignment]  # one scenario per process


def main(argv: list[str]) -> int:
    """Patch hypercorn's TLS context for argv[0], then run hypercorn with the rest."""
    _patch(argv[0])
    return hypercorn_main.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
