"""Read SRT, WebVTT, ASS/SSA or plain-text files into timed cues, with clear messages for bad files.

Parsing and markup stripping are pysubs2's (a maintained library that also reads ASS/SSA, which studios
use). Our layer adds what users need on top: encoding and empty-file checks, one message that says what
to fix in a bad file, overlapping cues reported, and the subtitles-for-the-deaf conventions that are
words rather than markup (sound descriptions, speaker labels, dialogue dashes), removed without eating
what is signed: "-5 degrees" keeps its minus, "OK: let's go" keeps its OK.
"""
import os
import re
from dataclasses import dataclass

from ..inference.errors import SignLLMError

MAX_BYTES = 20 * 1024 * 1024
FORMATS = ("srt", "vtt", "ass", "ssa", "txt")


class SubtitleError(SignLLMError):
    """A subtitle or text file that cannot be used (the message says why and what to do)."""


@dataclass
class Cue:
    index: int          # 1-based position in the file
    start: float        # seconds
    end: float          # seconds
    text: str           # cleaned text to sign (may be empty: a sound-only cue)
    raw: str = ""
    speaker: str = ""   # the ASS/SSA actor field, when the file names one

    @property
    def duration(self) -> float:
        return self.end - self.start


_SOUND = re.compile(r"\[[^\]]*\]|\([^)]*\)|[♪♫]+")                   # [MUSIC], (laughs), ♪ lyrics markers
_DASH = re.compile(r"^[ \t]*-+(?=[ \t]|[^\W\d_])[ \t]*", re.M)        # "- Hi" / "-Hi" dialogue dash, never "-5"
_SPEAKER = re.compile(r"^[ \t]*([A-Z][A-Z .'-]{1,30}):[ \t]+(?=\S)", re.M)   # "BOB: ", "DR. SMITH: "
# words that end in a colon at a line start but are said, not speaker names
_NOT_SPEAKERS = {"OK", "OKAY", "NO", "YES", "HEY", "OH", "WOW", "WAIT", "STOP", "HELP", "NOTE", "WARNING",
                 "LOOK", "LISTEN", "WELL", "SO", "BUT", "AND", "HI", "HELLO", "THANKS", "PLEASE", "SORRY"}
_VTT_SPANS = re.compile(r"</?v(?:[ .][^>]*)?>|</?c(?:\.[^>]*)?>|</?lang[^>]*>|</?ruby>|</?rt>|<\d[\d:.]*>")


def _plain(text: str) -> str:
    """Markup out with pysubs2: SRT/HTML tags become ASS override tags, and plaintext drops those."""
    import pysubs2
    text = _VTT_SPANS.sub("", text)
    if not re.search(r"[<{\\]", text):
        return text
    subs = pysubs2.SSAFile.from_string(f"1\n00:00:00,000 --> 00:00:01,000\n{text}\n", format_="srt")
    return subs[0].plaintext if len(subs) else text


def clean_text(raw: str) -> str:
    """Subtitle text -> words to sign: markup, sound descriptions, speaker labels and dialogue dashes out."""
    s = _plain(raw.replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " "))
    s = _SOUND.sub(" ", s)
    s = _SPEAKER.sub(lambda m: m.group(0) if m.group(1).strip(" .'-") in _NOT_SPEAKERS else "", s)
    s = _DASH.sub("", s)
    s = s.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ")
    return re.sub(r"\s+", " ", s).strip()


def decode(data, path="", encoding=None):
    """Bytes -> text: BOMs honoured, UTF-8 by default; a clear message when the bytes are not that."""
    if encoding:
        try:
            return data.decode(encoding)
        except LookupError:
            raise SubtitleError(f"Unknown text encoding {encoding!r}.") from None
        except UnicodeDecodeError as exc:
            raise SubtitleError(f"{os.path.basename(path) or 'The file'} is not valid {encoding} "
                                f"(byte {exc.start}).") from None
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(enc)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise SubtitleError(
            f"{os.path.basename(path) or 'The file'} is not UTF-8 text (undecodable byte 0x{data[exc.start]:02x} "
            f"on line {line}). Re-save it as UTF-8, or give its encoding (for example cp1252 or latin-1).") from None


def detect_format(path: str, text: str) -> str:
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if ext in FORMATS:
        return ext
    head = text.lstrip("\ufeff").lstrip()[:400]
    if head.startswith("WEBVTT"):
        return "vtt"
    if head.startswith("[Script Info]"):
        return "ass"
    if re.match(r"\d+\s*\n\s*\d\d:\d\d:\d\d[,.]\d+\s*-->", head):
        return "srt"
    return "txt"


def timecode(t):
    h, r = divmod(max(t, 0.0), 3600)
    m, s = divmod(r, 60)
    return f"{int(h):02d}:{int(m):02d}:{s:06.3f}"


def _check_cues(cues, name):
    if not cues:
        raise SubtitleError(f"{name} has no cues.")
    for c in cues:
        if not (c.end > c.start >= 0):
            raise SubtitleError(f"{name}: cue {c.index} ends ({timecode(c.end)}) no later than it starts "
                                f"({timecode(c.start)}).")
    if not any(c.text for c in cues):
        raise SubtitleError(f"{name}: no cue has words to sign (only sound descriptions or markup).")
    return cues


def _events(text: str, fmt: str, name: str):
    """pysubs2 events (comments left out); a file it cannot read is a SubtitleError saying so."""
    import pysubs2
    try:
        subs = pysubs2.SSAFile.from_string(text, format_=fmt)
    except (pysubs2.Pysubs2Error, ValueError, KeyError, IndexError) as exc:
        label = {"srt": "SRT", "vtt": "WebVTT", "ass": "ASS", "ssa": "SSA"}[fmt]
        raise SubtitleError(f"{name} is not valid {label} ({exc}).") from None
    return [e for e in subs if not e.is_comment]


def _cues(events, name):
    cues = [Cue(i + 1, e.start / 1000.0, e.end / 1000.0, clean_text(e.text), e.plaintext, e.name or "")
            for i, e in enumerate(events)]
    return _check_cues(cues, name)


_SRT_TIME = re.compile(r"^\s*\d+:\d\d:\d\d[,.]\d{1,3}\s*-->\s*\d+:\d\d:\d\d[,.]\d{1,3}")


def parse_srt(text: str, name: str = "The SRT file") -> list:
    # every block needs a timing line: pysubs2 skips bad blocks silently, users need to hear where
    lineno = 1
    for block in re.split(r"\n[ \t]*\n", text.strip("\ufeff\n")):
        lines = block.split("\n")
        if block.strip() and not any(_SRT_TIME.match(ln) for ln in lines[:3]):
            raise SubtitleError(f"{name} is not valid SRT near line {lineno}: each cue needs a number, a "
                                "'00:00:01,000 --> 00:00:02,500' line and text.")
        lineno += block.count("\n") + 2
    return _cues(_events(text, "srt", name), name)


def _vtt_seconds(stamp: str) -> float:
    """'01:02:03.250' or '02:03.250' -> seconds."""
    secs = 0.0
    for p in stamp.strip().split(":"):
        secs = secs * 60 + float(p)
    return secs


def parse_vtt(text: str, name: str = "The WebVTT file") -> list:
    if not text.lstrip("\ufeff").startswith("WEBVTT"):
        raise SubtitleError(f"{name} is not WebVTT: the first line must be 'WEBVTT'.")
    good = re.compile(r"^\s*(\d+:)?\d\d:\d\d\.\d{3}\s+-->\s+(\d+:)?\d\d:\d\d\.\d{3}(\s|$)")
    for n, line in enumerate(text.split("\n"), 1):
        if "-->" in line and not good.match(line):
            raise SubtitleError(f"{name} is not valid WebVTT: line {n} ({line.strip()[:60]!r}) is not a "
                                "'00:00:01.000 --> 00:00:02.500' timing line.")
    return _cues(_events(text.lstrip("\ufeff"), "vtt", name), name)


def parse_ass(text: str, name: str = "The ASS file", fmt: str = "ass") -> list:
    if "[Events]" not in text:
        raise SubtitleError(f"{name} is not valid {fmt.upper()}: it has no [Events] section.")
    return _cues(_events(text, fmt, name), name)


def overlaps(cues: list) -> list:
    """(earlier, later, seconds) for each timed cue that starts before the one before it has ended."""
    timed = sorted((c for c in cues if c.end > c.start), key=lambda c: (c.start, c.index))
    out = []
    last = None
    for c in timed:
        if last is not None and c.start < last.end - 1e-6:
            out.append((last, c, last.end - c.start))
        if last is None or c.end > last.end:
            last = c
    return out


def split_paragraph(text, max_chars=160):
    """Sentences grouped into chunks of at most ~max_chars (a long text's steps)."""
    sents = [s.strip() for s in re.split(r"(?<=[.!?;])\s+|\n\s*\n", text) if s and s.strip()]
    chunks, cur = [], ""
    for s in sents:
        if cur and len(cur) + len(s) + 1 > max_chars:
            chunks.append(cur)
            cur = s
        else:
            cur = f"{cur} {s}".strip()
    if cur:
        chunks.append(cur)
    return chunks


def parse_text(text, name="The text file"):
    """Plain text: untimed cues (start == end == 0: as long as signing takes), one per sentence group
    of a paragraph, so a long text advances in small steps."""
    paras = [re.sub(r"\s+", " ", p).strip() for p in re.split(r"\n\s*\n", text)]
    chunks = [c for p in paras if p for c in split_paragraph(p)]
    if not chunks:
        raise SubtitleError(f"{name} is empty.")
    return [Cue(i + 1, 0.0, 0.0, c, c) for i, c in enumerate(chunks)]


def load(path, encoding=None, fmt=None):
    """Read a .srt / .vtt / .ass / .ssa (timed cues) or .txt (untimed paragraphs). Returns (format, [Cue])."""
    name = os.path.basename(path) or path
    if not path or not os.path.exists(path):
        raise SubtitleError(f"File not found: {path!r}.")
    if os.path.isdir(path):
        raise SubtitleError(f"{path!r} is a folder, not a subtitle file.")
    size = os.path.getsize(path)
    if size == 0:
        raise SubtitleError(f"{name} is empty.")
    if size > MAX_BYTES:
        raise SubtitleError(f"{name} is {size / 1e6:.0f} MB; subtitle files over {MAX_BYTES // 2**20} MB are refused.")
    with open(path, "rb") as fh:
        data = fh.read()
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SubtitleError(f"{name} looks binary, not a subtitle or text file.")
    text = decode(data, path, encoding).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise SubtitleError(f"{name} is empty.")
    fmt = fmt or detect_format(path, text)
    if fmt == "srt":
        return fmt, parse_srt(text, name)
    if fmt == "vtt":
        return fmt, parse_vtt(text, name)
    if fmt in ("ass", "ssa"):
        return fmt, parse_ass(text, name, fmt)
    return "txt", parse_text(text, name)
