"""Operators: thin wrappers (poll, read settings, call the service, report)."""
from .generate import CLASSES as _GENERATE
from .research import CLASSES as _RESEARCH

CLASSES = _GENERATE + _RESEARCH
