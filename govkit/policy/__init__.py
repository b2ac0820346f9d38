"""Policies as code: YAML rules over JMESPath keys, evaluated purely over the inventory."""
