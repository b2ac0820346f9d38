"""Terraform and OpenTofu plans (``terraform show -json``) as a source: the reader, and the
normalisers that turn planned resources into the inventory the scan would build."""
