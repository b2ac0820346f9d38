"""Gating changes before they are applied: readers for Terraform and OpenTofu plans."""
