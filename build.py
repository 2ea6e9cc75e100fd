#!/usr/bin/env python3
"""Project commands. Creates its own environment (.venv, pinned requirements.txt) on first use.

    python3 build.py demo "Hello, what is your name?"   # scene + signing + .blend + contact sheet in out/
    python3 build.py test                               # the whole suite, then core tests on Blender 4.5 (CI)
    python3 build.py extension                          # dist/: one validated zip per platform (+ research)
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
RUNTIME_WHEELS = ["simplemma==2.0.0", "pysubs2==1.8.1",   # what Blender does not ship (never numpy)
                  "pose-format==0.15.0"]   # .pose import/export; its other deps (tqdm, video utils) are unused
RUNTIME_SDISTS = []  # pure Python, published without a wheel: built into one here
OPTIONAL_WHEELS = ["onnxruntime==1.32.0"]  # neural glosser/generator; without it the add-on falls back to rules
# Blender platform -> pip platform tag of the onnxruntime wheel. Blender 4.5 LTS and 5.0 both bundle Python 3.11
# (BLENDER_PYTHONS); macos-x64 is left out: onnxruntime 1.32 publishes no wheel for it.
BLENDER_PLATFORMS = {"linux-x64": "manylinux_2_28_x86_64", "windows-x64": "win_amd64",
                     "windows-arm64": "win_arm64", "macos-arm64": "macosx_14_0_arm64"}
BLENDER_PYTHONS = ("3.11",)
# Trained on PHOENIX-2014T (CC BY-NC-SA 3.0): never in the default (GPL) zip, only in the research zip
RESEARCH_ONLY = ["inference/models/glosser_encoder.onnx", "inference/models/glosser_decoder.onnx",
                 "inference/models/glosser_vocab.json", "inference/models/MODEL_CARD.md"]
RESEARCH_MANIFEST = {
    "name": "SignLLM Signing Animation (research models)",
    "tagline": "SignLLM plus the non-commercial PHOENIX-trained neural glosser",
    "license": '["SPDX:GPL-3.0-or-later", "SPDX:CC-BY-NC-SA-3.0"]',
}


VENV45 = os.path.join(ROOT, ".venv45")
REQ45 = os.path.join(ROOT, "requirements-blender45.txt")
PY45 = os.path.join(VENV45, "bin", "python")


def _in_venv():
    return os.path.realpath(sys.prefix) in (os.path.realpath(VENV), os.path.realpath(VENV45))


def _ensure_venv(venv, req, what):
    """Create or refresh a venv from its pinned requirements file (a stamp of the file's hash says when)."""
    py = os.path.join(venv, "bin", "python")
    stamp = os.path.join(venv, ".requirements.sha1")
    want = hashlib.sha1(open(req, "rb").read()).hexdigest()
    have = open(stamp).read().strip() if os.path.exists(stamp) else None
    if have != want:
        if not os.path.exists(py):
            print(f"Creating the environment in {os.path.basename(venv)} ({what}) ...", flush=True)
            base = getattr(sys, "_base_executable", sys.executable)
            subprocess.check_call([base, "-m", "venv", venv])
        subprocess.check_call([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", req])
        with open(stamp, "w") as fh:
            fh.write(want)
    return py


def ensure_env():
    """Create/refresh .venv from requirements.txt, then re-run this command inside it."""
    if _in_venv():
        return
    _ensure_venv(VENV, REQ, "first run: bpy is ~350 MB")
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
    scene.frame_end = scene.frame_start     # a new scene: its range is the signing's (signing only extends it)
    try:
        res = service.generate(rig, scene, text=args.text,
                               options=service.Options(language=args.language, speed=args.speed, fps=args.fps))
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


def render_gallery(folder, sentences, intro, resolution=240):
    """One contact sheet per sentence (a tile per sign, at its middle frame) and a README.md, in folder."""
    import_package()
    import bpy
    from signllm.inference import SignLLMError
    from signllm.signllm_blender import contact_sheet, demo_scene, service
    os.makedirs(folder, exist_ok=True)
    rig = demo_scene.build(resolution=resolution)
    scene = bpy.context.scene
    lines = [intro, ""]
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


def cmd_gallery(args):
    """One contact sheet per sentence of docs/gallery/sentences.txt, for the docs."""
    folder = os.path.join(ROOT, "docs", "gallery")
    with open(os.path.join(folder, "sentences.txt"), encoding="utf-8") as fh:
        sentences = [ln.strip() for ln in fh if ln.strip() and not ln.startswith("#")]
    return render_gallery(folder, sentences, "Contact sheets made by `python3 build.py gallery` "
                          "(one tile per sign, at its middle frame).", args.resolution)


def cmd_batch(args):
    import_package()
    from signllm.signllm_blender import batch
    return batch.main(args.batch_args)


def cmd_test(args):
    """The whole suite on bpy 5.0.1 (.venv), then the `core` Blender tests on bpy 4.5 LTS (.venv45).

    With extra pytest arguments only the first pass runs (with them); `test45` runs only the second."""
    import pytest
    code = pytest.main(["-q", "-p", "no:cacheprovider", os.path.join(ROOT, "tests")] + args.pytest_args)
    if args.pytest_args:
        return code
    code45 = cmd_test45(argparse.Namespace(pytest_args=[]))
    print(f"Blender 5.0 (full suite): {'passed' if code == 0 else f'FAILED (exit {code})'}; "
          f"Blender 4.5 LTS (core tests): {'passed' if code45 == 0 else f'FAILED (exit {code45})'}", flush=True)
    return int(code) or int(code45)


def cmd_test45(args):
    """The tests marked `core` on bpy 4.5 LTS, in its own pinned venv (requirements-blender45.txt)."""
    py = _ensure_venv(VENV45, REQ45, "Blender 4.5 LTS as a module, ~350 MB")
    print("\n=== Blender 4.5 LTS: core tests (pytest -m core, .venv45) ===", flush=True)
    # --tb=short: long tracebacks repr the test's arguments, and a bpy object freed by a file load crashes 4.5
    return subprocess.call([py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=short", "-m", "core",
                            os.path.join(ROOT, "tests")] + list(args.pytest_args), cwd=ROOT)


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


def _download(reqs, dest, platform=None, python="3.11"):
    """pip download binary wheels into dest; returns the new file names (raises CalledProcessError)."""
    before = set(os.listdir(dest))
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
           "--only-binary=:all:", "-d", dest]
    if platform:
        cmd += ["--platform", platform, "--python-version", python]
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


def _staged_source(wheel_files, platforms, research=False):
    """A temporary copy of the source whose manifest lists exactly the wheels fetched for this build.

    research=False leaves out the models trained on non-commercial data (RESEARCH_ONLY); research=True keeps
    them and names the package and its licences accordingly."""
    import re
    import shutil
    import tempfile
    stage = os.path.join(tempfile.mkdtemp(prefix="signllm_ext_"), "src")
    shutil.copytree(ROOT, stage, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".venv45", ".trainvenv", ".devdata", "dist", "out", "wheels", "__pycache__",
        ".pytest_cache", ".hypothesis", "*.zip"))
    if not research:
        for rel in RESEARCH_ONLY:
            if os.path.exists(os.path.join(stage, rel)):
                os.remove(os.path.join(stage, rel))
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
    if research:
        for key, value in RESEARCH_MANIFEST.items():
            quoted = value if value.startswith("[") else f'"{value}"'
            text = re.sub(rf"(?m)^{key} = .*$", lambda m: f"{key} = {quoted}", text, count=1)
    open(man, "w", encoding="utf-8").write(text)
    return stage


def _fetch_platform_wheels(wheels, platforms):
    """onnxruntime for each platform and Python version; a platform whose wheel cannot be had is reported."""
    fetched, missing = [], []
    for req in OPTIONAL_WHEELS:
        name = req.split("==")[0]
        for plat in platforms:
            for py in BLENDER_PYTHONS:
                tmp = os.path.join(wheels, f"_{plat}_py{py}")
                os.makedirs(tmp, exist_ok=True)
                try:
                    got = _download([req], tmp, BLENDER_PLATFORMS[plat], py)
                    got = got or [f for f in os.listdir(tmp) if f.startswith(name + "-")]
                    fetched += [os.path.join(tmp, f) for f in got]
                except subprocess.CalledProcessError:
                    missing.append(f"{req} for {plat} (Python {py})")
    return fetched, missing


def _build(tool, stage, out_dir):
    """Blender's own `build --split-platforms`: one zip per platform with only that platform's wheels."""
    import shutil
    os.makedirs(out_dir, exist_ok=True)
    try:
        subprocess.check_call([sys.executable, tool, "build", "--source-dir", stage, "--output-dir", out_dir,
                               "--split-platforms"])
    finally:
        shutil.rmtree(os.path.dirname(stage), ignore_errors=True)
    return sorted(os.path.join(out_dir, f) for f in os.listdir(out_dir) if f.endswith(".zip"))


def cmd_extension(args):
    """dist/signllm_blender-<version>-<platform>.zip per platform (GPL content only) and
    dist/signllm_blender-research-<version>-<platform>.zip (adds the PHOENIX-trained glosser and its card)."""
    import shutil
    import tempfile
    wheels = os.path.join(ROOT, "wheels")
    os.makedirs(wheels, exist_ok=True)
    _download(RUNTIME_WHEELS, wheels)
    if RUNTIME_SDISTS:
        subprocess.check_call([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check",
                               "--no-deps", "-w", wheels] + RUNTIME_SDISTS)
    pure = _wheel_files(wheels, RUNTIME_WHEELS + RUNTIME_SDISTS)
    platforms = args.platforms.split(",") if args.platforms else list(BLENDER_PLATFORMS)
    unknown = [p for p in platforms if p not in BLENDER_PLATFORMS]
    if unknown:
        raise SystemExit(f"Unknown platform(s) {', '.join(unknown)}; use {', '.join(BLENDER_PLATFORMS)}.")
    native, missing = _fetch_platform_wheels(wheels, platforms)
    if missing:   # a zip that claims a platform must carry its wheels: refuse rather than ship it half-done
        raise SystemExit("Could not fetch " + "; ".join(missing) + " (offline?). Build fewer platforms with "
                         "--platforms, e.g. --platforms linux-x64.")
    dist = os.path.abspath(args.out)
    os.makedirs(dist, exist_ok=True)
    tool = blender_ext_tool()
    made = []
    for research in (False, True):
        tmp_out = tempfile.mkdtemp(prefix="signllm_zip_")
        for z in _build(tool, _staged_source(pure + native, platforms, research), tmp_out):
            name = os.path.basename(z)
            if research:
                name = name.replace("signllm_blender-", "signllm_blender-research-", 1)
            dest = os.path.join(dist, name)
            shutil.move(z, dest)
            made.append(dest)
        shutil.rmtree(tmp_out, ignore_errors=True)
    for z in made:
        subprocess.check_call([sys.executable, tool, "validate", z])
        print(f"{z} ({os.path.getsize(z) / 1e6:.1f} MB)")
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
    t = sub.add_parser("test", help="run the whole test suite (bpy 5.0), then the core tests on bpy 4.5 LTS")
    t.add_argument("pytest_args", nargs=argparse.REMAINDER)
    t45 = sub.add_parser("test45", help="only the core Blender tests on bpy 4.5 LTS (.venv45)")
    t45.add_argument("pytest_args", nargs=argparse.REMAINDER)
    e = sub.add_parser("extension", help="build and validate the installable zip")
    e.add_argument("--out", default=os.path.join(ROOT, "dist"))
    e.add_argument("--platforms", default="",
                   help=f"comma-separated subset of {', '.join(BLENDER_PLATFORMS)} (default: all); one default "
                        "and one research zip per platform, each with that platform's onnxruntime wheel")
    sub.add_parser("validate", help="check every data file")
    gl = sub.add_parser("gallery", help="render a contact sheet per sentence of docs/gallery/sentences.txt")
    gl.add_argument("--resolution", type=int, default=300)
    b = sub.add_parser("bench", help="benchmarks side by side; writes bench/RESULTS.md")
    b.add_argument("--quick", action="store_true", help="small sizes only (1 and 30 words)")
    ba = sub.add_parser("batch", help="headless: IN.blend + subtitles/text -> OUT.blend (+ render, exports)",
                        add_help=False)
    ba.add_argument("batch_args", nargs=argparse.REMAINDER)
    args, extra = p.parse_known_args(argv)
    if extra and args.cmd in ("test", "test45"):     # `build.py test -k name`: options for pytest
        args.pytest_args = extra + list(args.pytest_args)
    elif extra:
        p.error(f"unrecognized arguments: {' '.join(extra)}")
    ensure_env()
    return {"demo": cmd_demo, "test": cmd_test, "test45": cmd_test45, "extension": cmd_extension, "validate": cmd_validate,
            "bench": cmd_bench, "gallery": cmd_gallery, "batch": cmd_batch}[args.cmd](args)


def _exit(code):
    """Exit; on bpy 4.5 skip interpreter shutdown, which hangs there after Rigify has generated a rig (the
    process never ends although all work is done and saved; 5.0 exits normally)."""
    bpy = sys.modules.get("bpy")
    if bpy is not None and bpy.app.version < (5, 0, 0):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(code or 0))
    sys.exit(code)


if __name__ == "__main__":
    _exit(main())
