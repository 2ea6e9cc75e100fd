"""One way for every operator to fail: a clear report, never a traceback in the user's face."""
import logging

from ..inference import SignLLMError

log = logging.getLogger(__name__)


def guarded(op, fn, what=None, kept="Your scene was left unchanged."):
    """(True, fn()) or (False, None) after an ERROR report: a SignLLMError's own message, or for anything
    else (a bug) '<what> failed unexpectedly (...)' plus `kept`, with the traceback in the log only."""
    try:
        return True, fn()
    except SignLLMError as exc:
        op.report({"ERROR"}, str(exc))
    except Exception as exc:  # a bug: keep the user's session alive and say so
        log.exception("%s failed", op.bl_idname)
        op.report({"ERROR"}, f"{what or op.bl_label} failed unexpectedly ({type(exc).__name__}: {exc}). {kept}")
    return False, None
