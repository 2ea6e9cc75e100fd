"""The layer rules, read from the source (AST): bpy/mathutils only in the Blender-facing packages,
studio/ never imports the solver, signllm_blender/ never imports operators/; and ruff passes."""
import ast
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLENDER_MODULES = {"bpy", "mathutils", "bpy_extras", "bmesh", "addon_utils", "gpu", "blf"}


def _imports(path):
    """(absolute-ish module names imported, line) for a file; relative imports resolved against its package."""
    pkg = os.path.relpath(os.path.dirname(path), ROOT).replace(os.sep, ".")
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = pkg.split(".") if pkg != "." else []
                base = parts[:len(parts) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
                names = [mod] + [f"{mod}.{a.name}" for a in node.names]
            else:
                names = [node.module]
            for n in names:
                yield n, node.lineno


def _files(folder):
    for dirpath, _, files in os.walk(os.path.join(ROOT, folder)):
        for f in files:
            if f.endswith(".py"):
                yield os.path.join(dirpath, f)


def _violations(folders, forbidden, skip=()):
    bad = []
    for folder in folders:
        for path in _files(folder):
            rel = os.path.relpath(path, ROOT)
            if rel in skip:
                continue
            for name, line in _imports(path):
                if any(name == f or name.startswith(f + ".") for f in forbidden):
                    bad.append(f"{rel}:{line} imports {name}")
    return bad


def test_bpy_only_in_blender_facing_packages():
    assert _violations(["inference", "studio", "rigs"], BLENDER_MODULES, skip={os.path.join("rigs", "blender_io.py")}) == []


def test_studio_does_not_import_the_solver():
    assert _violations(["studio"], {"rigs.retarget", "rigs.solve"}) == []


def test_signllm_blender_does_not_import_operators():
    assert _violations(["signllm_blender"], {"operators"}) == []


def test_every_operator_lives_in_operators():
    bad = []
    for folder in ("signllm_blender", "inference", "studio", "rigs"):
        for path in _files(folder):
            tree = ast.parse(open(path, encoding="utf-8").read())
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and "_OT_" in node.name:
                    bad.append(f"{os.path.relpath(path, ROOT)}: {node.name}")
    assert bad == []


def test_ruff_passes():
    pytest.importorskip("ruff")
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", ROOT], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-1000:]
