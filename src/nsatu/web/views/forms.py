"""HTML form and query-string handling shared by the pages.

Browsers send every field as a string and an empty field as ``""``: here that becomes ``None``, the
values go through the domain's own Pydantic schemas, and every failure (Pydantic errors, the app's
``InvalidInput.field``, a stale version, an illegal move) becomes something a template can show next
to the field or above the form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from nsatu.errors import Conflict, IllegalTransitionError, InvalidInput, PermissionDenied

T = TypeVar("T")
S = TypeVar("S", bound=BaseModel)

#: Where a message that names no field is shown.
FORM = "__form__"

#: A row id in a URL. Primary keys are 32-bit integers on PostgreSQL; a larger number is a 422,
#: never a database overflow.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


async def _posted_form(request: Request) -> FormData:
    return await request.form()


#: The posted form, read in an async dependency so the page handlers can stay synchronous.
PostedForm = Annotated[FormData, Depends(_posted_form)]


@dataclass
class Failure:
    """Why a form or button post did not go through, ready for a template."""

    status: int
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None
    #: For illegal lifecycle moves: the states that *are* reachable.
    allowed: list[str] = field(default_factory=list)


class FormInvalid(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def raw_values(source: Mapping[str, Any], fields: Iterable[str]) -> dict[str, str]:
    """The submitted strings of ``fields`` (absent fields are left out), for re-displaying."""
    out: dict[str, str] = {}
    for name in fields:
        value = source.get(name)
        if isinstance(value, str):
            out[name] = value
    return out


def blanks_to_none(values: Mapping[str, str]) -> dict[str, str | None]:
    return {k: (v if v.strip() else None) for k, v in values.items()}


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic errors keyed by form field. Cross-field rules raise ``"field: message"``."""
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        name = loc[0] if loc else FORM
        msg = str(err.get("msg", "invalid"))
        if msg.startswith("Value error, "):
            msg = msg.removeprefix("Value error, ")
            named, sep, rest = msg.partition(":")
            if sep and named and " " not in named.strip():
                name, msg = named.strip(), rest.strip()
        out.setdefault(name, msg)
    return out


def parse(
    schema: type[S],
    values: Mapping[str, str],
    *,
    keep: type[BaseModel] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> S:
    """Validate form ``values`` (``""`` → ``None``) with ``schema``.

    ``keep`` names the create schema: a field it requires (or defaults to a value) cannot be
    cleared on an edit form, so an empty one is an error instead of a ``NULL``.

    Raises:
        FormInvalid: field → message for every problem found.
    """
    data: dict[str, Any] = blanks_to_none(values)
    errors: dict[str, str] = {}
    if keep is not None:
        for name, value in data.items():
            info = keep.model_fields.get(name)
            if (
                value is None
                and info is not None
                and (info.is_required() or info.default is not None)
            ):
                errors[name] = "This field is required"
    try:
        result = schema.model_validate({**data, **(extra or {})})
    except ValidationError as exc:
        errors = field_errors(exc) | errors
    if errors:
        raise FormInvalid(errors)
    return result


def parse_filter(
    schema: type[S], values: Mapping[str, str], **defaults: Any
) -> tuple[S | None, dict[str, str]]:
    """A list filter from query-string ``values``; ``(None, errors)`` when they do not validate."""
    data = {k: v for k, v in blanks_to_none(values).items() if v is not None}
    try:
        return schema.model_validate(defaults | data), {}
    except ValidationError as exc:
        return None, field_errors(exc)


def submit(session: Session, call: Callable[[], T]) -> T | Failure:
    """Run one use case for a form post; an expected failure rolls the unit of work back (so the
    request's commit stores nothing) and is returned for display. ``NotFound`` and the unexpected
    propagate to the error pages. A write rule's refusal (403) is shown on the form like an
    invalid value: the row was already visible, so the message reveals nothing new."""
    try:
        return call()
    except FormInvalid as exc:
        failure = Failure(422, errors=exc.errors)
    except InvalidInput as exc:
        name = exc.field or FORM
        failure = Failure(422, errors={name: exc.detail.removeprefix(f"{name}: ")})
    except PermissionDenied as exc:
        # A write rule refusing a value the form posted (another nation's donor_nation_id):
        # shown next to that field; a refusal of the whole row above the form.
        if exc.field is None:
            failure = Failure(403, message=exc.detail)
        else:
            failure = Failure(403, errors={exc.field: exc.detail.removeprefix(f"{exc.field}: ")})
    except IllegalTransitionError as exc:
        failure = Failure(409, message=exc.detail, allowed=list(exc.extra.get("allowed", [])))
    except Conflict as exc:
        failure = Failure(409, message=exc.detail)
    session.rollback()
    return failure


def display_value(value: object) -> str:
    """A stored value as the string an input shows (``Decimal('10.000')`` → ``10``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def values_of(obj: object, fields: Iterable[str]) -> dict[str, str]:
    """The form values of a stored row, for an edit form."""
    return {name: display_value(getattr(obj, name)) for name in fields}
