"""Operators: thin wrappers (poll, read the panel's Options, call the service, report). Every operator of
the add-on lives here; signllm_blender/ holds properties, panels and the service and never imports this."""
from .generate import CLASSES as _GENERATE
from .hamnosys import CLASSES as _HAMNOSYS
from .mapping import CLASSES as _MAPPING
from .research import CLASSES as _RESEARCH
from .studio import CLASSES as _STUDIO

CLASSES = _GENERATE + _STUDIO + _HAMNOSYS + _RESEARCH + _MAPPING
