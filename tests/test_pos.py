"""The glosser's part-of-speech tagger: shipped weights load, homographs are told apart, EWT accuracy."""
import os

import pytest

from signllm.inference.pos import Tagger, tagger

SHARED_EWT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                          "shared", "data", "ud_english_ewt")
for cand in (SHARED_EWT, "/work/shared/data/ud_english_ewt"):
    if os.path.isdir(cand):
        SHARED_EWT = cand
        break


@pytest.mark.parametrize("sentence,word,tag", [
    ("The train leaves at 9 am .", "leaves", "VERB"),
    ("The leaves are green .", "leaves", "NOUN"),
    ("I lost my watch .", "watch", "NOUN"),
    ("We watch TV at night .", "watch", "VERB"),
    ("I will book a hotel .", "book", "VERB"),
    ("I read a book .", "book", "NOUN"),
    ("The school is close .", "close", "ADJ"),
    ("Close the door .", "Close", "VERB"),
    ("I can swim .", "can", "AUX"),
])
def test_homographs(sentence, word, tag):
    words = sentence.split()
    assert tagger().tag(words)[words.index(word)] == tag


def test_broken_model_is_a_clear_error(tmp_path):
    from signllm.inference import DataError
    bad = tmp_path / "m.json.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(DataError, match="cannot be read"):
        Tagger.load(str(bad))


@pytest.mark.skipif(not os.path.isdir(SHARED_EWT), reason="../shared/data/ud_english_ewt not present")
def test_accuracy_on_ud_ewt_test():
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "training"))
    from train_pos_tagger import read_conllu
    sents = read_conllu(os.path.join(SHARED_EWT, "en_ewt-ud-test.conllu"))
    t = tagger()
    right = total = 0
    for words, tags in sents:
        right += sum(a == b for a, b in zip(t.tag(words), tags))
        total += len(tags)
    assert right / total > 0.90
