"""govkit: audit governed PHI access by outsourced support teams, as policy-as-code."""

__version__ = "0.1.0"
