"""The one error family govkit raises; the CLI turns each into a documented exit code.

Exit codes (every command):
  0  clean
  1  failures at or above the chosen severity
  2  usage, configuration or input error
  3  evidence incomplete: at least one check could not get its data (ERROR)
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_INPUT = 2
EXIT_INCOMPLETE = 3


class GovkitError(Exception):
    """Base class: the message must tell a user what to fix."""

    exit_code = EXIT_INPUT


class InputError(GovkitError):
    """A file a user gave us is unreadable or invalid; names the file, line and field."""

    def __init__(self, path: str, message: str, *, line: int | None = None,
                 field: str | None = None) -> None:
        self.path = path
        self.line = line
        self.field = field
        where = path if line is None else f"{path}:{line}"
        what = f" (field '{field}')" if field else ""
        super().__init__(f"{where}: {message}{what}")


class UsageError(GovkitError):
    """Options that contradict each other or name something that does not exist."""


class CredentialsError(GovkitError):
    """No usable AWS credentials, or a role could not be assumed."""


class CollectionError(GovkitError):
    """An AWS call that the whole scan depends on failed (e.g. listing regions or accounts)."""

    exit_code = EXIT_INCOMPLETE
