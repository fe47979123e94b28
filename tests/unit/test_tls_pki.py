"""Each demo scenario writes the chain it promises (checked with cryptography's own verifier)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from labctl.tls.certs import hostname_matches, is_self_signed, sans_of
from labctl.tls.pki import EXPIRING_DAYS, SCENARIOS, WRONG_HOST, build_scenario

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def _load(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def _verify(tmp_path: Path, scenario: str, host: str = "localhost") -> None:
    pki = build_scenario(scenario, tmp_path, now=NOW)  # type: ignore[arg-type]
    leaf, *rest = _load(pki.certfile)
    store = Store(_load(pki.cafile))
    verifier = PolicyBuilder().store(store).time(NOW).build_server_verifier(x509.DNSName(host))
    verifier.verify(leaf, rest)


def test_ok_chain_verifies_for_localhost(tmp_path: Path) -> None:
    _verify(tmp_path, "ok")
    leaf, inter = _load(tmp_path / "ok-chain.pem")
    assert sans_of(leaf) == ["localhost", "127.0.0.1", "::1"]
    assert leaf.issuer == inter.subject


@pytest.mark.parametrize("scenario", ["expired", "wrong-host", "missing-intermediate", "self-signed"])
def test_broken_scenarios_fail_verification(tmp_path: Path, scenario: str) -> None:
    with pytest.raises(VerificationError):
        _verify(tmp_path, scenario)


def test_scenario_specifics(tmp_path: Path) -> None:
    chains = {s: _load(build_scenario(s, tmp_path, now=NOW).certfile) for s in SCENARIOS}
    assert chains["expired"][0].not_valid_after_utc < NOW
    assert (chains["expiring"][0].not_valid_after_utc - NOW).days == EXPIRING_DAYS
    assert hostname_matches(chains["wrong-host"][0], WRONG_HOST)
    assert not hostname_matches(chains["wrong-host"][0], "localhost")
    assert len(chains["missing-intermediate"]) == 1
    assert len(chains["ok"]) == 2
    assert is_self_signed(chains["self-signed"][0])
    assert not is_self_signed(chains["ok"][0])


def test_the_ca_is_reused_across_runs_so_a_trusted_root_stays_trusted(tmp_path: Path) -> None:
    first = build_scenario("ok", tmp_path).cafile.read_bytes()
    second = build_scenario("expired", tmp_path).cafile.read_bytes()
    assert first == second
    assert oct((tmp_path / "root-ca.key").stat().st_mode & 0o777) == "0o600"
