"""Signed evidence bundles: an in-toto statement over every file of a run, in a DSSE envelope,
written as a Sigstore bundle; verified offline by auditors, and replayable."""
