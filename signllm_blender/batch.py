"""Headless batch mode: a .blend and a subtitle/text file in, a .blend with the signing out.

    python3 build.py batch IN.blend subs.srt -o OUT.blend [--render DIR] [--video OUT.mp4]
                           [--export OUT.fbx --export OUT.glb ...] [--armature NAME] [--pip]

Exit codes: 0 done (cues that could not fit are printed as warnings), 1 done but --strict and some
cue needs attention, 2 bad input (files, armature, options), 3 unexpected failure (a bug; the input
file is never modified).
"""
import argparse
import logging
import os
import sys

import bpy

from ..inference import SignLLMError
from ..inference.arguments import check_options
from ..studio import export_formats, subtitles
from ..studio.options import GENERATORS, GLOSSERS, NLA_MODES, POLICIES, Options
from . import service, studio

log = logging.getLogger(__name__)

OK, ATTENTION, BAD_INPUT, FAILED = 0, 1, 2, 3


def parser():
    p = argparse.ArgumentParser(prog="build.py batch", description=__doc__.split("\n\n")[0])
    p.add_argument("blend", help="input .blend with the character (never modified)")
    p.add_argument("source", help=".srt / .vtt subtitles (timed) or .txt text")
    p.add_argument("-o", "--out", required=True, help="output .blend")
    p.add_argument("--armature", help="armature object name (default: the active one, or the only humanoid)")
    d = Options()
    p.add_argument("--language", default=d.language)
    p.add_argument("--speed", type=float, default=d.speed)
    p.add_argument("--left-handed", action="store_true")
    p.add_argument("--letter-hold", type=float, default=d.letter_hold,
                   help="seconds each fingerspelled letter is held at speed 1")
    p.add_argument("--glosser", choices=GLOSSERS, default=d.glosser)
    p.add_argument("--generator", choices=GENERATORS, default=d.generator)
    p.add_argument("--pose-model", default=d.pose_model, help=".onnx gloss -> pose model (--generator neural)")
    p.add_argument("--nla", choices=NLA_MODES, default=d.nla, help="one action, or one NLA strip per sign")
    p.add_argument("--no-face-shape-keys", action="store_true", help="do not key brow shape keys")
    p.add_argument("--fps", type=float, help="set the scene's frame rate first (e.g. the video's)")
    p.add_argument("--encoding", help="text encoding of the source (default: UTF-8 or its BOM)")
    p.add_argument("--rate-min", type=float, default=d.rate_limits[0])
    p.add_argument("--rate-max", type=float, default=d.rate_limits[1])
    p.add_argument("--policy", choices=POLICIES, default=d.policy,
                   help="a cue that cannot fit: keep up like an interpreter (bounded lag, fluent compression, "
                        "condensation; default), sign it and delay the next (shift) or leave it out (skip)")
    p.add_argument("--lag", type=float, default=d.lag, help="seconds signing may run behind the speech")
    p.add_argument("--max-sign-rate", type=float, default=d.max_sign_rate,
                   help="signs per second a cue is never compressed beyond")
    p.add_argument("--no-condense", action="store_true", help="never leave signs out to keep up")
    p.add_argument("--tolerance-mm", type=float, default=3.0)
    p.add_argument("--export", action="append", default=[], metavar="FILE",
                   help=f"also export ({', '.join(export_formats.extensions())}); repeatable")
    p.add_argument("--render", metavar="DIR", help="render PNG frames (Workbench) into DIR")
    p.add_argument("--video", metavar="FILE", help="render an MP4 video (Workbench)")
    p.add_argument("--pip", action="store_true", help="add the picture-in-picture camera (transparent film)")
    p.add_argument("--frame-step", type=int, default=1, help="render every n-th frame (--render)")
    p.add_argument("--strict", action="store_true", help="exit 1 when a cue cannot fit in its window")
    return p


def options_from_args(args) -> Options:
    """The one Options type, from the command line (checked: a bad number is a clear error)."""
    return Options(language=args.language, speed=args.speed, left_handed=args.left_handed,
                   letter_hold=args.letter_hold, glosser=args.glosser, generator=args.generator,
                   pose_model=args.pose_model, nla=args.nla, face_shape_keys=not args.no_face_shape_keys,
                   fps=args.fps, rate_limits=(args.rate_min, args.rate_max), policy=args.policy, lag=args.lag,
                   max_sign_rate=args.max_sign_rate, condense=not args.no_condense,
                   tolerance=args.tolerance_mm / 1000.0).check()


def find_armature(name=None):
    from ..rigs import blender_io
    from ..rigs.profiles import NotHumanoid, detect
    arms = [o for o in bpy.data.objects if o.type == "ARMATURE"]
    if name:
        ob = bpy.data.objects.get(name)
        if ob is None:
            raise SignLLMError(f"No object named {name!r}; armatures here: {', '.join(o.name for o in arms) or 'none'}.")
        return ob
    active = bpy.context.view_layer.objects.active
    if active is not None and active.type == "ARMATURE":
        try:
            detect(blender_io.read_rig(active))
            return active
        except NotHumanoid:
            pass
    ok = []
    for o in arms:
        try:
            detect(blender_io.read_rig(o))
            ok.append(o)
        except NotHumanoid:
            continue
    if len(ok) == 1:
        return ok[0]
    if not ok:
        raise SignLLMError("No humanoid armature in the file" + (f" (found {', '.join(o.name for o in arms)})" if arms else "") + ".")
    raise SignLLMError(f"Several humanoid armatures ({', '.join(o.name for o in ok)}): pick one with --armature.")


def render_video(scene, path):
    scene.render.engine = "BLENDER_WORKBENCH"
    if hasattr(scene.render.image_settings, "media_type"):   # 5.0+; 4.5 picks video by file_format alone
        scene.render.image_settings.media_type = "VIDEO"
    scene.render.image_settings.file_format = "FFMPEG"
    scene.render.ffmpeg.format = "MPEG4"
    scene.render.ffmpeg.codec = "H264"
    scene.render.filepath = path
    if scene.render.film_transparent:
        scene.render.film_transparent = False  # MP4 has no alpha; PNG frames keep it
    try:
        bpy.ops.render.render(animation=True)
    except RuntimeError as exc:
        raise SignLLMError(f"Blender could not render the video: {str(exc).strip()[:200]}") from None
    return path


def run(args, out=print):
    check_options(args, ("speed", "tolerance_mm", "fps", "rate_min", "rate_max", "lag", "max_sign_rate"), cli=True)
    for path, what in ((args.blend, "input .blend"), (args.source, "subtitle/text file")):
        if not os.path.isfile(path):
            raise SignLLMError(f"The {what} {path!r} does not exist.")
    if not args.blend.lower().endswith(".blend"):
        raise SignLLMError(f"{args.blend!r} is not a .blend file.")
    if os.path.abspath(args.out) == os.path.abspath(args.blend):
        raise SignLLMError("The output must not overwrite the input .blend; pick another -o path.")
    out_dir = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(out_dir):
        raise SignLLMError(f"The output folder {out_dir!r} does not exist.")
    for e in args.export:
        if export_formats.for_path(e) is None:
            raise SignLLMError(f"Cannot export {e!r}: use {export_formats.describe()}.")
    opt = options_from_args(args)
    _, cues = subtitles.load(args.source, args.encoding)   # fail before opening Blender data
    try:
        bpy.ops.wm.open_mainfile(filepath=os.path.abspath(args.blend), load_ui=False)
    except RuntimeError as exc:
        raise SignLLMError(f"Blender cannot open {args.blend!r}: {str(exc).strip()[:200]}") from None
    scene = bpy.context.scene
    obj = find_armature(args.armature)

    def progress(done, total, label):
        out(f"[{done}/{total}] {label}")

    signed = service.sign_cues(obj, scene, cues, opt, progress=progress, label=os.path.basename(args.source))
    res = signed.job.result
    for msg in res.report:
        out(f"  {msg}")
    for msg in signed.warnings:
        if msg not in res.report:
            out(f"warning: {msg}")
    out(f"subtitles: {res.summary}")
    if args.pip:
        studio.setup_pip(scene, obj)
    bpy.ops.wm.save_as_mainfile(filepath=os.path.abspath(args.out), copy=False)
    out(f"saved {args.out}: {len(cues)} cues, {res.track.n_frames} frames, {res.plan.n_keys} keys on {obj.name}")
    for e in args.export:
        studio.export(obj, scene, os.path.abspath(e))
        out(f"exported {e}")
    if args.render:
        if scene.camera is None:
            studio.setup_pip(scene, obj)
        frames = range(scene.frame_start, scene.frame_end + 1, max(1, args.frame_step))
        paths = studio.render_frames(scene, os.path.abspath(args.render), frames)
        out(f"rendered {len(paths)} frames to {args.render}")
    if args.video:
        if scene.camera is None:
            studio.setup_pip(scene, obj)
        render_video(scene, os.path.abspath(args.video))
        out(f"rendered video {args.video}")
    return ATTENTION if (args.strict and res.problems) else OK


def main(argv=None, out=print):
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage
        return BAD_INPUT if exc.code else OK
    try:
        return run(args, out)
    except SignLLMError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return BAD_INPUT
    except Exception as exc:  # a bug: say so, with the log for a report
        log.exception("batch failed")
        print(f"error: unexpected failure ({type(exc).__name__}: {exc}); the input was not modified.",
              file=sys.stderr)
        return FAILED
