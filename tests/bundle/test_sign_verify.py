"""Sign → verify round trips, and every kind of tampering is caught with a precise reason."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from botocore.session import Session as BotocoreSession
from botocore.stub import Stubber
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

from govkit.bundle import keys
from govkit.bundle.dsse import IN_TOTO_PAYLOAD_TYPE, pae
from govkit.bundle.sign import BUNDLE_FILE, sign_run
from govkit.bundle.signers import KeySigner, KmsSigner
from govkit.bundle.statement import PREDICATE_TYPE, STATEMENT_TYPE
from govkit.bundle.verify import KeyVerifier, Report, verify_run


def signer(key_dir: Path, name: str) -> KeySigner:
    return KeySigner(keys.load_private(key_dir / f"{name}.key"))


def verifier(key_dir: Path, name: str) -> KeyVerifier:
    return KeyVerifier(keys.load_public(key_dir / f"{name}.pub"))


def failed(report: Report) -> dict[str, str]:
    return {c.name: c.detail for c in report.checks if not c.ok}


@pytest.mark.parametrize("name", ["ecdsa", "ed25519"])
def test_round_trip(run_copy: Path, key_dir: Path, name: str) -> None:
    sign_run(run_copy, signer(key_dir, name))
    report = verify_run(run_copy, verifier(key_dir, name), replay=True)
    assert report.ok, failed(report)
    assert [c.name for c in report.checks] == ["signature", "payload type", "statement type",
                                               "predicate type", "files", "manifest", "replay"]


def test_bundle_shape_is_sigstore_v03_with_an_in_toto_statement(run_copy: Path,
                                                                key_dir: Path) -> None:
    sign_run(run_copy, signer(key_dir, "ecdsa"))
    raw = (run_copy / BUNDLE_FILE).read_bytes()
    bundle = json.loads(raw)
    assert bundle["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
    public = keys.load_public(key_dir / "ecdsa.pub")
    assert bundle["verificationMaterial"]["publicKey"]["hint"] == keys.key_hint(public)
    envelope = bundle["dsseEnvelope"]
    assert envelope["payloadType"] == IN_TOTO_PAYLOAD_TYPE
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["_type"] == STATEMENT_TYPE
    assert statement["predicateType"] == PREDICATE_TYPE
    names = {s["name"] for s in statement["subject"]}
    assert "manifest.json" in names and "results/results.json" in names
    assert not any(n.startswith("attestations/") for n in names)
    predicate = statement["predicate"]
    assert predicate["period"].count("-Q") == 1 and predicate["accounts"] == ["123456789012"]
    assert set(predicate["results"]) == {"PASS", "FAIL", "ERROR", "WAIVED", "NOT_APPLICABLE"}


def test_signing_is_deterministic_for_ed25519(run_copy: Path, key_dir: Path) -> None:
    first = sign_run(run_copy, signer(key_dir, "ed25519")).read_bytes()
    second = sign_run(run_copy, signer(key_dir, "ed25519"), replace=True).read_bytes()
    assert first == second


def snapshot_file(run_dir: Path) -> Path:
    return sorted((run_dir / "snapshots").rglob("GetBucketEncryption*.json"))[0]


def flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


TAMPERING = {
    "one byte of a snapshot": lambda run: flip_byte(snapshot_file(run)),
    "one byte of the results": lambda run: flip_byte(run / "results" / "results.json"),
    "an added file": lambda run: (run / "snapshots" / "extra.json").write_text("{}"),
    "a removed file": lambda run: snapshot_file(run).unlink(),
    "a renamed file": lambda run: snapshot_file(run).rename(
        snapshot_file(run).with_name("renamed.json")),
    "a symlink": lambda run: (run / "link.json").symlink_to(run / "manifest.json"),
    "a file beside the signature": lambda run: (run / "attestations" / "note.txt").write_text(
        "trust me"),
}


@pytest.mark.parametrize("change", sorted(TAMPERING))
def test_tampering_with_files_is_caught(run_copy: Path, key_dir: Path, change: str) -> None:
    sign_run(run_copy, signer(key_dir, "ecdsa"))
    TAMPERING[change](run_copy)
    report = verify_run(run_copy, verifier(key_dir, "ecdsa"))
    assert not report.ok
    assert "files" in failed(report), failed(report)


def test_changed_byte_names_the_file(run_copy: Path, key_dir: Path) -> None:
    sign_run(run_copy, signer(key_dir, "ecdsa"))
    changed = snapshot_file(run_copy)
    flip_byte(changed)
    detail = failed(verify_run(run_copy, verifier(key_dir, "ecdsa")))["files"]
    assert changed.relative_to(run_copy).as_posix() in detail and "sha256" in detail


def test_another_key_is_rejected(run_copy: Path, key_dir: Path) -> None:
    sign_run(run_copy, signer(key_dir, "ecdsa"))
    detail = failed(verify_run(run_copy, verifier(key_dir, "other")))["signature"]
    assert "no signature" in detail and "the bundle names key" in detail


def test_another_bundles_signature_is_rejected(run_copy: Path, key_dir: Path,
                                               tmp_path: Path) -> None:
    other_run = tmp_path / "other"
    shutil.copytree(run_copy, other_run)
    (other_run / "manifest.json").write_bytes(
        (other_run / "manifest.json").read_bytes().replace(b'"period":"', b'"period":"x'))
    sign_run(run_copy, signer(key_dir, "ecdsa"))
    sign_run(other_run, signer(key_dir, "ecdsa"))
    shutil.copy(other_run / BUNDLE_FILE, run_copy / BUNDLE_FILE)
    report = verify_run(run_copy, verifier(key_dir, "ecdsa"))
    assert "files" in failed(report)  # valid signature, but over another run's files


def rewrite_payload(run_dir: Path, edit: object) -> dict:  # type: ignore[type-arg]
    bundle = json.loads((run_dir / BUNDLE_FILE).read_bytes())
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    edit(statement)  # type: ignore[operator]
    bundle["dsseEnvelope"]["payload"] = base64.b64encode(
        json.dumps(statement).encode()).decode()
    (run_dir / BUNDLE_FILE).write_text(json.dumps(bundle))
    return statement


def test_edited_predicate_breaks_the_signature(run_copy: Path, key_dir: Path) -> None:
    sign_run(run_copy, signer(key_dir, "ecdsa"))
    rewrite_payload(run_copy, lambda s: s["predicate"].update(period="1999-Q1"))
    assert "signature" in failed(verify_run(run_copy, verifier(key_dir, "ecdsa")))


def test_re_signed_false_predicate_disagrees_with_the_manifest(run_copy: Path,
                                                               key_dir: Path) -> None:
    from govkit.bundle.statement import build_statement
    statement = json.loads(build_statement(run_copy))
    statement["predicate"]["results"]["FAIL"] = 0
    bundle = signer(key_dir, "ecdsa").sign_statement(json.dumps(statement).encode())
    (run_copy / "attestations").mkdir()
    (run_copy / BUNDLE_FILE).write_bytes(bundle)
    assert "manifest" in failed(verify_run(run_copy, verifier(key_dir, "ecdsa")))


def test_wrong_predicate_type_is_rejected(run_copy: Path, key_dir: Path) -> None:
    from govkit.bundle.statement import build_statement
    statement = json.loads(build_statement(run_copy))
    statement["predicateType"] = "https://slsa.dev/provenance/v1"
    (run_copy / "attestations").mkdir()
    (run_copy / BUNDLE_FILE).write_bytes(
        signer(key_dir, "ecdsa").sign_statement(json.dumps(statement).encode()))
    assert "predicate type" in failed(verify_run(run_copy, verifier(key_dir, "ecdsa")))


def test_unsigned_run_is_not_verified(run_copy: Path, key_dir: Path) -> None:
    assert "is missing" in failed(verify_run(run_copy, verifier(key_dir, "ecdsa")))["signature"]


def test_snapshot_edited_and_re_signed_by_another_key(run_copy: Path, key_dir: Path) -> None:
    """Someone makes a bucket look encrypted and re-signs: the auditor's key rejects it, and
    even trusting the forger's key, replay shows the results do not follow from the evidence."""
    record = snapshot_file(run_copy)
    data = json.loads(record.read_bytes())
    data["outcome"], data["error_code"] = "ok", None
    data["response"] = {"ServerSideEncryptionConfiguration": {"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]}}
    data.pop("error_message", None)
    record.write_text(json.dumps(data))
    index = run_copy / "snapshots" / "index.json"
    calls = json.loads(index.read_bytes())
    for call in calls["calls"]:
        if call["file"] == record.relative_to(run_copy).as_posix():
            call["outcome"], call["error_code"] = "ok", None
    index.write_text(json.dumps(calls))
    sign_run(run_copy, signer(key_dir, "other"))
    assert "signature" in failed(verify_run(run_copy, verifier(key_dir, "ecdsa")))
    forged = verify_run(run_copy, verifier(key_dir, "other"), replay=True)
    assert "replay" in failed(forged), [(c.name, c.ok) for c in forged.checks]


def test_kms_signer_signs_the_pae_digest(run_copy: Path) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    public_der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    kms = BotocoreSession().create_client("kms", region_name="us-east-1",
                                          aws_access_key_id="x", aws_secret_access_key="x")
    key_id = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    from govkit.bundle.statement import build_statement
    statement = build_statement(run_copy)
    digest = hashlib.sha256(pae(IN_TOTO_PAYLOAD_TYPE, statement)).digest()
    signature = private.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    with Stubber(kms) as stub:
        stub.add_response("get_public_key", {
            "KeyId": key_id, "PublicKey": public_der, "KeySpec": "ECC_NIST_P256",
            "KeyUsage": "SIGN_VERIFY", "SigningAlgorithms": ["ECDSA_SHA_256"]},
            {"KeyId": key_id})
        stub.add_response("sign", {"KeyId": key_id, "Signature": signature,
                                   "SigningAlgorithm": "ECDSA_SHA_256"},
                          {"KeyId": key_id, "Message": digest, "MessageType": "DIGEST",
                           "SigningAlgorithm": "ECDSA_SHA_256"})
        kms_signer = KmsSigner(kms, key_id)
        (run_copy / "attestations").mkdir()
        (run_copy / BUNDLE_FILE).write_bytes(kms_signer.sign_statement(statement))
        stub.assert_no_pending_responses()
    report = verify_run(run_copy, KeyVerifier(kms_signer.public_key))
    assert report.ok, failed(report)


def test_kms_key_of_the_wrong_kind_is_refused() -> None:
    from govkit.bundle.errors import SigningError
    kms = BotocoreSession().create_client("kms", region_name="us-east-1",
                                          aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(kms) as stub:
        stub.add_response("get_public_key", {"KeyId": "k", "PublicKey": b"x",
                                             "KeySpec": "RSA_2048",
                                             "SigningAlgorithms": ["RSASSA_PSS_SHA_256"]},
                          {"KeyId": "k"})
        with pytest.raises(SigningError, match="ECC_NIST_P256"):
            KmsSigner(kms, "k")


def test_a_failed_signature_keeps_the_scanned_evidence(estate, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Signing comes last; if it fails the complete run stays, unsigned, and says so."""
    from govkit.bundle.errors import SigningError
    from govkit.demo.run import aws_environment
    from govkit.run import RunOptions, scan
    from tests.conftest import demo_request

    class Refusing:
        description = "a signer whose identity is unavailable"

        def sign_statement(self, statement: bytes) -> bytes:
            raise SigningError("no ambient OIDC identity")

    with aws_environment(estate.endpoint_url), pytest.raises(SigningError) as caught:
        scan(demo_request(regions=("us-east-1",)), RunOptions(out=tmp_path,
                                                              signer=Refusing()))
    assert "complete but unsigned" in str(caught.value)
    latest = (tmp_path / "latest").resolve()
    assert (latest / "results" / "results.json").is_file()
    assert not (latest / BUNDLE_FILE).exists()


def test_signing_refuses_a_link_in_the_run(run_copy: Path, key_dir: Path) -> None:
    from govkit.bundle.errors import BundleError
    (run_copy / "link.json").symlink_to(run_copy / "manifest.json")
    with pytest.raises(BundleError, match="link.json"):
        sign_run(run_copy, signer(key_dir, "ecdsa"))
    assert not (run_copy / BUNDLE_FILE).exists()
