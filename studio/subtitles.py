"""Read SRT, WebVTT or plain-text files into timed cues, with clear messages for bad files.

Why our own layer over `srt` / `webvtt-py`: both raise library-specific errors and neither checks
encoding, empty files or cue order; users need one message that says what to fix.
"""
import io
import os
import re
from dataclasses import dataclass

from ..inference.errors import SignLLMError

MAX_BYTES = 20 * 1024 * 1024


class SubtitleError(SignLLMError):
    """A subtitle or text file that cannot be used (the message says why and what to do)."""


@dataclass
class Cue:
    index: int          # 1-based position in the file
    start: float        # seconds
    end: float          # seconds
    text: str           # cleaned text to sign (may be empty: a sound-only cue)
    raw: str = ""

    @property
    def duration(self):
        return self.end - self.start


_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")                      # <i>, <v Bob>, <00:01.000>, {\an8}
_SOUND = re.compile(r"\[[^\]]*\]|\([^)]*\)|[♪♫#]+")            # [MUSIC], (laughs), ♪ lyrics markers
_SPEAKER = re.compile(r"^\s*(?:-+\s*|[A-Z][A-Z .'-]{1,30}:\s+)", re.M)  # "- " dialogue dash, "BOB: "


def clean_text(raw):
    """Subtitle markup -> words to sign: tags, sound descriptions and speaker labels removed."""
    s = _TAG.sub("", raw)
    s = _SOUND.sub(" ", s)
    s = _SPEAKER.sub("", s)
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


def detect_format(path, text):
    ext = os.path.splitext(path)[1].lower()
    if ext in (".srt", ".vtt", ".txt"):
        return ext[1:]
    head = text.lstrip()[:200]
    if head.startswith("WEBVTT"):
        return "vtt"
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


def parse_srt(text, name="The SRT file"):
    import srt
    try:
        subs = list(srt.parse(text, ignore_errors=False))
    except (srt.SRTParseError, ValueError) as exc:
        line = None
        m = re.search(r"char (\d+)", str(exc))
        if m:
            line = text[:int(m.group(1))].count("\n") + 1
        where = f" near line {line}" if line else ""
        raise SubtitleError(f"{name} is not valid SRT{where}: each cue needs a number, a "
                            "'00:00:01,000 --> 00:00:02,500' line and text.") from None
    cues = [Cue(i + 1, s.start.total_seconds(), s.end.total_seconds(), clean_text(s.content), s.content)
            for i, s in enumerate(subs)]
    return _check_cues(cues, name)


def _vtt_seconds(stamp):
    """'01:02:03.250' or '02:03.250' -> seconds."""
    secs = 0.0
    for p in stamp.strip().split(":"):
        secs = secs * 60 + float(p)
    return secs


def parse_vtt(text, name="The WebVTT file"):
    import webvtt
    from webvtt import errors as vtt_errors
    if not text.lstrip("\ufeff").startswith("WEBVTT"):
        raise SubtitleError(f"{name} is not WebVTT: the first line must be 'WEBVTT'.")
    good = re.compile(r"^\s*(\d+:)?\d\d:\d\d\.\d{3}\s+-->\s+(\d+:)?\d\d:\d\d\.\d{3}(\s|$)")
    for n, line in enumerate(text.split("\n"), 1):
        if "-->" in line and not good.match(line):
            raise SubtitleError(f"{name} is not valid WebVTT: line {n} ({line.strip()[:60]!r}) is not a "
                                "'00:00:01.000 --> 00:00:02.500' timing line.")
    try:
        vtt = webvtt.from_buffer(io.StringIO(text))
    except (vtt_errors.MalformedFileError, vtt_errors.MalformedCaptionError, ValueError) as exc:
        raise SubtitleError(f"{name} is not valid WebVTT ({exc}).") from None
    cues = [Cue(i + 1, _vtt_seconds(c.start), _vtt_seconds(c.end), clean_text(c.raw_text), c.raw_text)
            for i, c in enumerate(vtt.captions)]
    return _check_cues(cues, name)


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
    """Read a .srt / .vtt (timed cues) or .txt (untimed paragraphs). Returns (format, [Cue])."""
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
    return "txt", parse_text(text, name)
