"""Read what `labctl tls inspect --json`, `openssl s_client` and sslyze's --json_out say, into one shape.

Only text and JSON are read here: sslyze runs from its own virtualenv as a program and is never imported
(it pins a cryptography release this project does not use).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SSLYZE_PROTOCOLS = {
    "ssl_2_0_cipher_suites": "SSL2",
    "ssl_3_0_cipher_suites": "SSL3",
    "tls_1_0_cipher_suites": "1.0",
    "tls_1_1_cipher_suites": "1.1",
    "tls_1_2_cipher_suites": "1.2",
    "tls_1_3_cipher_suites": "1.3",
}
# sslyze's checks that labctl does not run, and the result field that says "not vulnerable" when false
SSLYZE_EXTRA_CHECKS = {
    "heartbleed": ("is_vulnerable_to_heartbleed", "Heartbleed"),
    "openssl_ccs_injection": ("is_vulnerable_to_ccs_injection", "CCS injection"),
}
_CN = re.compile(r"CN\s*=\s*([^,/\n]+)")


@dataclass(frozen=True)
class View:
    """One tool's report on one server, reduced to the comparison's columns."""

    verdict: str  # the tool's own words for the worst problem, or that it found none
    protocols: str  # accepted versions, space-separated ("1.2 1.3"), "-" when none or not asked
    chain: str  # common names of the certificates the server sent, leaf first
    extra: str = ""  # what this tool reports that the others do not
    suites: str = ""  # every accepted suite per version (OpenSSL names, sorted), when the tool enumerates them


def short_version(name: str) -> str:
    """TLSv1 -> 1.0, TLSv1.2 -> 1.2 (labctl's and OpenSSL's names to the table's)."""
    version = name.removeprefix("TLSv")
    return "1.0" if version == "1" else version


def _cn(subject: str) -> str:
    match = _CN.search(subject)
    return match.group(1).strip() if match else subject


def labctl_view(doc: dict[str, Any]) -> View:
    """Findings worse than info (code list, exit code), accepted versions, the sent chain, what only labctl says."""
    serious = [f["code"] for f in doc["findings"] if f["level"] != "info"]
    verdict = f"exit {doc['exit_code']}: " + (", ".join(serious) if serious else "no error or warning")
    protocols = " ".join(short_version(p["version"]) for p in doc["protocols"] if p["accepted"]) or "-"
    chain = " > ".join(_cn(c["subject"]) for c in doc["chain"])
    resumption = doc["resumption"] or {}
    resumes = "+".join(k for k, v in resumption.items() if v) or "none"
    aws = ", ".join(m["name"] for m in doc["aws_policies"] if m["match"]) or "none exact"
    ffdhe = [g for g in doc["groups"] if g.startswith("ffdhe")]
    extra = f"resumption {resumes}; AWS {aws}" + (f"; TLS 1.3 {', '.join(ffdhe)}" if ffdhe else "")
    suites = _suites((short_version(p["version"]), [c["name"] for c in p["ciphers"]]) for p in doc["protocols"])
    return View(verdict=verdict, protocols=protocols, chain=chain, extra=extra, suites=suites)


def _suites(per_version: Iterable[tuple[str, list[str]]]) -> str:
    return "; ".join(f"{version}: {' '.join(sorted(names))}" for version, names in per_version if names)


def openssl_verdict(output: str, returncode: int) -> str:
    """The first verify error, else why the handshake failed, else the verify result, from s_client's output."""
    if err := re.search(r"verify error:num=(\d+):(.+)", output):
        return f"exit {returncode}: verify error {err.group(1)} ({err.group(2).strip()})"
    if not openssl_accepted(output, returncode):  # s_client prints "Verify return code: 0" after failures too
        reason = re.search(r"SSL routines:\w*:([^:]+):|(alert [a-z ]+|no protocols available)", output)
        why = next((g for g in reason.groups() if g), "") if reason else "no handshake"
        return f"exit {returncode}: handshake failed ({why})"
    if ok := re.search(r"Verify return code: (\d+) \((.+?)\)", output):
        return f"exit {returncode}: verify {ok.group(1)} ({ok.group(2)})"
    return f"exit {returncode}: no verify result"


def openssl_chain(output: str) -> str:
    """Common names of the `-showcerts` certificates (` 0 s:... CN = localhost`), leaf first."""
    return " > ".join(_cn(m.group(1)) for m in re.finditer(r"^\s*\d+ s:(.*)$", output, re.MULTILINE)) or "-"


def openssl_accepted(output: str, returncode: int) -> bool:
    """True when a one-version probe completed a handshake (OpenSSL prints `Cipher is (NONE)` otherwise)."""
    return returncode == 0 and re.search(r"Cipher is (?!\(NONE\))\S+", output) is not None


def _result(scan: dict[str, Any], name: str) -> dict[str, Any] | None:
    attempt = scan.get(name) or {}
    result: dict[str, Any] | None = attempt.get("result") if attempt.get("status") == "COMPLETED" else None
    return result


def _sslyze_trust(deployment: dict[str, Any]) -> str:
    supplied = [p for p in deployment["path_validation_results"] if p["trust_store"]["name"] == "Supplied CA file"]
    if not supplied:
        return "no --certinfo_ca_file result"
    if supplied[0]["was_validation_successful"]:
        return "trusted (supplied CA)"
    return f"NOT trusted: {_short_error(supplied[0]['validation_error'])}"


def _short_error(error: str) -> str:
    """cryptography's verifier message without its prefix, the certificate repr and Rust debug dumps."""
    error = error.removeprefix("validation failed: ").split(" (encountered processing", 1)[0]
    return re.sub(r"AlgorithmIdentifier \{.*?oid: ([\d.]+) \}.*", r"OID \1", error)


def _sslyze_certificate_notes(deployment: dict[str, Any]) -> list[str]:
    notes = []
    key = deployment["received_certificate_chain"][0]["public_key"]
    notes.append(f"leaf {str(key['algorithm']).removesuffix('PublicKey')}-{key['key_size']}")
    if deployment.get("verified_chain_has_sha1_signature"):
        notes.append("SHA-1 in verified chain")
    if not deployment.get("received_chain_has_valid_order", True):
        notes.append("chain order invalid")
    return notes


def _sslyze_extra(scan: dict[str, Any]) -> list[str]:
    extra = []
    for name, (field, label) in SSLYZE_EXTRA_CHECKS.items():
        result = _result(scan, name)
        extra.append(f"{label} {'?' if result is None else 'VULNERABLE' if result[field] else 'no'}")
    robot = _result(scan, "robot")
    extra.append(f"ROBOT {'?' if robot is None else robot['robot_result'].removeprefix('NOT_VULNERABLE_').lower()}")
    scsv = _result(scan, "tls_fallback_scsv")
    extra.append(f"FALLBACK_SCSV {'?' if scsv is None else 'yes' if scsv['supports_fallback_scsv'] else 'no'}")
    reneg = _result(scan, "session_renegotiation")
    if reneg is not None:
        extra.append(f"secure reneg {'yes' if reneg['supports_secure_renegotiation'] else 'no'}")
    ems = _result(scan, "tls_extended_master_secret")
    if ems is not None:
        extra.append(f"EMS {'yes' if ems['supports_ems_extension'] else 'no'}")
    return extra


def sslyze_view(doc: dict[str, Any], text: str, returncode: int) -> View:
    """Trust against the supplied root, accepted versions, sent chain, Mozilla verdict, and the checks labctl lacks."""
    if not doc["server_scan_results"]:
        return View(verdict=f"exit {returncode}: no report written", protocols="-", chain="-")
    server = doc["server_scan_results"][0]
    if server["connectivity_status"] != "COMPLETED":
        reason = (server.get("connectivity_error_trace") or {}).get("exc_value", "connectivity test failed")
        return View(verdict=f"exit {returncode}: {reason}", protocols="-", chain="-")
    scan = server["scan_result"]
    accepted = {
        label: [a["cipher_suite"]["openssl_name"] for a in r["accepted_cipher_suites"]]
        for name, label in SSLYZE_PROTOCOLS.items()
        if (r := _result(scan, name)) is not None
    }
    protocols = " ".join(label for label, names in accepted.items() if names)
    info = _result(scan, "certificate_info")
    chain, notes = "-", []
    if info is not None:
        deployment = info["certificate_deployments"][0]
        chain = " > ".join(_sslyze_cn(c) for c in deployment["received_certificate_chain"])
        notes = [_sslyze_trust(deployment), *_sslyze_certificate_notes(deployment)]
    mozilla = "Mozilla intermediate OK" if "is compliant" in text.lower() else _mozilla_failures(text)
    verdict = f"exit {returncode}: " + "; ".join([*notes, mozilla])
    extra = ", ".join(_sslyze_extra(scan))
    return View(verdict, protocols or "-", chain, extra=extra, suites=_suites(accepted.items()))


def _sslyze_cn(cert: dict[str, Any]) -> str:
    for attr in cert["subject"]["attributes"]:
        if attr["oid"]["name"] == "commonName":
            return str(attr["value"])
    return str(cert["subject"].get("rfc4514_string", "?"))


def _mozilla_failures(text: str) -> str:
    """sslyze's `* check: reason` lines under its Mozilla compliance verdict, check names only."""
    checks = re.findall(r"^\s*\* (\w+):", text.split("COMPLIANCE AGAINST", 1)[-1], re.MULTILINE)
    return f"Mozilla intermediate FAILED ({', '.join(checks)})" if checks else "no Mozilla verdict"
