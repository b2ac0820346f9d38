"""Loopback servers that speak the identity providers' APIs, for the demo and the tests."""
