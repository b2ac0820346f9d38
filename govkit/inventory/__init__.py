"""Snapshot → inventory: pure functions, no I/O beyond reading the snapshot."""
