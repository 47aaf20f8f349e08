"""Schemas of users and API tokens. Nations and hubs are named by their codes (ISO alpha-3, site
code), as people type them; reads give both the ids and the codes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    field_validator,
)

from nsatu.core.access import Role
from nsatu.shared.schemas import Alpha3, Code, Id, Schema, Text200


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


#: Lower-case letters, digits and ``._-``; case-folded before the check, so ``Alice`` is ``alice``.
Username = Annotated[
    str, BeforeValidator(_lower), StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$")
]
#: Long enough to resist guessing; capped so hashing cannot be made expensive.
MIN_PASSWORD_LENGTH = 12
Password = Annotated[SecretStr, Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)]
TokenName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class UserScope(Schema):
    """A role and what it is tied to. Nation-bound roles need ``nation``; a hub operator needs
    ``hub`` (its nation is the hub's); coordinators and auditors may name a home nation."""

    role: Role
    nation: Alpha3 | None = Field(default=None, description="ISO 3166 alpha-3 of the nation")
    hub: Code | None = Field(default=None, description="site code of the hub (hub operators)")
    organisation_id: Id | None = None

    @field_validator("role")
    @classmethod
    def _not_public(cls, role: Role) -> Role:
        if role is Role.PUBLIC:
            raise ValueError("public is the role of visitors who are not signed in, not of a user")
        return role


class UserCreate(UserScope):
    username: Username
    display_name: Text200 | None = Field(default=None, description="defaults to the username")
    #: ``None`` makes a machine account that signs in only with API tokens.
    password: Password | None = None


class PasswordChange(Schema):
    password: Password


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: Role
    nation_id: int | None
    nation_code: str | None = None
    organisation_id: int | None
    site_id: int | None
    site_code: str | None = None
    is_active: bool
    has_password: bool = False
    locked_until: dt.datetime | None
    last_login_at: dt.datetime | None
    created_at: dt.datetime


class TokenCreate(Schema):
    name: TokenName = "api"
    days: int = Field(default=90, ge=1, le=3650, description="days until it expires")


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    username: str | None = None
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class IssuedToken(BaseModel):
    """A new token: the secret is shown this once and never stored."""

    token: str
    info: TokenRead


class Me(BaseModel):
    """Who the caller is: a user, or the public (``authenticated`` false, role ``public``)."""

    authenticated: bool
    username: str
    display_name: str | None = None
    role: Role
    nation_code: str | None = None
    site_code: str | None = None
    organisation_id: int | None = None
    channel: str
