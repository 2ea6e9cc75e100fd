"""The one error type the inference core raises for bad input or bad data.

Operators catch it and show its message; anything else escaping the core is a bug.
"""


class SignLLMError(Exception):
    """A problem the user can act on (bad text, bad data file, unknown sign)."""


class DataError(SignLLMError):
    """A lexicon, handshape or location file is missing, corrupt or inconsistent."""
