"""AWS: collection (sessions, recorded calls, one collector per service in services/) and
normalisation (normalize/), each AWS service behind both."""
