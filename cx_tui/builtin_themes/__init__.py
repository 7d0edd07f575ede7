"""Shipped colour themes (`*.toml`), installed as the package `cx_tui.builtin_themes`.

This folder is mapped to that package in `pyproject.toml` so the themes ship inside the wheel
and are read with `importlib.resources`. This file makes it a regular package: setuptools'
editable installs cannot find a namespace package mapped to a folder outside `cx_tui/`.
"""
