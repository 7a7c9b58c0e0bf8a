"""Request parameters, as every interface (pages, API, CLI) and service reads them."""

from __future__ import annotations

from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    from _typeshed import ConvertibleToInt  # what int() accepts: str, bytes, SupportsInt, SupportsIndex, ...


class InvalidQuery(ValueError):
    """A listing or search parameter that cannot be honoured (bad page, unknown sort, ...)."""


@overload
def parse_int(value: ConvertibleToInt | None, name: str, minimum: int, maximum: int, default: int) -> int: ...
@overload
def parse_int(
    value: ConvertibleToInt | None, name: str, minimum: int, maximum: int, default: None = None
) -> int | None: ...
def parse_int(
    value: ConvertibleToInt | None, name: str, minimum: int, maximum: int, default: int | None = None
) -> int | None:
    """A whole-number request parameter within bounds, or ``default`` when absent.

    :raises InvalidQuery: naming the parameter
    """
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidQuery(f"{name} must be a whole number, not {value!r}") from None
    if not minimum <= number <= maximum:
        raise InvalidQuery(f"{name} must be between {minimum} and {maximum}")
    return number
