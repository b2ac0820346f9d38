"""AWS collection: sessions, recorded calls, one collector per service."""
