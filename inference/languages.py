"""Sign-language registry: each language's lexicon, alphabet and glosser, loaded once from data."""
import functools
import os

from .errors import DataError, SignLLMError
from .glosser import RuleGlosser
from .lexicon import Lexicon
from .mouth import load_table as load_mouth_table
from .phonology import DATA_DIR, default_phonology, load_json


def registry():
    data = load_json(os.path.join(DATA_DIR, "languages.json"), "signllm.languages/1")
    return data.get("languages", {})


def available():
    """[(code, name)] of the sign languages the data provides."""
    return [(k, v.get("name", k)) for k, v in registry().items()]


class Language:
    def __init__(self, code, spec, phonology):
        self.code = code
        self.name = spec.get("name", code)
        self.text_language = spec.get("text_language", "en")
        self.phonology = phonology
        self.lexicon = Lexicon(os.path.join(DATA_DIR, spec["lexicon"]), phonology)
        # mouth morphemes per sign: a table beside the lexicon folder (<code>/mouth.json), when there is one
        self.mouth = load_mouth_table(os.path.join(os.path.dirname(self.lexicon.folder.rstrip("/\\")), "mouth.json"),
                                      self.lexicon)
        self.alphabet = {}
        if spec.get("fingerspelling"):
            fs = load_json(os.path.join(DATA_DIR, spec["fingerspelling"]), "signllm.fingerspelling/1")
            self.alphabet = {k.upper(): v for k, v in fs.get("letters", {}).items()}
            for letter, v in self.alphabet.items():
                for key in ("hs", "palm", "fingers"):
                    if key not in v:
                        raise DataError(f"{spec['fingerspelling']}: letter {letter} lacks {key!r}")
                v["hs"] = phonology.canonical(v["hs"])
                if v["hs"] not in phonology.handshapes:
                    raise DataError(f"{spec['fingerspelling']}: letter {letter} uses unknown handshape {v['hs']!r}")
        grammar = load_json(os.path.join(DATA_DIR, spec["grammar"]), "signllm.grammar/1") if spec.get("grammar") else {}
        self.glosser = RuleGlosser(self.lexicon, grammar, self.text_language)


@functools.lru_cache(maxsize=8)
def load_language(code="ASL"):
    reg = registry()
    if code not in reg:
        raise SignLLMError(f"Unknown sign language {code!r}; available: {', '.join(reg)}")
    return Language(code, reg[code], default_phonology())
