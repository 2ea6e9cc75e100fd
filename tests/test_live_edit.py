"""Live editing: one edited sign is re-keyed in its neighbourhood only, and the result matches a full
regeneration of the same edit; the pure splice matches a full synthesis."""
import copy

import numpy as np
import pytest

TEXT = ("Hello, my name is Anna. My family lives near the city. Yesterday my mother and father came "
        "home late.")


def test_spliced_track_matches_a_full_synthesis():
    from signllm import inference
    from signllm.inference import BodyModel
    from signllm.inference.synthesis import Synthesizer
    from signllm.studio import live, timing
    from signllm.studio.options import Options
    body = BodyModel.default()
    settings = Options().settings(24.0)
    lang = inference.load_language("ASL")
    items = inference.text_to_gloss(TEXT)

    def full(its):
        return timing.ease_to_rest(inference.gloss_to_track(its, "ASL", body, settings), 5)

    synth = live.memoise_signs(Synthesizer(lang.phonology, lang.lexicon, lang.alphabet, body, settings))
    state = live.LiveState(items, full(items), None, synth, None, None, 0.003, 0.002, 5)
    for k, gloss in ((12, "FATHER"), (0, "THANK-YOU"), (len(items) - 1, "NAME"), (5, "/")):
        new = [copy.copy(i) for i in state.items]
        new[k] = inference.parse_gloss(gloss)[0]
        track, A, B, E = live.splice_track(state, new)
        ref = full(new)
        assert track.n_frames == ref.n_frames
        assert [(s.gloss, s.start, s.end) for s in track.segments] == [(s.gloss, s.start, s.end) for s in ref.segments]
        assert np.abs(track.wrist - ref.wrist).max() < 5e-4, (k, gloss)    # half a millimetre
        assert np.abs(track.brows - ref.brows).max() < 1e-6
        assert B - A < 0.5 * track.n_frames, "only the neighbourhood is re-synthesised"
        state.items, state.track = new, track


def _points(scene, rig):
    """(frames, bones, 3): wrists and fingertips in armature space on every frame of the signing."""
    names = [pb.name for pb in rig.pose.bones if pb.name.startswith("DEF-") and (
        pb.name.startswith("DEF-hand.") or pb.name[4:].split(".")[1:2] == ["03"])]
    out = []
    for f in range(scene.frame_start, scene.frame_end + 1):
        scene.frame_set(f)
        out.append([tuple(rig.pose.bones[n].tail) for n in names])
    return np.array(out)


@pytest.mark.blender
def test_live_edit_rekeys_in_place_like_a_full_regeneration(bpy_mod, addon, rigify_scene):
    from test_studio_blender import _keys

    from signllm.signllm_blender import service, signs, studio
    bpy = bpy_mod
    scene, _, rig = rigify_scene
    service.generate(rig, scene, text=TEXT)
    action = rig.animation_data.action
    rows = scene.signllm_signs
    i = [r.gloss for r in rows].index("MOTHER")
    rows[i].gloss = "FRIEND"               # (Live is off here: the edit is applied by the call below)
    rows[i - 2].speed = 1.5
    assert signs.live_update(scene, rig).endswith("neighbourhood")
    assert rig.animation_data.action == action, "re-keyed in place"
    assert [r.gloss for r in scene.signllm_signs][i] == "FRIEND"
    live = _keys(rig)
    live_pts = _points(scene, rig)
    n_live = scene.signllm_signs[-1].start
    studio._CACHE.clear()
    studio.regenerate(rig, scene)
    full = _keys(rig)
    assert scene.signllm_signs[-1].start == n_live
    assert live.keys() == full.keys()
    assert all(len(live[k]) == len(full[k]) for k in full)
    # the same hands and fingertips, frame by frame, within the two key-reduction budgets (3 + 3 mm)
    err = np.linalg.norm(live_pts - _points(scene, rig), axis=-1)
    f, b = np.unravel_index(err.argmax(), err.shape)
    bad_frames = sorted(set((np.nonzero(err > 0.003)[0] + scene.frame_start).tolist()))
    assert err.max() < 0.006, (err.max(), f + scene.frame_start, b, bad_frames, err.max(axis=0).round(4).tolist(),
                               [(r.gloss, r.start) for r in scene.signllm_signs][8:])
    # an unknown gloss while typing is a status line, not an error
    scene.signllm_signs[i].gloss = "NOSUCHSIGN"
    assert "No sign for NOSUCHSIGN" in signs.live_update(scene, rig)
    bpy.ops.ed.undo_push(message="x")
