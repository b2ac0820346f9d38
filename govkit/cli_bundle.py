"""CLI commands for evidence bundles: keys, signing, packing, pushing and verifying."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import boto3
import typer
from rich.console import Console

from govkit.bundle import archive, keys
from govkit.bundle.sign import sign_run
from govkit.bundle.signers import KeylessSigner, KeySigner, KmsSigner, Signer
from govkit.bundle.verify import KeyVerifier, Report, SignatureVerifier, SigstoreVerifier
from govkit.bundle.verify_archive import verify_bundle
from govkit.errors import EXIT_FAILURES, EXIT_OK, UsageError

keys_app = typer.Typer(no_args_is_help=True, help="Create signing keys.")
bundle_app = typer.Typer(no_args_is_help=True, help="Sign, pack and store evidence bundles.")

SignKeyOpt = Annotated[Path | None, typer.Option(help="Private key (PEM) to sign with.")]
PassEnvOpt = Annotated[str | None, typer.Option(
    help="Environment variable holding the private key's passphrase.")]
KmsOpt = Annotated[str | None, typer.Option(help="AWS KMS key (ECC_NIST_P256) to sign with.")]
SigstoreOpt = Annotated[bool, typer.Option(
    help="Sign keyless with Sigstore and the CI job's ambient OIDC identity.")]
StagingOpt = Annotated[bool, typer.Option(help="Use Sigstore's staging instance.")]


def make_signer(*, key: Path | None, passphrase_env: str | None, kms_key_id: str | None,
                sigstore: bool, staging: bool = False, profile: str | None = None,
                region: str | None = None) -> Signer | None:
    chosen = [name for name, given in (("--sign-key/--key", key), ("--kms-key-id", kms_key_id),
                                       ("--sigstore", sigstore)) if given]
    if len(chosen) > 1:
        raise UsageError(f"choose one signer, not {' and '.join(chosen)}")
    if key is not None:
        return KeySigner(keys.load_private(key, passphrase_env))
    if kms_key_id is not None:
        client = boto3.Session(profile_name=profile, region_name=region).client("kms")
        return KmsSigner(client, kms_key_id)
    if sigstore:
        return KeylessSigner(staging=staging)
    return None


@keys_app.command("generate")
def keys_generate(
    out: Annotated[Path, typer.Option("--out", help="Folder for govkit.key and govkit.pub.")],
    algorithm: Annotated[keys.Algorithm, typer.Option(help="Key type.")]
    = keys.Algorithm.ECDSA_P256,
    passphrase_env: PassEnvOpt = None,
) -> None:
    """Write a signing key pair (private key mode 0600)."""
    files = keys.generate(out, algorithm, passphrase_env=passphrase_env)
    Console().print(f"private key: {files.private}\npublic key:  {files.public}",
                    highlight=False)


@bundle_app.command("sign")
def bundle_sign(
    run_dir: Annotated[Path, typer.Argument(help="A run directory.")],
    key: SignKeyOpt = None, passphrase_env: PassEnvOpt = None, kms_key_id: KmsOpt = None,
    sigstore: SigstoreOpt = False, staging: StagingOpt = False,
    force: Annotated[bool, typer.Option(help="Replace an existing signature.")] = False,
) -> None:
    """Sign a run directory: an in-toto statement over every file, in a Sigstore bundle."""
    signer = make_signer(key=key, passphrase_env=passphrase_env, kms_key_id=kms_key_id,
                         sigstore=sigstore, staging=staging)
    if signer is None:
        raise UsageError("give --key, --kms-key-id or --sigstore")
    target = sign_run(run_dir, signer, replace=force)
    Console().print(f"signed by {signer.description}: {target}", highlight=False)


@bundle_app.command("pack")
def bundle_pack(
    run_dir: Annotated[Path, typer.Argument(help="A run directory.")],
    out: Annotated[Path | None, typer.Option(help="Archive path or folder.")] = None,
) -> None:
    """Write a deterministic .tar.gz of a run directory."""
    path = archive.pack(run_dir, out or run_dir.parent)
    Console().print(str(path), highlight=False)


@bundle_app.command("push")
def bundle_push(
    bundle: Annotated[Path, typer.Argument(help="A run directory or its .tar.gz.")],
    destination: Annotated[str, typer.Argument(help="s3://BUCKET/PREFIX")],
    retention_days: Annotated[int, typer.Option(min=1, help="Object Lock retention.")] = 2190,
    mode: Annotated[str, typer.Option(help="COMPLIANCE or GOVERNANCE.")] = "COMPLIANCE",
    profile: Annotated[str | None, typer.Option(help="AWS profile.")] = None,
) -> None:
    """Upload to an S3 bucket with Object Lock (six years' retention by default)."""
    from govkit.bundle.push import push
    report = push(bundle, destination, retention_days=retention_days, mode=mode,
                  session=boto3.Session(profile_name=profile))
    Console().print(f"{len(report.objects)} object(s) in s3://{report.bucket}/{report.prefix} "
                    f"locked ({report.mode}) until {report.retain_until}", highlight=False)


def verifier_from(key: Path | None, identity: str | None, issuer: str | None,
              trusted_root: Path | None, staging: bool) -> SignatureVerifier:
    if key is not None and (identity or issuer):
        raise UsageError("give either --key or --identity/--issuer")
    if key is not None:
        return KeyVerifier(keys.load_public(key))
    if identity and issuer:
        return SigstoreVerifier(identity=identity, issuer=issuer, staging=staging,
                                trusted_root=trusted_root)
    raise UsageError("give --key PUB.pem, or --identity and --issuer for a Sigstore bundle")


def print_report(console: Console, report: Report, where: str) -> None:
    for check in report.checks:
        mark = "[green]ok[/green]  " if check.ok else "[red]FAIL[/red]"
        console.print(f"{mark} {check.name}: ", end="")
        console.print(check.detail, markup=False, highlight=False)
    verdict = "[green]VERIFIED[/green]" if report.ok else "[red]NOT VERIFIED[/red]"
    console.print(f"{verdict} {where}", highlight=False)


def verify_command(
    bundle: Annotated[Path, typer.Argument(help="A signed run directory or its .tar.gz.")],
    key: Annotated[Path | None, typer.Option(help="Public key (PEM) of the signer.")] = None,
    identity: Annotated[str | None, typer.Option(help="Sigstore signer identity (SAN).")]
    = None,
    issuer: Annotated[str | None, typer.Option(help="Sigstore OIDC issuer URL.")] = None,
    trusted_root: Annotated[Path | None, typer.Option(help="Sigstore trusted root JSON.")]
    = None,
    staging: StagingOpt = False,
    replay: Annotated[bool, typer.Option(
        help="Re-evaluate the stored policies on the stored snapshot and compare.")] = False,
) -> None:
    """Verify a bundle offline: signature, types, files against subjects, manifest (replay)."""
    verifier = verifier_from(key, identity, issuer, trusted_root, staging)
    report = verify_bundle(bundle, verifier, replay=replay)
    print_report(Console(), report, str(bundle))
    raise typer.Exit(EXIT_OK if report.ok else EXIT_FAILURES)


def register(app: Any) -> None:
    app.add_typer(keys_app, name="keys")
    app.add_typer(bundle_app, name="bundle")
    app.command("verify")(verify_command)

