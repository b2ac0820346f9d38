"""What a configuration value looks like, told without keeping it: Lambda environment
variables are answered in plain text by ListFunctions, so the collector replaces each value
with a marker naming its shape before the answer is recorded, and the evidence never holds a
credential.

Shapes:

- ``private-key``: a PEM private key (``-----BEGIN ... PRIVATE KEY-----``);
- ``aws-access-key-id``: an AWS access key id (``AKIA`` or ``ASIA`` and 16 more characters)
  anywhere in the value;
- ``kms-ciphertext``: a base64 KMS ciphertext blob (``AQICAH...``), as Lambda's console
  encryption helpers leave it; only a caller allowed to decrypt with the key can read it;
- ``reference``: a Secrets Manager or Parameter Store ARN (``arn:aws:secretsmanager:...``,
  ``arn:aws:ssm:...``), which names where a secret is kept rather than holding it (any other
  ARN is ``text``);
- ``empty``: no value;
- ``text``: anything else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PRIVATE_KEY, ACCESS_KEY_ID, KMS_CIPHERTEXT = "private-key", "aws-access-key-id", "kms-ciphertext"
REFERENCE, EMPTY, TEXT = "reference", "empty", "text"
SHAPES = (PRIVATE_KEY, ACCESS_KEY_ID, KMS_CIPHERTEXT, REFERENCE, EMPTY, TEXT)

_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
_ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
_KMS_CIPHERTEXT = re.compile(r"AQICAH[A-Za-z0-9+/]{40,}={0,2}")
_REFERENCE = re.compile(r"arn:aws[a-z-]*:(secretsmanager|ssm):")
_MARKER = re.compile(r"<redacted by govkit: (" + "|".join(re.escape(s) for s in SHAPES) + r")>")

# Words in a variable's name that say it holds a credential (names are compared upper-cased,
# with "-" read as "_").
SECRET_WORDS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY",
                "ACCESS_KEY", "CREDENTIAL")


def shape_of(value: str) -> str:
    """The shape of a value, or the shape a redaction marker records."""
    marked = _MARKER.fullmatch(value)
    if marked is not None:
        return marked.group(1)
    text = value.strip()
    if _PRIVATE_KEY.search(text):
        return PRIVATE_KEY
    if _ACCESS_KEY_ID.search(text):
        return ACCESS_KEY_ID
    if _KMS_CIPHERTEXT.fullmatch(text):
        return KMS_CIPHERTEXT
    if _REFERENCE.match(text):
        return REFERENCE
    return EMPTY if not text else TEXT


def marker(value: str) -> str:
    """What is recorded in place of ``value``: its shape, never the value."""
    return f"<redacted by govkit: {shape_of(value)}>"


def secret_word(name: str) -> str | None:
    """The first word of ``SECRET_WORDS`` a variable's name contains, if any."""
    upper = name.upper().replace("-", "_")
    return next((word for word in SECRET_WORDS if word in upper), None)


def redact_variables(variables: Mapping[str, object] | None) -> dict[str, str] | None:
    """Every value replaced by its marker."""
    if variables is None:
        return None
    return {str(name): marker(str(value)) for name, value in variables.items()}
