"""The embedded demo: a moto server on loopback seeded with a hospital group's AWS estate.

`server.MotoServer` runs moto in this process, `estate.seed_estate` creates the estate through
boto3 over HTTP, `fixups.apply_backend_fixups` sets the values no AWS API can set (old access
keys, last-used times, WorkSpaces device access), and `python -m govkit.demo.serve` does all
three and keeps the server up for another process to scan.
"""
