"""Gating changes before they are applied: a Terraform or OpenTofu plan (read and normalised by
govkit.sources.terraform) judged with the scan's rules, and reported where the code is."""
