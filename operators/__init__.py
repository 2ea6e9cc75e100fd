"""Operators: thin wrappers (poll, read the panel's Options, call the service, report). Every operator of
the add-on lives here; signllm_blender/ holds properties, panels and the service and never imports this."""
from .character import CLASSES as _CHARACTER
from .face import CLASSES as _FACE
from .generate import CLASSES as _GENERATE
from .hamnosys import CLASSES as _HAMNOSYS
from .lexicon_review import CLASSES as _LEXICON_REVIEW
from .mapping import CLASSES as _MAPPING
from .research import CLASSES as _RESEARCH
from .studio import CLASSES as _STUDIO

CLASSES = _GENERATE + _CHARACTER + _STUDIO + _HAMNOSYS + _RESEARCH + _LEXICON_REVIEW + _MAPPING + _FACE


def register():
    from .character import register_menu
    register_menu()


def unregister():
    from .character import unregister_menu
    unregister_menu()
