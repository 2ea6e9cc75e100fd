"""Operators: thin wrappers (poll, read settings, call the service, report)."""
from .generate import CLASSES as _GENERATE
from .hamnosys import CLASSES as _HAMNOSYS

CLASSES = _GENERATE + _HAMNOSYS
