"""``govkit merge``: the shard runs of one scan, merged into one run and evaluated once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govkit.cli_bundle import (KmsOpt, PassEnvOpt, SignKeyOpt, SigstoreOpt, StagingOpt,
                               make_signer)
from govkit.cli_common import FailOnOpt
from govkit.cli_common import fail_on as fail_on_threshold


def register(app: typer.Typer) -> None:
    app.command("merge")(merge_command)


def merge_command(
    shards: Annotated[list[Path], typer.Argument(
        metavar="SHARD_RUN...", help="Every shard run of one scan: run directories or bundle "
                                     "archives.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Where the merged run goes.")]
    = Path("govkit-runs"),
    verify_key: Annotated[Path | None, typer.Option(
        exists=True, dir_okay=False, help="Verify every shard with this public key first "
                                          "(for signed shard runs or archives).")] = None,
    output: Annotated[str, typer.Option("--format", help="table or json (results on stdout).")]
    = "table",
    fail_on: FailOnOpt = "low",
    sign_key: SignKeyOpt = None,
    passphrase_env: PassEnvOpt = None,
    kms_key_id: KmsOpt = None,
    sigstore: SigstoreOpt = False,
    staging: StagingOpt = False,
) -> None:
    """Check that the shard runs are the complete set of one scan, merge their records,
    evaluate once over the whole inventory, write (and sign) one run."""
    from govkit.cli import _check_format, _report
    from govkit.merge import merge
    _check_format(output)
    fail_on_threshold(fail_on)
    signer = make_signer(key=sign_key, passphrase_env=passphrase_env, kms_key_id=kms_key_id,
                         sigstore=sigstore, staging=staging)
    run = merge(shards, out_dir, verify_key=verify_key, signer=signer)
    raise typer.Exit(_report(run, output, fail_on))
