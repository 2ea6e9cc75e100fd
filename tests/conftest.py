"""Test setup: the repository root is the extension package; import it as `signllm` (no bpy needed).

`inference` is also importable on its own (it only uses relative imports inside itself).
"""
import importlib.util
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")

if "signllm" not in sys.modules:
    spec = importlib.util.spec_from_file_location(
        "signllm", os.path.join(ROOT, "__init__.py"), submodule_search_locations=[ROOT])
    mod = importlib.util.module_from_spec(spec)
    sys.modules["signllm"] = mod
    spec.loader.exec_module(mod)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
