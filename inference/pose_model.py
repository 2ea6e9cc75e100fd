"""Run a trained gloss -> pose model (ONNX, from training/pose_model) with onnxruntime; no torch.

The model takes gloss ids and the frames so far and predicts the next frame (Progressive-Transformers
layout: 50 joints x 3 + progress counter); decoding stops when the counter reaches the model's `stop`.
The frames become a JointTrack and then, through formats.fit, a canonical PoseTrack for any rig.
"""
import json
import os

import numpy as np

from .errors import DataError, SignLLMError
from .formats.fit import joints_to_track
from .formats.skels import frames_to_joints


class GlossToPose:
    def __init__(self, model_path, meta_path=None):
        try:
            import onnxruntime as ort
        except ImportError:
            raise DataError("Running the pose model needs onnxruntime (pip install onnxruntime).") from None
        meta_path = meta_path or os.path.splitext(model_path)[0] + ".json"
        for p in (model_path, meta_path):
            if not os.path.isfile(p):
                raise DataError(f"Pose model file missing: {p}")
        try:
            with open(meta_path, encoding="utf-8") as f:
                self.meta = json.load(f)
            self.vocab = list(self.meta["vocab"])
            self.start = np.asarray(self.meta["start_frame"], np.float32)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DataError(f"Pose model metadata {meta_path} is unreadable ({type(exc).__name__}).") from None
        if self.start.shape != (151,):
            raise DataError(f"Pose model metadata: start_frame has shape {self.start.shape}, expected (151,).")
        self.tok = {g: i + 1 for i, g in enumerate(self.vocab)}
        self.fps = float(self.meta.get("fps", 12.5))
        self.scale = float(self.meta.get("scale", 3.0))
        self.stop = float(self.meta.get("stop", 0.98))
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(model_path, opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own types for bad graphs
            raise DataError(f"Pose model {os.path.basename(model_path)} cannot be loaded "
                            f"({type(exc).__name__}): corrupt or incompatible file.") from None

    def ids(self, glosses):
        unknown = [g for g in glosses if g not in self.tok]
        if unknown:
            raise SignLLMError(f"The pose model does not know: {', '.join(dict.fromkeys(unknown))}.")
        if not glosses:
            raise SignLLMError("No glosses to sign.")
        return np.array([[self.tok[g] for g in glosses]], np.int64)

    def frames(self, glosses, max_frames=200):
        """(T, 151) predicted frames; T is chosen by the model's counter (at most max_frames)."""
        src = self.ids(list(glosses))
        inp = self.start[None, None].copy()
        out = []
        for _ in range(int(max_frames)):
            nxt = self.session.run(None, {"gloss_ids": src, "frames": inp})[0][:, -1:]
            out.append(nxt[0, 0])
            if nxt[0, 0, 150] >= self.stop:
                break
            inp = np.concatenate([inp, nxt.astype(np.float32)], axis=1)
        return np.stack(out)

    def joint_track(self, glosses, max_frames=200):
        f = self.frames(glosses, max_frames)
        return frames_to_joints(f, self.fps, self.scale, name=" ".join(glosses), trim_counter=False)

    def pose_track(self, glosses, body=None, max_frames=200):
        """A canonical PoseTrack (on `body`) for the glosses; returns (track, fit report)."""
        return joints_to_track(self.joint_track(glosses, max_frames), body, name=" ".join(glosses))


__all__ = ["GlossToPose"]
