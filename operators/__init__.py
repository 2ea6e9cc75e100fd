"""Operators: thin wrappers (poll, read settings, call the service, report)."""
from .character import CLASSES as _CHARACTER
from .generate import CLASSES as _GENERATE
from .hamnosys import CLASSES as _HAMNOSYS
from .lexicon_review import CLASSES as _LEXICON_REVIEW
from .research import CLASSES as _RESEARCH
from .studio import CLASSES as _STUDIO

CLASSES = _GENERATE + _CHARACTER + _STUDIO + _HAMNOSYS + _RESEARCH + _LEXICON_REVIEW
