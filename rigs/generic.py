"""Generic humanoid detection from the hierarchy and rest positions (rigs no profile knows). No bpy.

Hands are the bones that carry three or more finger chains (or, without fingers, bones named hand/wrist);
arms, chest, hips, neck and head follow from the hierarchy between the two hands; fingers are told
apart by the palm's geometry (the thumb leaves the hand axis at the largest angle, the others are
ordered across the palm from it). Names help only to tell left from right and to pick head/neck.
"""
import re

import numpy as np

from .profiles import FINGERS

_HANDLIKE = re.compile(r"hand|wrist", re.I)
_HEAD = re.compile(r"(?<![a-z])head(?![a-z])")  # 'Head', 'J_Bip_C_Head'; not 'forehead' or 'HeadTop_End'



def _children(rig):
    ch = {n: [] for n in rig.bones}
    for n, b in rig.bones.items():
        if b.parent in ch:
            ch[b.parent].append(n)
    return ch


def _ancestors(rig, name):
    out = []
    p = rig[name].parent
    while p is not None and p in rig.bones:
        out.append(p)
        p = rig[p].parent
    return out


def _depth(ch, n):
    return 1 + max((_depth(ch, c) for c in ch[n]), default=0)


def _chain(ch, n):
    """Follow the deepest child from n: [n, child, grandchild, ...]."""
    out = [n]
    while ch[out[-1]]:
        out.append(max(ch[out[-1]], key=lambda c: _depth(ch, c)))
    return out


def _finger_chains(rig, ch, hand):
    """Chains hanging from the hand (at least 2 bones each)."""
    return [_chain(ch, c) for c in ch[hand] if _depth(ch, c) >= 2]


def _leaf_paths(ch, n):
    if not ch[n]:
        return [[n]]
    return [[n] + p for c in ch[n] for p in _leaf_paths(ch, c)]


def _digit_chains(ch, hand):
    """Every digit under the hand, each starting after the last branching bone on its path (the Rigify
    metarig hangs the thumb from the index metacarpal)."""
    out = []
    for c in ch[hand]:
        for p in _leaf_paths(ch, c):
            cut = max((i + 1 for i, n in enumerate(p[:-1]) if len(ch[n]) > 1), default=0)
            if len(p) - cut >= 2:
                out.append(p[cut:])
    return out


def _left_of_pair(a, b):
    """Which of two mirrored names is the left one, from the part where they differ (None: undecided)."""
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    j = 0
    while j < min(len(a), len(b)) - i and a[-1 - j] == b[-1 - j]:
        j += 1
    da, db = a[i:len(a) - j].lower(), b[i:len(b) - j].lower()
    if da.startswith("l") and db.startswith("r"):
        return a
    if da.startswith("r") and db.startswith("l"):
        return b
    return None


def _tip_point(rig, chain):
    """A finger chain's end from joint heads: the last segment continued (importers invent a leaf bone's tail:
    a glTF Mixamo fingertip tail is 14 hand lengths long). A one-bone chain: its tail, else its head."""
    last = rig[chain[-1]]
    if len(chain) >= 2:
        return last.head + 0.8 * (last.head - rig[chain[-2]].head)
    return last.tail if last.length > 1e-9 else last.head


def _assign_fingers(rig, chains, wrist, side, m, warn):
    if not chains:
        warn.append(f"no finger bones found on the {side} hand")
        return
    dirs = [(_tip_point(rig, c) - wrist) for c in chains]
    dirs = [d / max(np.linalg.norm(d), 1e-12) for d in dirs]
    mean = np.mean(dirs, axis=0)
    mean /= max(np.linalg.norm(mean), 1e-12)
    if len(chains) >= 5:
        ti = int(np.argmax([np.arccos(np.clip(d @ mean, -1, 1)) for d in dirs]))
        thumb = chains[ti]
        rest = [c for k, c in enumerate(chains) if k != ti]
    else:
        thumb, rest = None, list(chains)
        warn.append(f"only {len(chains)} finger chains on the {side} hand: mapped as index..pinky")
    names = {}
    if thumb is not None:
        names["thumb"] = thumb
        a = rig[thumb[0]].head - wrist
        across = a - (a @ mean) * mean
    else:
        across = np.cross(mean, np.array([0.0, 0.0, 1.0]))
    trimmed = []
    for c in rest:
        if len(c) >= 4:
            d0 = np.linalg.norm(rig[c[0]].head - wrist)
            d1 = np.linalg.norm(rig[c[1]].head - wrist)
            if d0 < 0.45 * d1:  # a metacarpal starts at the wrist; the knuckle is far out
                c = c[1:]
        trimmed.append(c)
    trimmed.sort(key=lambda c: -float((rig[c[0]].head - wrist) @ across))
    for f, c in zip(FINGERS[1:], trimmed):
        names[f] = c
    for f, c in names.items():
        for k in range(3):
            m[f"{f}.{k + 1}.{side}"] = c[k] if k < len(c) else None
        m[f"{f}.tip.{side}"] = c[3] if len(c) > 3 else None


def _thumb_dir(rig, ch, hand):
    """Unit vector from the hand axis toward the thumb (the digit leaving the axis at the largest angle)."""
    chains = _digit_chains(ch, hand)
    if len(chains) < 2:
        return None
    wrist = rig[hand].head
    dirs = [_tip_point(rig, c) - wrist for c in chains]
    dirs = [d / max(np.linalg.norm(d), 1e-12) for d in dirs]
    mean = np.mean(dirs, axis=0)
    mean /= max(np.linalg.norm(mean), 1e-12)
    t = dirs[int(np.argmax([np.arccos(np.clip(d @ mean, -1, 1)) for d in dirs]))]
    off = t - (t @ mean) * mean
    return off / max(np.linalg.norm(off), 1e-12)


def _left_by_thumbs(rig, ch, a, b):
    """Which hand is the left one without side names: at rest both thumbs point forward (palms down, in,
    or forward), so forward = the thumbs' mean direction and left = up x forward. Else the +X hand."""
    ta, tb = _thumb_dir(rig, ch, a), _thumb_dir(rig, ch, b)
    common = [n for n in _ancestors(rig, a) if n in _ancestors(rig, b)]
    if ta is not None and tb is not None and len(common) >= 2:
        up = rig[common[0]].head - rig[common[-1]].head
        across = rig[a].head - rig[b].head
        fwd = ta + tb
        fwd = fwd - (fwd @ up) * up / max(up @ up, 1e-12)
        if np.linalg.norm(fwd) > 0.3 and np.linalg.norm(up) > 1e-9:
            return a if np.cross(up, fwd) @ across > 0 else b
    return a if rig[a].head[0] > rig[b].head[0] else b


def guess_mapping(rig):
    """(mapping role -> bone, reason): mapping is None (with the reason) when no humanoid is found."""
    ch = _children(rig)
    cands = [n for n in rig.bones if len(_finger_chains(rig, ch, n)) >= 3]
    if len(cands) < 2:
        cands = [n for n in rig.bones if _HANDLIKE.search(n)]
    best = None
    for i, a in enumerate(cands):
        for b in cands[i + 1:]:
            if len(_ancestors(rig, a)) != len(_ancestors(rig, b)):
                continue
            d = float(np.linalg.norm(rig[a].head - rig[b].head))
            if best is None or d > best[0]:
                best = (d, a, b)
    if best is None:
        return None, "no pair of hands found"
    _, a, b = best
    left = _left_of_pair(a, b)
    if left is None:
        left = _left_by_thumbs(rig, ch, a, b)
    hands = {"L": left, "R": b if left == a else a}
    m = {}
    warn = []
    anc = {side: _ancestors(rig, h) for side, h in hands.items()}
    common = [n for n in anc["L"] if n in anc["R"]]
    if not common:
        return None, "the two arms share no spine"
    arms = {}
    for side, hand in hands.items():
        wrist = rig[hand].head
        chain = anc[side][: anc[side].index(common[0])]  # hand's parent .. the bone on the chest
        if len(chain) < 2:
            return None, f"no upper arm and forearm above the {side} hand"
        # the top bone is a clavicle if the arm below it has its elbow where an elbow belongs
        hyps = [(None, chain)] + ([(chain[-1], chain[:-1])] if len(chain) >= 3 else [])
        best_h = None
        for shoulder_c, arm in hyps:
            ua_c = arm[-1]
            elbow = rig[ua_c].head + 0.53 * (wrist - rig[ua_c].head)
            span = np.linalg.norm(wrist - rig[ua_c].head) + 1e-12
            fa_c = min(arm[:-1], key=lambda n: float(np.linalg.norm(rig[n].head - elbow)))
            score = np.linalg.norm(rig[fa_c].head - elbow) / span
            if best_h is None or score < best_h[0] - 1e-3:
                best_h = (score, shoulder_c, ua_c, fa_c)
        _, shoulder, ua, fa = best_h
        m[f"upper_arm.{side}"], m[f"forearm.{side}"], m[f"hand.{side}"] = ua, fa, hand
        m[f"shoulder.{side}"] = shoulder
        arms[side] = anc[side][anc[side].index(ua):]
        _assign_fingers(rig, _digit_chains(ch, hand), wrist, side, m, warn)
    chest = common[0]
    spine_up = [chest] + _ancestors(rig, chest)
    hips = next((n for n in spine_up[1:] if len(ch[n]) >= 3), spine_up[-1])
    m["chest"], m["hips"] = chest, hips
    path = spine_up[: spine_up.index(hips)] if hips in spine_up else []
    m["spine"] = path[-1] if path else None
    arm_roots = {arms["L"][-1 - len(common)] if len(arms["L"]) > len(common) else None,
                 arms["R"][-1 - len(common)] if len(arms["R"]) > len(common) else None}
    up = rig[chest].head - rig[hips].head
    up = up / max(np.linalg.norm(up), 1e-12)
    necks = [c for c in ch[chest] if c not in arm_roots]
    if not necks:
        return None, "nothing above the chest for a neck and head"
    neck = max(necks, key=lambda c: float(max(rig[n].head @ up for n in _chain(ch, c))))
    chain = _chain(ch, neck)
    named = [n for n in chain if _HEAD.search(n.lower())]
    if named:
        head = named[0]
    else:  # the skull starts about a fifth of the way from the neck's base to the top of the head
        h0 = rig[neck].head @ up
        top = max(max(rig[n].head @ up, rig[n].tail @ up) for n in chain)
        head = next((n for n in chain if rig[n].head @ up - h0 >= 0.22 * (top - h0)), chain[-1])
    m["neck"] = neck if neck != head else None
    m["head"] = head
    i = chain.index(head)
    m["head_top"] = chain[i + 1] if i + 1 < len(chain) and not ch[chain[i + 1]] else None
    why = _implausible(rig, m, up)
    if why:
        return None, why
    m["_warnings"] = warn
    return m, ""


def _implausible(rig, m, up):
    """A reason the found skeleton is not a humanoid (or ''): head above the shoulders, arms of human
    proportions, hands symmetric about the spine."""
    P = {r: rig[b].head for r, b in m.items() if isinstance(b, str) and b in rig.bones}
    across = P["upper_arm.L"] - P["upper_arm.R"]
    W = max(np.linalg.norm(across), 1e-12)
    if np.linalg.norm(P["chest"] - P["hips"]) < 0.1 * W:
        return "no spine between the hips and the arms"
    if P["head"] @ up - max(P["upper_arm.L"] @ up, P["upper_arm.R"] @ up) < 0.2 * W:
        return "the head is not above the shoulders"
    if abs((P["head"] - (P["upper_arm.L"] + P["upper_arm.R"]) / 2) @ across) / W > 0.25 * W:
        return "the head is not between the shoulders"
    for s in "LR":
        a = np.linalg.norm(P[f"forearm.{s}"] - P[f"upper_arm.{s}"])
        b = np.linalg.norm(P[f"hand.{s}"] - P[f"forearm.{s}"])
        if not 0.5 < a / max(b, 1e-12) < 2.0:
            return f"the {s} arm's upper arm and forearm are not of human proportions"
    la = np.linalg.norm(P["hand.L"] - P["upper_arm.L"])
    ra = np.linalg.norm(P["hand.R"] - P["upper_arm.R"])
    if not 0.8 < la / max(ra, 1e-12) < 1.25:
        return "the two arms differ in length"
    return ""


def guess_half_body(rig):
    """(mapping, reason) for a half-body avatar: head, spine and two hands with fingers but no arm chain
    (Ready Player Me half-body, VR avatars: the hands hang from the spine or the root). Mapping None when
    the rig is not one."""
    ch = _children(rig)
    cands = [n for n in rig.bones if len(_finger_chains(rig, ch, n)) >= 3]
    if len(cands) < 2:
        cands = [n for n in rig.bones if _HANDLIKE.search(n) and ch[n]]
    if len(cands) < 2:
        return None, "no pair of hands found"
    a, b = max(((x, y) for i, x in enumerate(cands) for y in cands[i + 1:]),
               key=lambda p: float(np.linalg.norm(rig[p[0]].head - rig[p[1]].head)))
    left = _left_of_pair(a, b) or (a if rig[a].head[0] > rig[b].head[0] else b)
    hands = {"L": left, "R": b if left == a else a}
    anc = {s: _ancestors(rig, h) for s, h in hands.items()}
    common = [n for n in anc["L"] if n in anc["R"]]
    if any(len(anc[s]) - len(common) > 1 for s in hands):
        return None, "the hands hang from arm chains"
    heads = [n for n in rig.bones if _HEAD.search(n.lower()) and n not in hands.values()]
    if not heads:
        return None, "no head bone"
    head = min(heads, key=lambda n: len(_ancestors(rig, n)))
    spine = _ancestors(rig, head)
    if not spine:
        return None, "the head has no spine below it"
    hips = next((n for n in spine if re.search(r"hip|pelvis", n, re.I)), spine[-1])
    m = {"hips": hips, "head": head, "hand.L": hands["L"], "hand.R": hands["R"]}
    neck = rig[head].parent
    m["neck"] = neck if neck != hips else None
    between = spine[1:spine.index(hips)] if hips in spine else []
    m["chest"] = between[0] if between else None
    m["spine"] = between[-1] if between else None
    tops = [c for c in ch[head] if not ch[c]]
    m["head_top"] = tops[0] if tops else None
    warn = []
    for side, hand in hands.items():
        m[f"upper_arm.{side}"] = m[f"forearm.{side}"] = m[f"shoulder.{side}"] = None
        _assign_fingers(rig, _digit_chains(ch, hand), rig[hand].head, side, m, warn)
    m["_warnings"] = warn
    return m, ""
