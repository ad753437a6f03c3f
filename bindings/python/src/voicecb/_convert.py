"""Type conversion of Python arguments to C ones.

Only conversion lives here: whether a value is allowed (lengths, formats,
ranges) is the library's to decide, and it names the field when it refuses
one. Python raises InvalidArgument itself only where ctypes cannot pass
the value at all (a NUL inside a string, a number that does not fit the C
type, NaN).
"""

from __future__ import annotations

import math
import os
from typing import Optional, Union

from ._errors import display_name, invalid

U32_MAX = 0xFFFFFFFF
I64_MIN = -(1 << 63)
I64_MAX = (1 << 63) - 1


def c_string(value: str, field: str) -> bytes:
    """``value`` as the bytes of a NUL-terminated UTF-8 string.

    A lone surrogate is passed through (``surrogatepass``) so that the
    library refuses it as invalid UTF-8 and names the field; a NUL, which C
    would read as the end of the string, is refused here.
    """
    if not isinstance(value, str):
        raise TypeError(f"{display_name(field)} must be a str, not {type(value).__name__}")
    if "\0" in value:
        invalid(field, "must not contain a NUL character")
    return value.encode("utf-8", "surrogatepass")


def c_path(value: Union[str, "os.PathLike[str]"], field: str) -> bytes:
    """A file name (str or path-like) as a C string."""
    path = os.fspath(value)
    if isinstance(path, bytes):
        raise TypeError(f"{display_name(field)} must be a str or a path-like of str, not bytes")
    return c_string(path, field)


def optional_c_string(value: Optional[str], field: str) -> Optional[bytes]:
    """Like :func:`c_string`, with None as NULL."""
    return None if value is None else c_string(value, field)


def millis(seconds: float, field: str, *, zero_means_default: bool) -> int:
    """Seconds (int or float) as whole milliseconds for a ``uint32_t``.

    A positive value is rounded up, so that it never becomes 0. A value
    that is not positive becomes 0, which the option setters refuse
    themselves; where 0 means "the default" instead
    (``zero_means_default``), it is refused here.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"{display_name(field)} must be a number of seconds, not {type(seconds).__name__}")
    s = float(seconds)
    if math.isnan(s):
        invalid(field, "must be a number of seconds, got NaN")
    if s <= 0:
        if zero_means_default:
            invalid(field, "must be greater than zero")
        return 0
    if math.isinf(s) or s * 1000 > U32_MAX:
        invalid(field, f"must be at most {U32_MAX / 1000:g} seconds, got {seconds!r}")
    return max(1, math.ceil(s * 1000))


def backoff_millis(seconds: float, field: str) -> int:
    """Seconds (int or float, 0 allowed) as whole milliseconds for a
    ``uint32_t`` wait; a positive value is rounded up."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"{display_name(field)} must be a number of seconds, not {type(seconds).__name__}")
    s = float(seconds)
    if math.isnan(s):
        invalid(field, "must be a number of seconds, got NaN")
    if s < 0:
        invalid(field, f"must not be negative, got {seconds!r}")
    if s == 0:
        return 0
    return millis(s, field, zero_means_default=False)


def whole_seconds(seconds: float, field: str) -> int:
    """Seconds (int or float) as whole seconds for a ``uint32_t``,
    rounded down."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"{display_name(field)} must be a number of seconds, not {type(seconds).__name__}")
    s = float(seconds)
    if math.isnan(s):
        invalid(field, "must be a number of seconds, got NaN")
    if s < 0:
        invalid(field, f"must not be negative, got {seconds!r}")
    if math.isinf(s) or s > U32_MAX:
        invalid(field, f"must be at most {U32_MAX} seconds, got {seconds!r}")
    return int(math.floor(s))


def integer(value: int, field: str) -> int:
    """An int argument; bool and every other type are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{display_name(field)} must be an int, not {type(value).__name__}")
    return value


def i32(value: int, field: str) -> int:
    """An integer for an ``int32_t`` argument (ctypes would wrap it silently)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{field} must be an int, not {type(value).__name__}")
    if not -(1 << 31) <= value < 1 << 31:
        invalid(field, f"must fit a signed 32-bit integer, got {value}")
    return int(value)


def clamped_u32(value: int, field: str) -> int:
    """An integer for a ``uint32_t`` argument whose every valid value is
    small, clamped into the type, so that the library's rule (which does
    not quote the value) is what a user sees for -1 or 2**40 too."""
    return min(max(integer(value, field), 0), U32_MAX)


def i64(value: int, field: str) -> int:
    """An integer for an ``int64_t`` argument (ctypes would wrap it silently)."""
    integer(value, field)
    if not I64_MIN <= value <= I64_MAX:
        invalid(field, f"must fit a signed 64-bit integer, got {value}")
    return value


def flag(value: bool, field: str) -> bool:
    """A ``bool`` argument (ints are accepted as in C, other types refused)."""
    if not isinstance(value, int):
        raise TypeError(f"{display_name(field)} must be a bool, not {type(value).__name__}")
    return bool(value)
