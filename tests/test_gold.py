"""The ASL gold set and its scorer: the file is well formed, its signs exist, the metrics measure what they say."""
import pytest

from signllm.bench.gold_glosser import load_gold
from signllm.inference import SignLLMError, load_language, parse_gloss
from signllm.inference.metrics import corpus_bleu, gloss_tokens, score_glosses


def test_gold_set_is_large_split_and_signable():
    rows = load_gold()
    assert len(rows) >= 200
    ids = [r[0] for r in rows]
    assert len(set(ids)) == len(ids)
    assert {r[1] for r in rows} == {"tune", "heldout"}
    assert abs(sum(r[1] == "heldout" for r in rows) - len(rows) / 2) <= 1
    cats = {r[2] for r in rows}
    assert {"yn", "wh", "neg", "number", "time", "name", "directional", "homograph", "loci", "phrase"} <= cats
    lex = load_language("ASL").lexicon
    for r in rows:
        for it in parse_gloss(r[4]):
            if it.kind == "sign":
                assert it.gloss in lex, (r[0], it.gloss)


def test_gloss_tokens_keep_loci_and_spans():
    assert gloss_tokens("t[ MY BROTHER ] / IX-a a-GIVE-1 wh+neg[ X ]") == [
        ("MY", ("t",)), ("BROTHER", ("t",)), ("IX-a", ()), ("a-GIVE-1", ()), ("X", ("neg", "wh"))]


def test_scores():
    s = score_glosses(["ME LIKE COFFEE", "yn[ YOU DEAF ]"], ["ME LIKE COFFEE", "YOU DEAF"])
    assert s["exact"] == 0.5 and s["sign_f1"] == 1.0 and s["nmm_f1"] == pytest.approx(0.6)
    s = score_glosses(["ME neg[ NOT UNDERSTAND ]"], ["ME neg[ UNDERSTAND NOT ]"])
    assert s["exact"] == 0 and s["sign_f1"] == 1.0 and s["bleu"] == 0.0
    with pytest.raises(SignLLMError):
        score_glosses([], [])


def test_bleu_matches_sacrebleu():
    sacrebleu = pytest.importorskip("sacrebleu")
    hyps = ["ME GO STORE NOW", "YOU LIKE COFFEE WHAT TIME", "A B C D E"]
    refs = ["NOW ME GO STORE", "YOU LIKE COFFEE WHAT", "A B C D F"]
    ours = corpus_bleu(hyps, refs)
    theirs = sacrebleu.corpus_bleu(hyps, [refs], tokenize="none").score
    assert ours == pytest.approx(theirs, abs=1e-6)
