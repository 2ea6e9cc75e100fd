"""Generator = neural pose model on a real rig: keys land like lexicon signing; bad models get a message."""
import numpy as np
import pytest


def test_neural_generator_keys_the_rig_and_hands_follow_its_targets(bpy_mod, rigify_scene):
    from signllm.signllm_blender import service
    from signllm.signllm_blender.measure import hand_errors
    scene, _, rig = rigify_scene
    res = service.generate(rig, scene, gloss="HELLO TOMORROW SEE STORE", options=service.Options(generator="neural"))
    assert res.track.n_frames > 10 and res.plan.n_keys > 0
    pos, ang = hand_errors(scene, rig, res.plan.targets, res.track.n_frames, "DEF-hand.{}",
                           frames=range(0, res.track.n_frames, 3))
    assert pos.max() < 0.01 and ang.max() < 15.0
    travel = np.linalg.norm(np.diff(res.plan.targets["R"]["wrist"], axis=0), axis=-1).sum()
    assert travel > 0.05, "the model's motion reaches the rig"


@pytest.mark.parametrize("content", [None, b"not an onnx graph"])
def test_missing_or_broken_pose_model_is_a_clear_message(bpy_mod, rigify_scene, tmp_path, content):
    from signllm.signllm_blender import service
    scene, _, rig = rigify_scene
    path = tmp_path / "model.onnx"
    if content is not None:
        path.write_bytes(content)
        (tmp_path / "model.json").write_text("{}")
    n = len(bpy_mod.data.actions)
    with pytest.raises(service.SignLLMError, match="pose model"):
        service.generate(rig, scene, text="Hello", options=service.Options(generator="neural",
                                                                           pose_model=str(path)))
    assert len(bpy_mod.data.actions) == n
