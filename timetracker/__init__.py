"""TimeTracker: a self-hosted time tracker for small teams."""

__version__ = "0.1.0"
