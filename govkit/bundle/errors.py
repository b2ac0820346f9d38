"""Errors of bundle signing and verification."""

from __future__ import annotations

from govkit.errors import EXIT_FAILURES, GovkitError


class BundleError(GovkitError):
    """The bundle or archive given is unusable (malformed, unsafe): bad input, exit 2."""


class SigningError(GovkitError):
    """A signer could not sign: no key, wrong passphrase, no ambient identity (exit 2)."""


class VerificationFailure(GovkitError):
    """The bundle is well-formed but does not verify: exit 1, with what failed and where."""

    exit_code = EXIT_FAILURES
