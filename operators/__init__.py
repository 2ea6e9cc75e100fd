"""Operators: thin wrappers (poll, read settings, call the service, report)."""
from .generate import CLASSES  # noqa: F401
