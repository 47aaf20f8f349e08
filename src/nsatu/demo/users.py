"""Demo users: one per role, with known passwords, for trying the system out. DEMO ONLY: anyone
who reads this file can sign in as them, so never create them on a server that holds real data.

``ensure_demo_users`` is idempotent: it creates the missing ones and leaves existing accounts (and
their passwords) alone. It only flushes; the caller's transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from nsatu.core.access import Role
from nsatu.core.enums import OrganisationKind
from nsatu.db.models import Nation, Organisation, Site, User
from nsatu.errors import InvalidInput
from nsatu.identity import service as identity_service
from nsatu.identity.schemas import UserCreate


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: Role
    nation: str | None = None
    hub: str | None = None

    @property
    def password(self) -> str:
        return f"demo-{self.username}"


DEMO_USERS = (
    DemoUser("coordinator", "Demo Coordinator", Role.COORDINATOR),
    DemoUser("donor.deu", "Demo Donor Liaison (Germany)", Role.DONOR_LIAISON, nation="DEU"),
    DemoUser("planner.ukr", "Demo Recipient Planner (Ukraine)", Role.RECIPIENT_PLANNER, "UKR"),
    DemoUser("hub.rze", "Demo Hub Operator (Rzeszów)", Role.HUB_OPERATOR, hub="HUB-RZE"),
    DemoUser(
        "training.deu", "Demo Training Coordinator (Germany)", Role.TRAINING_COORDINATOR, "DEU"
    ),
    DemoUser("auditor", "Demo Auditor", Role.AUDITOR),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: Role
    #: The nation or hub the user is tied to, if any.
    scope: str | None
    #: ``created``, ``present`` (left as it was) or ``skipped`` (its nation or hub is missing).
    status: str
    note: str | None = None


def _ministry(session: Session, nation_code: str | None) -> int | None:
    if nation_code is None:
        return None
    return session.scalar(
        select(Organisation.id)
        .join(Nation, Nation.id == Organisation.nation_id)
        .where(Nation.code == nation_code, Organisation.kind == OrganisationKind.MINISTRY)
        .order_by(Organisation.id)
        .limit(1)
    )


def _nation_of_hub(session: Session, hub: str | None) -> str | None:
    if hub is None:
        return None
    return session.scalar(
        select(Nation.code).join(Site, Site.nation_id == Nation.id).where(Site.code == hub)
    )


def ensure_demo_users(session: Session) -> list[DemoLogin]:
    """Create the demo users that are missing; report every one with its demo password."""
    out: list[DemoLogin] = []
    for demo in DEMO_USERS:
        scope = demo.hub or demo.nation
        login = DemoLogin(demo.username, demo.password, demo.role, scope, "present")
        if session.scalar(select(User.id).where(User.username == demo.username)) is None:
            data = UserCreate(
                username=demo.username,
                display_name=demo.display_name,
                role=demo.role,
                nation=demo.nation,
                hub=demo.hub,
                organisation_id=_ministry(
                    session, demo.nation or _nation_of_hub(session, demo.hub)
                ),
                password=SecretStr(demo.password),
            )
            try:
                identity_service.create_user(session, data)
            except InvalidInput as exc:
                login = DemoLogin(
                    demo.username, demo.password, demo.role, scope, "skipped", exc.detail
                )
            else:
                login = DemoLogin(demo.username, demo.password, demo.role, scope, "created")
        out.append(login)
    return out
