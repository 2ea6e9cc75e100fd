"""Checks for the numbers scripts and the command line pass in (the panel's properties have their own limits).

One table, one function: a value outside its range (or NaN, infinite, not a number) is refused with a
message that names the setting and the allowed range, instead of being silently clamped.
"""
import math

from .errors import SignLLMError

# name: (lowest, highest, unit shown in the message, what it is)
LIMITS = {
    "speed": (0.25, 4.0, "x", "signing speed (1 = citation pace)"),
    "letter_hold": (0.05, 2.0, "s", "fingerspelled letter hold"),
    "tolerance": (0.0001, 0.05, "m", "hand tolerance"),
    "finger_tolerance": (0.0001, 0.05, "m", "fingertip tolerance"),
    "tolerance_mm": (0.1, 50.0, "mm", "hand tolerance"),
    "fps": (1.0, 240.0, "fps", "frame rate"),
    "lag": (0.0, 10.0, "s", "allowed lag behind the speech"),
    "max_sign_rate": (1.0, 6.0, "signs/s", "highest sign rate"),
    "rate_min": (0.1, 1.0, "x", "lowest rate"),
    "rate_max": (1.0, 4.0, "x", "highest rate"),
}


def check_number(value, name, label=None):
    """`value` as a float if it is a finite number inside LIMITS[name], else SignLLMError naming `label`."""
    lo, hi, unit, what = LIMITS[name]
    label = label or name
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise SignLLMError(f"{label} must be a number from {lo:g} to {hi:g} {unit} ({what}); got {value!r}.") \
            from None
    if not math.isfinite(v) or not lo <= v <= hi:
        raise SignLLMError(f"{label} must be from {lo:g} to {hi:g} {unit} ({what}); got {value!r}.")
    return v


def check_options(options, names=("speed", "letter_hold", "tolerance", "finger_tolerance"), cli=False):
    """Check the numeric fields an options object has (Options, JobOptions, argparse results).

    Fields it lacks (or set to None: not given) are skipped, so the same call serves every options type;
    cli=True names them as command-line flags (--tolerance-mm). Raises SignLLMError.
    """
    for name in names:
        value = getattr(options, name, None)
        if value is not None:
            check_number(value, name, f"--{name.replace('_', '-')}" if cli else name)
    return options


__all__ = ["LIMITS", "check_number", "check_options"]
