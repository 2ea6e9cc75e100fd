#!/usr/bin/env python3
"""Project commands. Creates its own environment (.venv, pinned requirements.txt) on first use.

    python3 build.py demo "Hello, what is your name?"   # scene + signing + .blend + contact sheet in out/
    python3 build.py test                               # the whole test suite (what CI runs)
    python3 build.py extension                          # dist/signllm_blender-<version>.zip, validated
    python3 build.py validate                           # check every data file (lexicon, handshapes, ...)
    python3 build.py batch IN.blend subs.srt -o OUT.blend [--render DIR] [--export OUT.fbx]
"""
import argparse
import hashlib
import importlib.util
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(ROOT, ".venv")
REQ = os.path.join(ROOT, "requirements.txt")
PY = os.path.join(VENV, "bin", "python")
RUNTIME_WHEELS = ["simplemma==2.0.0", "pysubs2==1.8.1"]  # what Blender does not ship (never numpy)
RUNTIME_SDISTS = []  # pure Python, published without a wheel: built into one here
OPTIONAL_WHEELS = ["onnxruntime==1.32.0"]  # neural glosser; without it the add-on falls back to rules
# Blender platform -> pip platform tag (Blender 5 bundles Python 3.11)
BLENDER_PLATFORMS = {"linux-x64": "manylinux_2_28_x86_64", "windows-x64": "win_amd64",
                     "macos-arm64": "macosx_14_0_arm64"}


def _in_venv():
    return os.path.realpath(sys.prefix) == os.path.realpath(VENV)


def ensure_env():
    """Create/refresh .venv from requirements.txt, then re-run this command inside it."""
    if _in_venv():
        return
    stamp = os.path.join(VENV, ".requirements.sha1")
    want = hashlib.sha1(open(REQ, "rb").read()).hexdigest()
    have = open(stamp).read().strip() if os.path.exists(stamp) else None
    if have != want:
        if not os.path.exists(PY):
            print("Creating the environment in .venv (first run: bpy is ~350 MB) ...", flush=True)
            subprocess.check_call([sys.executable, "-m", "venv", VENV])
        subprocess.check_call([PY, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", REQ])
        with open(stamp, "w") as fh:
            fh.write(want)
    os.execv(PY, [PY, os.path.abspath(__file__)] + sys.argv[1:])


def import_package():
    """Import the repository (an extension package) as `signllm`, as the tests do."""
    if "signllm" in sys.modules:
        return sys.modules["signllm"]
    spec = importlib.util.spec_from_file_location("signllm", os.path.join(ROOT, "__init__.py"),
                                                  submodule_search_locations=[ROOT])
    mod = importlib.util.module_from_spec(spec)
    sys.modules["signllm"] = mod
    spec.loader.exec_module(mod)
    return mod


def cmd_demo(args):
    import_package()
    import bpy
    from signllm.inference import SignLLMError
    from signllm.signllm_blender import contact_sheet, demo_scene, service

    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    rig = demo_scene.build(resolution=args.resolution)
    scene = bpy.context.scene
    scene.render.fps = args.fps
    try:
        res = service.generate(rig, scene, text=args.text,
                               options=service.Options(language=args.language, speed=args.speed))
    except SignLLMError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    blend = os.path.join(out, "signing.blend")
    bpy.ops.wm.save_as_mainfile(filepath=blend)
    sheet = os.path.join(out, "contact_sheet.png")
    frames = contact_sheet.contact_sheet(scene, sheet, count=args.frames, columns=4)
    print(f"text:   {args.text}")
    print(f"gloss:  {res.gloss_text}")
    print(f"rig:    {res.profile}; {res.track.n_frames} frames at {args.fps} fps; {res.plan.n_keys} keys")
    print("error budget (max, mm): " + ", ".join(f"{k} {v * 1000:.1f}" for k, v in res.plan.max_error.items()))
    for w in res.warnings:
        print(f"warning: {w}")
    review = [it.gloss for it in res.items if it.review]
    if review:
        print("check:  " + " ".join(dict.fromkeys(review)) + " (fingerspelled or marked for review)")
    print(f"frames shown: {frames}")
    print(f"saved:  {blend}\nsheet:  {sheet}")
    return 0


def cmd_gallery(args):
    """One contact sheet per sentence (the middle of each sign), for the docs: docs/gallery/."""
    import_package()
    from signllm.inference import SignLLMError
    from signllm.signllm_blender import contact_sheet, demo_scene, service
    folder = os.path.join(ROOT, "docs", "gallery")
    with open(os.path.join(folder, "sentences.txt"), encoding="utf-8") as fh:
        sentences = [ln.strip() for ln in fh if ln.strip() and not ln.startswith("#")]
    import bpy
    rig = demo_scene.build(resolution=args.resolution)
    scene = bpy.context.scene
    lines = ["Contact sheets made by `python3 build.py gallery` (one tile per sign, at its middle frame).", ""]
    for i, text in enumerate(sentences, 1):
        try:
            res = service.generate(rig, scene, text=text)
        except SignLLMError as exc:
            lines.append(f"- {text}: not signed ({exc})")
            continue
        name = f"{i:02d}.png"
        signs = [s for s in res.track.segments if s.kind != "pause"]
        shown = contact_sheet.contact_sheet(scene, os.path.join(folder, name), count=8, columns=4,
                                            segments=signs, offset=scene.frame_start)
        tiles = [s.gloss for s in signs if scene.frame_start + (s.start + s.end) // 2 in shown]
        lines += [f"### {i}. {text}", "", f"Gloss: `{res.gloss_text}`", "",
                  f"Tiles, left to right: {' | '.join(tiles)}", "", f"![{text}]({name})", ""]
        print(f"{name}: {text} -> {res.gloss_text}", flush=True)
    with open(os.path.join(folder, "README.md"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
    return 0


def cmd_batch(args):
    import_package()
    from signllm.signllm_blender import batch
    return batch.main(args.batch_args)


def cmd_test(args):
    import pytest
    return pytest.main(["-q", "-p", "no:cacheprovider", os.path.join(ROOT, "tests")] + args.pytest_args)


def blender_ext_tool():
    """Blender's own extension tool, shipped inside the bpy package (no Blender binary needed)."""
    import glob
    import site
    roots = site.getsitepackages() + [site.getusersitepackages()] + sys.path
    for root in roots:
        hits = glob.glob(os.path.join(root, "bpy", "*", "scripts", "addons_core", "bl_pkg", "cli", "blender_ext.py"))
        if hits:
            return hits[0]
    raise SystemExit("Blender's extension tool (bl_pkg/cli/blender_ext.py) not found in the bpy package")


def _download(reqs, dest, platform=None):
    """pip download binary wheels into dest; returns the new file names (raises CalledProcessError)."""
    before = set(os.listdir(dest))
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
           "--only-binary=:all:", "-d", dest]
    if platform:
        cmd += ["--platform", platform, "--python-version", "3.11"]
    subprocess.check_call(cmd + reqs)
    return sorted(set(os.listdir(dest)) - before)


def _wheel_files(dest, reqs):
    """The wheel files in dest for 'name==version' requirements."""
    out = []
    for req in reqs:
        name, ver = req.split("==")
        stem = f"{name.replace('-', '_').lower()}-{ver}-"
        out += [os.path.join(dest, f) for f in sorted(os.listdir(dest)) if f.lower().startswith(stem)
                and f.endswith(".whl")]
    return out


def _staged_source(wheel_files, platforms):
    """A temporary copy of the source whose manifest lists exactly the wheels fetched for this build."""
    import re
    import shutil
    import tempfile
    stage = os.path.join(tempfile.mkdtemp(prefix="signllm_ext_"), "src")
    shutil.copytree(ROOT, stage, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".trainvenv", ".devdata", "dist", "out", "wheels", "__pycache__", ".pytest_cache",
        ".hypothesis", "*.zip"))
    os.makedirs(os.path.join(stage, "wheels"))
    for path in wheel_files:
        shutil.copy2(path, os.path.join(stage, "wheels"))
    man = os.path.join(stage, "blender_manifest.toml")
    text = open(man, encoding="utf-8").read()
    listed = "wheels = [\n" + "".join(f'  "./wheels/{os.path.basename(w)}",\n' for w in wheel_files) + "]"
    text = re.sub(r"wheels = \[[^\]]*\]", lambda m: listed, text, count=1)
    if platforms:
        text = text.replace("\nwheels = [", "\nplatforms = [" + ", ".join(f'"{p}"' for p in platforms) + "]\n"
                            "wheels = [", 1)
    open(man, "w", encoding="utf-8").write(text)
    return stage


def cmd_extension(args):
    wheels = os.path.join(ROOT, "wheels")
    os.makedirs(wheels, exist_ok=True)
    _download(RUNTIME_WHEELS, wheels)
    if RUNTIME_SDISTS:
        subprocess.check_call([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check",
                               "--no-deps", "-w", wheels] + RUNTIME_SDISTS)
    fetched = _wheel_files(wheels, RUNTIME_WHEELS + RUNTIME_SDISTS)
    platforms = list(BLENDER_PLATFORMS) if args.all_platforms else []
    for req in OPTIONAL_WHEELS:
        name = req.split("==")[0]
        for plat in (platforms or [None]):
            tmp = os.path.join(wheels, "_" + (plat or "here"))
            os.makedirs(tmp, exist_ok=True)
            try:
                got = _download([req], tmp, BLENDER_PLATFORMS.get(plat))
                got = got or [f for f in os.listdir(tmp) if f.startswith(name + "-")]
                fetched += [os.path.join(tmp, f) for f in got]
            except subprocess.CalledProcessError:
                print(f"warning: could not fetch the {req} wheel for {plat or 'this platform'} (offline?): the "
                      "extension is built without it and its neural glosser falls back to rules.", flush=True)
    dist = os.path.abspath(args.out)
    os.makedirs(dist, exist_ok=True)
    tool = blender_ext_tool()
    stage = _staged_source(fetched, platforms)
    build = [sys.executable, tool, "build", "--source-dir", stage, "--output-dir", dist]
    try:
        subprocess.check_call(build + (["--split-platforms"] if platforms else []))
    finally:
        import shutil
        shutil.rmtree(os.path.dirname(stage), ignore_errors=True)
    zips = sorted((os.path.join(dist, f) for f in os.listdir(dist) if f.endswith(".zip")), key=os.path.getmtime)
    for z in (zips[-len(platforms):] if platforms else zips[-1:]):
        subprocess.check_call([sys.executable, tool, "validate", z])
        print(z)
    return 0


def cmd_validate(args):
    import_package()
    from signllm.inference import validate
    return validate.main()


def cmd_bench(args):
    import_package()
    sys.path.insert(0, ROOT)
    from bench import run
    run.main(quick=args.quick)
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("demo", help="build a scene, sign the text, save .blend and a contact sheet")
    d.add_argument("text", nargs="?", default="Hello, what is your name?")
    d.add_argument("--out", default=os.path.join(ROOT, "out"))
    d.add_argument("--language", default="ASL")
    d.add_argument("--speed", type=float, default=1.0)
    d.add_argument("--fps", type=int, default=24)
    d.add_argument("--frames", type=int, default=12, help="frames on the contact sheet")
    d.add_argument("--resolution", type=int, default=360)
    t = sub.add_parser("test", help="run the whole test suite")
    t.add_argument("pytest_args", nargs=argparse.REMAINDER)
    e = sub.add_parser("extension", help="build and validate the installable zip")
    e.add_argument("--out", default=os.path.join(ROOT, "dist"))
    e.add_argument("--all-platforms", action="store_true",
                   help=f"one zip per Blender platform ({', '.join(BLENDER_PLATFORMS)}) with its onnxruntime wheel")
    sub.add_parser("validate", help="check every data file")
    gl = sub.add_parser("gallery", help="render a contact sheet per sentence of docs/gallery/sentences.txt")
    gl.add_argument("--resolution", type=int, default=300)
    b = sub.add_parser("bench", help="benchmarks side by side; writes bench/RESULTS.md")
    b.add_argument("--quick", action="store_true", help="small sizes only (1 and 30 words)")
    ba = sub.add_parser("batch", help="headless: IN.blend + subtitles/text -> OUT.blend (+ render, exports)",
                        add_help=False)
    ba.add_argument("batch_args", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    ensure_env()
    return {"demo": cmd_demo, "test": cmd_test, "extension": cmd_extension, "validate": cmd_validate,
            "bench": cmd_bench, "gallery": cmd_gallery, "batch": cmd_batch}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
