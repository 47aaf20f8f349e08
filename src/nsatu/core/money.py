"""Money and identifier maths: ``Decimal`` only, never floats.

Amounts are kept in the currency they were pledged in, together with the rate used to convert them and
the date of that rate, so every converted figure can be reproduced.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

CENT = Decimal("0.01")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def parse_decimal(value: object, *, field: str) -> Decimal:
    """Parse ``value`` (str, int, Decimal) into a finite ``Decimal``.

    Raises:
        ValueError: naming ``field`` when the value is not a finite number.
    """
    if isinstance(value, float):
        value = repr(value)
    try:
        result = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{field}: {value!r} is not a number") from None
    if not result.is_finite():
        raise ValueError(f"{field}: {value!r} is not a finite number")
    return result


def convert(amount: Decimal, *, units_per_target: Decimal) -> Decimal:
    """Convert ``amount`` into the target currency.

    Parameters:
        amount: the amount in its original currency.
        units_per_target: how many units of the original currency buy one unit of the target
            currency (the ECB quotes rates this way: units of currency per 1 EUR).

    Returns:
        The converted amount, unrounded; round only for display with :func:`round_money`.

    Raises:
        ValueError: the rate is not positive.
    """
    if units_per_target <= 0:
        raise ValueError(f"exchange rate must be positive, got {units_per_target}")
    return amount / units_per_target


def round_money(amount: Decimal) -> Decimal:
    """Round to cents with banker's rounding, the convention of the ECB reference rates."""
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


def check_currency(code: str) -> str:
    """Return ``code`` if it looks like an ISO 4217 code (three capital letters).

    Raises:
        ValueError: it does not.
    """
    if not _CURRENCY.match(code):
        raise ValueError(f"currency {code!r} is not a three-letter ISO 4217 code")
    return code
