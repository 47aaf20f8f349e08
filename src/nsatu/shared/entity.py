"""A registry-style entity described once: its storage (:class:`~nsatu.db.crud.Resource`), its
schemas and its filters. The web layer builds the CRUD routes from it; domain services wrap it
with their own rules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from nsatu.db import crud
from nsatu.db.base import Base
from nsatu.db.repository import Page
from nsatu.shared.schemas import PageParams, Schema, UpdateSchema

M = TypeVar("M", bound=Base)
F = TypeVar("F", bound=PageParams)

Where = Callable[[Any], Sequence[ColumnElement[bool]]]
CreateHook = Callable[[Session, dict[str, Any]], None]
UpdateHook = Callable[[Session, Any, dict[str, Any]], None]
#: Replaces the generic create (an entity whose rows are written by a domain service).
Creator = Callable[[Session, Any], Any]
#: Runs after a lifecycle move was found legal (and the version current), before it is written.
ActHook = Callable[[Session, Any, str], None]


@dataclass(frozen=True)
class Entity(Generic[M]):
    name: str  # URL segment and tag, plural: "nations"
    resource: crud.Resource[M]
    create_schema: type[Schema]
    update_schema: type[UpdateSchema] | None
    read_schema: type[BaseModel]
    filter_schema: type[PageParams]
    where: Where
    before_create: CreateHook | None = None
    before_update: UpdateHook | None = None
    on_act: ActHook | None = None
    deletable: bool = False
    creator: Creator | None = None

    def create(self, session: Session, data: Schema) -> M:
        if self.creator is not None:
            created: M = self.creator(session, data)
            return created
        hook = self.before_create

        def prepare(values: dict[str, Any]) -> None:
            if hook is not None:
                hook(session, values)

        return crud.create(session, self.resource, data.model_dump(), prepare=prepare)

    def update(self, session: Session, id_: int, data: UpdateSchema) -> M:
        changes = data.changes()
        hook = self.before_update

        def validate(obj: M, ch: Any) -> None:
            if hook is not None:
                hook(session, obj, ch)

        return crud.update(
            session, self.resource, id_, changes, version=data.version, validate=validate
        )

    def get(self, session: Session, id_: int) -> M:
        return crud.get(session, self.resource, id_)

    def list(self, session: Session, f: PageParams) -> Page[M]:
        return crud.list_page(
            session, self.resource, where=self.where(f), sort=f.sort, page=f.page, size=f.size
        )

    def act(self, session: Session, id_: int, action: str, *, version: int | None) -> M:
        hook = self.on_act

        def effect(obj: M, act: str) -> None:
            if hook is not None:
                hook(session, obj, act)

        return crud.act(session, self.resource, id_, action, version=version, effect=effect)

    def delete(self, session: Session, id_: int, *, version: int) -> None:
        crud.delete(session, self.resource, id_, version=version)


def contains(column: Any, text: str | None) -> list[ColumnElement[bool]]:
    """Case-insensitive substring match on ``column`` (``[]`` when ``text`` is empty)."""
    if not text:
        return []
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return [column.ilike(f"%{escaped}%", escape="\\")]


def eq(column: Any, value: Any) -> list[ColumnElement[bool]]:
    return [] if value is None else [column == value]
