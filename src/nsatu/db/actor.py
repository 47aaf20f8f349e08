"""The actor of a unit of work, carried on its session.

The entry points set it (the web to the signed-in user, public by default; the CLI to a named system
actor); the need-to-know scoping (:mod:`nsatu.db.scoping`), the write checks (:mod:`nsatu.db.crud`)
and the donor disclosure of offer lines read it. A session without an actor is in-process code
(migrations, the demo loader, benchmarks): it is neither scoped nor checked.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from nsatu.core.access import Actor

ACTOR_KEY = "actor"


def actor_of(session: Session | None) -> Actor | None:
    if session is None:
        return None
    actor = session.info.get(ACTOR_KEY)
    return actor if isinstance(actor, Actor) else None


def set_actor(session: Session, actor: Actor | None) -> None:
    if actor is None:
        session.info.pop(ACTOR_KEY, None)
    else:
        session.info[ACTOR_KEY] = actor
