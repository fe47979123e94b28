"""AWS policy matching and the Mozilla verdict, on hand-made offers; the data files carry their source and date."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from labctl.tls.certs import CertInfo, KeyInfo
from labctl.tls.policies import DATA, Offer, aws_policies, match_aws, match_policy, mozilla_verdict
from labctl.tls.scan import TLS13_SUITES, offerable_ciphers
from labctl.tls.wire import PROTOCOLS
from tests.support.tls_builders import cert_info

T13 = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
RSA_LEAF: dict[str, Any] = {"key": KeyInfo("RSA", 2048), "sig": "sha256WithRSAEncryption"}
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CHECKABLE = frozenset({*PROTOCOLS, *offerable_ciphers(), *TLS13_SUITES, "X25519MLKEM768"})


def _leaf(key: KeyInfo = KeyInfo("EC", 256), sig: str = "ecdsa-with-SHA256", days: int = 90) -> CertInfo:
    after = START + dt.timedelta(days=days)
    return cert_info(key=key, signature_algorithm=sig, not_before=START.isoformat(), not_after=after.isoformat())


def _offer(protocols: set[str], ciphers: list[str], groups: set[str] | None = None, **leaf: Any) -> Offer:
    return Offer(
        protocols=frozenset(protocols),
        ciphers=frozenset(ciphers),
        groups=frozenset(groups or {"X25519", "prime256v1"}),
        leaf=_leaf(**leaf),
        trusted=True,
        checkable=CHECKABLE,
    )


def _policy(name: str) -> dict[str, Any]:
    return next(p for p in aws_policies() if p["name"] == name)


def test_data_files_name_their_source_and_date() -> None:
    for name in ("aws_tls_policies.json", "mozilla_tls_profiles.json"):
        doc = json.loads((DATA / name).read_text())
        assert doc["retrieved"] == "2026-12-02"
        sources = doc.get("sources") or [doc["source"]]
        assert all(s["title"] and s["address"] for s in sources)


def test_the_policy_table_holds_what_a_learner_picks() -> None:
    names = {p["name"] for p in aws_policies()}
    assert {"ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09", "TLSv1.2_2021"} <= names
    recommended = _policy("ELBSecurityPolicy-TLS13-1-2-2021-06")
    assert recommended["protocols"] == ["TLSv1.2", "TLSv1.3"]
    assert len(recommended["ciphers"]) == 11
    cf = _policy("TLSv1.2_2021")
    assert cf["protocols"] == ["TLSv1.2", "TLSv1.3"]
    assert "ECDHE-RSA-CHACHA20-POLY1305" in cf["ciphers"]
    assert "ECDHE-RSA-AES128-SHA256" not in cf["ciphers"]


def test_every_policy_cipher_but_sslv3_era_ones_can_be_checked_by_this_client() -> None:
    beyond = {c for p in aws_policies() for c in p["ciphers"]} - CHECKABLE
    assert beyond <= {"DES-CBC3-SHA", "RC4-MD5"}


def test_an_ecdsa_server_on_the_restricted_policy_matches_it_exactly() -> None:
    offer = _offer({"TLSv1.2", "TLSv1.3"}, [*T13, "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384"])
    res = match_policy(_policy("ELBSecurityPolicy-TLS13-1-2-Res-2021-06"), offer)
    assert (res.match, res.missing, res.extra) == (True, [], [])  # RSA suites need an RSA key: not "missing"
    pq = match_policy(_policy("ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"), offer)
    assert (pq.match, pq.missing) == (False, ["X25519MLKEM768"])
    assert [m.name for m in match_aws(offer) if m.match] == ["ELBSecurityPolicy-TLS13-1-2-Res-2021-06", "TLSv1.2_2025"]


def test_missing_and_extra_name_protocols_and_suites() -> None:
    offer = _offer({"TLSv1", "TLSv1.2"}, ["ECDHE-RSA-AES128-GCM-SHA256", "AES128-SHA"], key=KeyInfo("RSA", 2048))
    res = match_policy(_policy("ELBSecurityPolicy-TLS13-1-2-Res-2021-06"), offer)
    assert res.extra == ["AES128-SHA", "TLSv1"]
    assert res.missing == sorted([*T13, "ECDHE-RSA-AES256-GCM-SHA384", "TLSv1.3"])
    sslv3 = match_policy(_policy("SSLv3"), offer)
    assert sslv3.unchecked == ["DES-CBC3-SHA", "RC4-MD5", "SSLv3"]  # this client cannot ask for them


@pytest.mark.parametrize(
    ("protocols", "ciphers", "leaf", "verdict"),
    [
        ({"TLSv1.3"}, T13, {}, "modern"),
        ({"TLSv1.2", "TLSv1.3"}, [*T13, "ECDHE-ECDSA-AES128-GCM-SHA256"], {}, "intermediate"),
        ({"TLSv1.3"}, T13, RSA_LEAF, "intermediate"),
        (
            {"TLSv1", "TLSv1.2"},
            ["ECDHE-RSA-AES128-SHA"],
            {"key": KeyInfo("RSA", 2048), "sig": "sha256WithRSAEncryption"},
            "old",
        ),
        ({"TLSv1.3"}, T13, {"sig": "ecdsa-with-SHA1"}, "none"),
    ],
)
def test_mozilla_verdict_is_the_strictest_profile_met(
    protocols: set[str], ciphers: list[str], leaf: dict[str, Any], verdict: str
) -> None:
    assert mozilla_verdict(_offer(protocols, ciphers, **leaf)).mozilla == verdict


def test_deviations_say_what_blocks_the_next_profile() -> None:
    v = mozilla_verdict(_offer({"TLSv1.2", "TLSv1.3"}, [*T13, "ECDHE-ECDSA-AES128-GCM-SHA256"]))
    assert (v.mozilla, v.target) == ("intermediate", "modern")
    assert v.deviations == [
        "accepts TLSv1.2 (modern allows TLSv1.3)",
        "accepts 1 suite(s) outside modern: ECDHE-ECDSA-AES128-GCM-SHA256",
    ]
    none = mozilla_verdict(_offer({"TLSv1.3"}, T13, groups={"X25519", "X448", "ffdhe2048", "X25519MLKEM768"}))
    # X448 is no profile's curve; finite-field and hybrid ML-KEM groups are not judged here
    assert none.deviations == ["accepts key-exchange groups X448 (intermediate: X25519, prime256v1, secp384r1)"]
    long_lived = mozilla_verdict(_offer({"TLSv1.3"}, T13, days=400))
    assert long_lived.mozilla == "none"
    assert any("lifespan" in d for d in long_lived.deviations)
