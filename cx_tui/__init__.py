"""cx-tui: caller context for support agents."""

__version__ = "0.1.0"
