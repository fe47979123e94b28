"""Turn a handshake into findings with stable codes and levels; the exit code follows the worst level."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from cryptography import x509

from labctl.output import EXIT_ERROR, EXIT_FAILURE, EXIT_OK
from labctl.tls.certs import CertInfo
from labctl.tls.probe import VerifyError
from labctl.tls.scan import ProtocolScan
from labctl.tls.session import Resumption

Level = Literal["error", "warning", "info"]
_EXPIRED, _NOT_YET_VALID, _SELF_SIGNED_LEAF, _SELF_SIGNED_IN_CHAIN = 10, 9, 18, 19
_ISSUER_MISSING = {2, 20, 21}
_KEY_TOO_WEAK, _DIGEST_TOO_WEAK = {66, 67}, 68  # OpenSSL's security-level verdicts on keys and signatures
_HOSTNAME = {62, 64}  # only with a verify_hostname parameter; hostname_mismatch covers it
LEGACY_PROTOCOLS = ("TLSv1", "TLSv1.1")
WEAK_SIGNATURES = ("md5", "sha1")


@dataclass(frozen=True)
class Finding:
    """One problem or observation: stable snake_case code, level, and a sentence for humans."""

    code: str
    level: Level
    message: str

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


def exit_code(findings: list[Finding]) -> int:
    """0 when clean (info only), 1 with warnings, 2 with any error."""
    levels = {f.level for f in findings}
    return EXIT_ERROR if "error" in levels else EXIT_FAILURE if "warning" in levels else EXIT_OK


def _label(i: int, info: CertInfo) -> str:
    return f"{'leaf' if i == 0 else f'cert #{i}'} ({info.subject})"


def validity_findings(infos: list[CertInfo], warn_days: int) -> list[Finding]:
    """expired / not_yet_valid / expires_soon / weak_key / weak_signature, per presented certificate."""
    out: list[Finding] = []
    for i, info in enumerate(infos):
        if info.expired:
            out.append(Finding("expired", "error", f"{_label(i, info)} expired on {info.not_after}"))
        elif info.not_yet_valid:
            msg = f"{_label(i, info)} is valid only from {info.not_before}: check the server's (or your) clock"
            out.append(Finding("not_yet_valid", "error", msg))
        elif info.days_left < warn_days:
            msg = f"{_label(i, info)} expires in {info.days_left} days ({info.not_after}); renew now"
            out.append(Finding("expires_soon", "warning", msg))
        if info.key.weak:
            out.append(_weak_key(i, info))
        if not info.self_signed and any(w in info.signature_algorithm.lower() for w in WEAK_SIGNATURES):
            out.append(_weak_signature(i, info))
    return out


def _weak_key(i: int, info: CertInfo) -> Finding:
    return Finding("weak_key", "error", f"{_label(i, info)} has a weak {info.key} key")


def _weak_signature(i: int, info: CertInfo) -> Finding:
    return Finding("weak_signature", "error", f"{_label(i, info)} is signed with {info.signature_algorithm}")


def order_findings(chain: list[x509.Certificate], infos: list[CertInfo]) -> list[Finding]:
    """Walk leaf -> issuer through the presented certs: flag misordered, extra and root certs."""
    out: list[Finding] = []
    path, current = [0], chain[0] if chain else None
    while current is not None and current.issuer != current.subject:
        nxt = next((j for j, c in enumerate(chain) if j not in path and c.subject == current.issuer), None)
        if nxt is None:
            break
        path.append(nxt)
        current = chain[nxt]
    if path != sorted(path):
        sent = ", ".join(infos[j].short_name for j in range(len(chain)))
        wanted = ", ".join(infos[j].short_name for j in path)
        msg = f"certificates are sent as {sent}; send the leaf first, then each issuer: {wanted}"
        out.append(Finding("chain_misordered", "warning", msg))
    for j in sorted(set(range(len(chain))) - set(path)):
        msg = f"cert #{j} ({infos[j].subject}) is not part of the leaf's chain; remove it"
        out.append(Finding("extra_certificate", "warning", msg))
    for j in path[1:]:
        if infos[j].self_signed:
            msg = f"the root ({infos[j].subject}) is sent; clients already have it, so it only adds bytes"
            out.append(Finding("root_in_chain", "info", msg))
    return out


def trust_findings(errors: list[VerifyError], infos: list[CertInfo]) -> list[Finding]:
    """Map OpenSSL verify errors to self_signed / incomplete_chain / untrusted_root / chain_invalid."""
    out: list[Finding] = []
    for err in errors:
        if err.errnum in (_EXPIRED, _NOT_YET_VALID) or err.errnum in _HOSTNAME:
            continue  # validity_findings reports these from the dates, with the certificate's name
        known = err.depth < len(infos)
        if err.errnum in _KEY_TOO_WEAK and known:
            out.append(_weak_key(err.depth, infos[err.depth]))  # same text as the date check: dedupe keeps one
        elif err.errnum == _DIGEST_TOO_WEAK and known:
            out.append(_weak_signature(err.depth, infos[err.depth]))
        elif err.errnum == _SELF_SIGNED_LEAF:
            msg = "the leaf is self-signed: no CA vouches for it, every client will refuse it"
            out.append(Finding("self_signed", "error", msg))
        elif err.errnum == _SELF_SIGNED_IN_CHAIN:
            msg = "the chain ends in a root CA that is not in the trust store"
            out.append(Finding("untrusted_root", "error", msg))
        elif err.errnum in _ISSUER_MISSING:
            cert = infos[err.depth] if err.depth < len(infos) else infos[-1]
            if cert.is_ca:  # an intermediate whose root we do not have: unknown CA, not a short chain
                msg = f"issuer of {cert.subject} ({cert.issuer}) is not in the trust store"
                out.append(Finding("untrusted_root", "error", msg))
            else:
                msg = (
                    f"the server sent no certificate for {cert.issuer}, the leaf's issuer: an intermediate "
                    "is missing (browsers may patch it via AIA; curl, Python, Java fail)"
                )
                out.append(Finding("incomplete_chain", "error", msg))
        else:
            out.append(Finding("chain_invalid", "error", f"depth {err.depth}: {err.message}"))
    return out


def connection_findings(
    *, alpn: str | None, versions: dict[str, bool], ocsp_stapled: bool, hsts: str | None
) -> list[Finding]:
    """legacy_protocol, no_tls13, no_h2, no_ocsp_stapling, no_hsts."""
    out: list[Finding] = []
    legacy = [v for v in LEGACY_PROTOCOLS if versions.get(v)]
    if legacy and not (versions.get("TLSv1.2") or versions.get("TLSv1.3")):
        msg = (
            f"server speaks only {', '.join(legacy)} (deprecated by RFC 8996): current browsers, curl and Python "
            "refuse to connect; enable TLS 1.2 and 1.3"
        )
        out.append(Finding("legacy_protocol", "error", msg))
    elif legacy:
        msg = f"server accepts {', '.join(legacy)} (deprecated by RFC 8996); require TLS 1.2+"
        out.append(Finding("legacy_protocol", "warning", msg))
    if not versions.get("TLSv1.3"):
        out.append(Finding("no_tls13", "info", "TLS 1.3 is not offered: every new connection pays 2 RTT"))
    if alpn != "h2":
        out.append(Finding("no_h2", "info", f"ALPN chose {alpn or 'nothing'}, not h2: no multiplexing"))
    if not ocsp_stapled:
        msg = "no OCSP staple: clients that check revocation must ask the CA themselves"
        out.append(Finding("no_ocsp_stapling", "info", msg))
    if hsts == "":
        msg = "no Strict-Transport-Security header: first visits can be downgraded to HTTP"
        out.append(Finding("no_hsts", "info", msg))
    return out


def dedupe(findings: list[Finding]) -> list[Finding]:
    """Keep the first finding per (code, message); errors first, then warnings, then info."""
    order = {"error": 0, "warning": 1, "info": 2}
    unique = list({(f.code, f.message): f for f in findings}.values())
    return sorted(unique, key=lambda f: order[f.level])


def hostname_finding(leaf: CertInfo, name: str, *, common_name_only: bool) -> Finding:
    """hostname_mismatch, explaining the CN-only case where browsers and command-line clients disagree."""
    if common_name_only:
        msg = (
            f"{name} is only in the subject CN, the leaf has no DNS SAN: browsers (RFC 6125, Chrome 58+) refuse it, "
            "while curl, Python and `openssl s_client -verify_hostname` still fall back to the CN and accept it"
        )
    else:
        msg = f"the leaf is not valid for {name} (SANs: {', '.join(leaf.sans) or 'none'})"
    return Finding("hostname_mismatch", "error", msg)


def offer_findings(protocols: list[ProtocolScan], resumption: Resumption | None) -> list[Finding]:
    """weak_cipher, no_forward_secrecy, no_session_resumption from the accepted suites and the resumption probes."""
    out: list[Finding] = []
    for scan in protocols:
        if weak := [c.name for c in scan.ciphers if c.weak]:
            msg = (
                f"{scan.version} accepts {', '.join(weak)}: under 128-bit strength, no encryption or no authentication"
            )
            out.append(Finding("weak_cipher", "error", msg))
        if static := [c.name for c in scan.ciphers if not c.forward_secrecy]:
            msg = (
                f"{scan.version} accepts {', '.join(static)} (static RSA key exchange): traffic recorded today can be "
                "decrypted by whoever later gets the private key"
            )
            out.append(Finding("no_forward_secrecy", "warning", msg))
    if resumption is not None and resumption.none_work:
        msg = "no session resumption (ids, tickets or TLS 1.3 PSK): every reconnect pays a full handshake"
        out.append(Finding("no_session_resumption", "info", msg))
    return out


def sni_finding(sni: str | None, leaf: CertInfo, default: CertInfo | None) -> Finding | None:
    """What a client that sends no SNI gets, when that differs from the certificate for sni."""
    if sni is None:
        return None
    if default is None:
        msg = "without SNI the server refuses the handshake: clients that send none (old Java, some probes) fail"
        return Finding("sni_required", "info", msg)
    if default.sha256 != leaf.sha256:
        msg = (
            f"without SNI the server presents another certificate: {default.subject} issued by {default.issuer} "
            f"(sha256 {default.sha256[:11]}...), not {leaf.subject} issued by {leaf.issuer}"
        )
        return Finding("default_certificate_differs", "info", msg)
    return None
