"""Connectors: one module per vendor, plus the shared contract (`base`) and `registry`."""
