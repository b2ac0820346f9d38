"""DSSE envelopes (https://github.com/secure-systems-lab/dsse) and their pre-authentication
encoding, which is what a signature covers."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from govkit.bundle.errors import BundleError

IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSEv1 PAE: "DSSEv1" SP len(type) SP type SP len(body) SP body (lengths in ASCII)."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


@dataclass(frozen=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[tuple[str, bytes], ...]  # (keyid, signature)

    def to_json(self) -> dict[str, Any]:
        return {"payload": base64.b64encode(self.payload).decode("ascii"),
                "payloadType": self.payload_type,
                "signatures": [{"keyid": keyid, "sig": base64.b64encode(sig).decode("ascii")}
                               for keyid, sig in self.signatures]}

    @classmethod
    def from_json(cls, data: Any, source: str) -> Envelope:
        try:
            signatures = tuple((str(s.get("keyid", "")), base64.b64decode(s["sig"], validate=True))
                               for s in data["signatures"])
            payload = base64.b64decode(data["payload"], validate=True)
            payload_type = str(data["payloadType"])
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise BundleError(f"{source}: not a DSSE envelope ({exc})") from None
        if not signatures:
            raise BundleError(f"{source}: the DSSE envelope has no signature")
        return cls(payload_type, payload, signatures)
