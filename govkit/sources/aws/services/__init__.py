"""One collector module per AWS service; each exposes ``collect(scope) -> tasks``."""
