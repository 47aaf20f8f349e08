"""Validation of the public identifiers the system stores: NATO Stock Numbers, ISO and UN codes."""

from __future__ import annotations

import re

_NSN = re.compile(r"^(\d{4})-?(\d{2})-?(\d{3})-?(\d{4})$")
_ALPHA3 = re.compile(r"^[A-Z]{3}$")
_LOCODE = re.compile(r"^[A-Z]{2} ?[A-Z2-9]{3}$")


def normalise_nsn(value: str) -> str:
    """Validate a NATO Stock Number and return it as 13 digits without separators.

    An NSN is 13 digits: a 4-digit Federal Supply Class, a 2-digit NATO country code of the
    codification bureau, and a 7-digit item number. It is written plain (``5820011234567``) or
    grouped 4-2-3-4 (``5820-01-123-4567``).

    Raises:
        ValueError: the value is not 13 digits in one of those two forms, or the supply group (the
            first two digits) is ``00``, which no supply class uses.
    """
    m = _NSN.match(value.strip())
    if m is None:
        raise ValueError(
            f"NSN {value!r} must be 13 digits, written plain or as 4-2-3-4 (e.g. 5820-01-123-4567)"
        )
    digits = "".join(m.groups())
    if digits[:2] == "00":
        raise ValueError(f"NSN {value!r}: supply group 00 does not exist")
    return digits


def format_nsn(digits: str) -> str:
    """Format 13 NSN digits as 4-2-3-4."""
    d = normalise_nsn(digits)
    return f"{d[:4]}-{d[4:6]}-{d[6:9]}-{d[9:]}"


def check_alpha3(code: str) -> str:
    """Return an upper-cased ISO 3166 alpha-3 code, or raise ``ValueError``."""
    up = code.strip().upper()
    if not _ALPHA3.match(up):
        raise ValueError(f"{code!r} is not an ISO 3166 alpha-3 code (three letters)")
    return up


def normalise_locode(code: str) -> str:
    """Return a UN/LOCODE as five characters (``PLRZE``), or raise ``ValueError``."""
    up = code.strip().upper()
    if not _LOCODE.match(up):
        raise ValueError(f"{code!r} is not a UN/LOCODE (country + three characters, e.g. PL RZE)")
    return up.replace(" ", "")
