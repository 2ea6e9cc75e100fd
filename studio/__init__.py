"""Studio workflows without bpy: subtitle files, fitting signs into cue windows, chunked jobs, gloss edits.

Everything here is plain Python + numpy (tests run it without Blender); signllm_blender/studio_*.py
are the thin bpy adapters.
"""
