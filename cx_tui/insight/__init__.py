"""Insight across tickets and sources: themes, steps already tried across a theme, the owners
to loop in, trouble spots, and the mask for a shared screen.

Headless and deterministic (no network model, no Textual): each module is a pure function of the
profile, except `trouble`, which asks connectors in the background.
"""
