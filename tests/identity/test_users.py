"""Users and their scope: a role fits its nation or hub, usernames are unique, roles change; on
every backend."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy.orm import Session

from nsatu.core.access import Channel, Role
from nsatu.core.enums import OrganisationKind, SiteKind
from nsatu.db.models import Organisation
from nsatu.errors import InvalidInput
from nsatu.identity import service as identity_service
from nsatu.identity.errors import UsernameTaken, UserNotFound
from nsatu.identity.schemas import UserCreate, UserScope
from tests.factories import make_nation, make_site


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    donor = make_nation(session, code="QDE", is_donor=True, is_host=True)
    recipient = make_nation(session, code="QUA", is_donor=False, is_recipient=True)
    plain = make_nation(session, code="QNO", is_donor=True)
    hub = make_site(session, nation=plain, code="HUB-QX", kind=SiteKind.HUB)
    depot = make_site(session, nation=plain, code="DEP-QX", kind=SiteKind.DEPOT)
    ministry = Organisation(name="MoD QDE", kind=OrganisationKind.MINISTRY, nation_id=donor.id)
    session.add(ministry)
    session.flush()
    return {"donor": donor, "recipient": recipient, "plain": plain, "hub": hub, "depot": depot,
            "ministry": ministry}  # fmt: skip


def create(session: Session, **kw: Any) -> Any:
    return identity_service.create_user(session, UserCreate(**({"username": "u1"} | kw)))


def test_nation_roles_need_a_nation_of_the_right_kind(
    session: Session, world: dict[str, Any]
) -> None:
    liaison = create(session, username="liaison", role=Role.DONOR_LIAISON, nation="qde")
    assert liaison.nation_id == world["donor"].id and liaison.site_id is None
    planner = create(session, username="planner", role=Role.RECIPIENT_PLANNER, nation="QUA")
    assert planner.nation_id == world["recipient"].id
    trainer = create(session, username="trainer", role=Role.TRAINING_COORDINATOR, nation="QDE")
    assert trainer.nation_id == world["donor"].id

    refusals = [
        ({"role": Role.DONOR_LIAISON}, "nation", "belongs to a nation"),
        ({"role": Role.DONOR_LIAISON, "nation": "QUA"}, "nation", "donor nation"),
        ({"role": Role.RECIPIENT_PLANNER, "nation": "QDE"}, "nation", "recipient nation"),
        ({"role": Role.TRAINING_COORDINATOR, "nation": "QNO"}, "nation", "host nation"),
        ({"role": Role.DONOR_LIAISON, "nation": "ZZZ"}, "nation", "no nation with code ZZZ"),
        ({"role": Role.HUB_OPERATOR}, "hub", "needs the code of its hub"),
        ({"role": Role.HUB_OPERATOR, "hub": "DEP-QX"}, "hub", "no hub with code DEP-QX"),
        ({"role": Role.HUB_OPERATOR, "hub": "HUB-QX", "nation": "QDE"}, "nation", "another"),
        ({"role": Role.COORDINATOR, "hub": "HUB-QX"}, "hub", "only a hub operator"),
        ({"role": Role.DONOR_LIAISON, "nation": "QNO", "organisation_id": world["ministry"].id},
         "organisation_id", "another nation"),
        ({"role": Role.AUDITOR, "organisation_id": 999_999}, "organisation_id", "no organisation"),
    ]  # fmt: skip
    for fields, field, message in refusals:
        with pytest.raises(InvalidInput) as exc:
            create(session, username="refused", **fields)
        assert exc.value.field == field, fields
        assert message in exc.value.detail, (fields, exc.value.detail)


def test_a_hub_operator_belongs_to_its_hub_and_the_hubs_nation(
    session: Session, world: dict[str, Any]
) -> None:
    op = create(session, username="op", role=Role.HUB_OPERATOR, hub="HUB-QX")
    assert op.site_id == world["hub"].id and op.nation_id == world["plain"].id
    actor = identity_service.actor_for(op, Channel.WEB)
    assert (actor.role, actor.site_id, actor.user_id, actor.channel) == (
        Role.HUB_OPERATOR, world["hub"].id, op.id, Channel.WEB,
    )  # fmt: skip


def test_a_coordinator_takes_the_nation_of_its_organisation(
    session: Session, world: dict[str, Any]
) -> None:
    coord = create(session, username="coord", role=Role.COORDINATOR,
                   organisation_id=world["ministry"].id)  # fmt: skip
    assert coord.nation_id == world["donor"].id
    assert create(session, username="free", role=Role.AUDITOR).nation_id is None


def test_usernames_are_lower_case_and_unique(session: Session, world: dict[str, Any]) -> None:
    user = create(session, username="Alice.Smith", role=Role.AUDITOR)
    assert user.username == "alice.smith" and user.display_name == "alice.smith"
    with pytest.raises(UsernameTaken):
        create(session, username="ALICE.SMITH", role=Role.AUDITOR)


@pytest.mark.parametrize(
    "fields",
    [
        {"username": "x", "role": "auditor"},  # too short
        {"username": "has space", "role": "auditor"},
        {"username": "ok-name", "role": "public"},
        {"username": "ok-name", "role": "king"},
        {"username": "ok-name", "role": "auditor", "password": "short"},
        {"username": "ok-name", "role": "auditor", "is_active": False},  # not settable here
    ],
)
def test_invalid_input_is_refused_by_the_schema(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        UserCreate(**fields)


def test_set_role_moves_the_user_and_checks_the_new_scope(
    session: Session, world: dict[str, Any]
) -> None:
    user = create(session, username="mover", role=Role.DONOR_LIAISON, nation="QDE",
                  organisation_id=world["ministry"].id)  # fmt: skip
    identity_service.set_role(
        session, "mover", UserScope(role=Role.TRAINING_COORDINATOR, nation="QDE")
    )
    assert user.role is Role.TRAINING_COORDINATOR and user.organisation_id == world["ministry"].id
    with pytest.raises(InvalidInput) as exc:
        identity_service.set_role(session, "mover", UserScope(role=Role.HUB_OPERATOR, hub="HUB-QX"))
    assert exc.value.field == "organisation_id"  # the ministry is of another nation
    assert user.role is Role.TRAINING_COORDINATOR
    identity_service.set_role(session, "mover", UserScope(role=Role.COORDINATOR))
    assert user.role is Role.COORDINATOR and user.site_id is None
    with pytest.raises(UserNotFound):
        identity_service.set_role(session, "ghost", UserScope(role=Role.COORDINATOR))


def test_list_and_read_show_codes_and_never_the_hash(
    session: Session, world: dict[str, Any]
) -> None:
    create(session, username="op", role=Role.HUB_OPERATOR, hub="HUB-QX",
           password=SecretStr("a long enough password"))  # fmt: skip
    create(session, username="planner", role=Role.RECIPIENT_PLANNER, nation="QUA")
    reads = {u.username: u for u in identity_service.list_users(session)}
    assert reads["op"].site_code == "HUB-QX" and reads["op"].nation_code == "QNO"
    assert reads["op"].has_password and not reads["planner"].has_password
    assert reads["planner"].nation_code == "QUA"
    assert "password_hash" not in reads["op"].model_dump()
