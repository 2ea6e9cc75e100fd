"""Reading research files with one set of clear messages (missing, a folder, unreadable, empty)."""
from ..errors import DataError


def read_bytes(path, what):
    """The file's bytes; DataError naming the problem, `what` saying which kind of file was expected."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise DataError(f"No such file: {path}") from None
    except IsADirectoryError:
        raise DataError(f"{path} is a folder, not a {what}.") from None
    except OSError as exc:
        raise DataError(f"Cannot read {path}: {exc.strerror or exc}") from None
    if not raw.strip():
        raise DataError(f"{path} is empty.")
    return raw
