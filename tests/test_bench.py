"""The benchmark code runs and its measurements say what the README claims (no timings asserted here)."""
import os
import sys


sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_quality_on_held_out_sentences():
    from bench import quality
    q = quality.run()
    assert q["sentences"] >= 25
    assert 1.5 <= q["signs_per_s_unspelled"] <= 3.5, "running signing should be about 2-3 signs per second"
    assert q["contacts"] >= 20 and q["contact_max_mm"] < 10.0, "contact means the hand touches the body point"
    assert q["lexicon_share"] > 0.7
    assert q["max_jerk"] < 400


def test_signing_rate_follows_the_speed_setting():
    from bench.quality import signing_rate
    from signllm.inference import Settings, gloss_to_track, text_to_gloss
    items = text_to_gloss("Do you want coffee or tea? My mother likes tea.")
    slow = signing_rate(gloss_to_track(items, settings=Settings(speed=1.0)))
    fast = signing_rate(gloss_to_track(items, settings=Settings(speed=1.5)))
    assert fast > 1.3 * slow


def test_bake_baseline_and_ours_on_the_same_motion(bpy_mod):
    from bench import baseline_bake, common
    scene, rig = common.rigify_scene()
    r = baseline_bake.run(scene, rig, "Hello, what is your name?", sample_every=3)
    assert r["ours"]["keys"] * 4 < r["bake"]["keys"]
    assert r["ours"]["max_mm"] < 5.0 and r["bake"]["max_mm"] < 5.0
    assert r["tight"]["max_mm"] < 1.0
    assert r["ours"]["palm_deg"] < 5.0


def test_key_writing_bench_counts_keys(bpy_mod):
    from bench import key_writing
    r = key_writing.run(n_keys=300, n_curves=3)
    assert r["foreach_keys_per_s"] > 0 and r["insert_keys_per_s"] > 0
