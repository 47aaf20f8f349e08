"""Every lifecycle of the system as one explicit transition table.

Each table maps an *action* (the verb a user or the system performs, e.g. ``submit``) to the states it
may be taken from and the state it leads to. Every state change in the application goes through
:meth:`Lifecycle.apply`, so the tables here are the single source of truth: the API's action endpoints,
the web buttons and the CLI are all generated from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from nsatu.errors import IllegalTransitionError

S = TypeVar("S", bound=StrEnum)


@dataclass(frozen=True)
class Action(Generic[S]):
    """One verb of a lifecycle: the states it may start from and the state it leads to."""

    name: str
    sources: frozenset[S]
    target: S
    label: str = ""
    #: ``False`` for a move that only a recorded fact makes (a consignment departs when a tracking
    #: event says so): no route, button or command offers it, and :meth:`Lifecycle.apply` refuses
    #: it unless the caller says it replays such facts.
    manual: bool = True


@dataclass(frozen=True)
class Lifecycle(Generic[S]):
    """A finite state machine over the states of ``states``.

    Parameters:
        name: what the lifecycle governs (used in messages).
        states: the ``StrEnum`` of states.
        initial: the state a new record starts in.
        actions: the verbs; no two actions may share a name.
    """

    name: str
    states: type[S]
    initial: S
    actions: tuple[Action[S], ...]
    _by_name: Mapping[str, Action[S]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, Action[S]] = {}
        for action in self.actions:
            if action.name in by_name:
                raise ValueError(f"{self.name}: duplicate action {action.name!r}")
            if action.target in action.sources:
                raise ValueError(f"{self.name}: action {action.name!r} loops on {action.target}")
            by_name[action.name] = action
        object.__setattr__(self, "_by_name", MappingProxyType(by_name))

    @property
    def action_names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def action(self, name: str) -> Action[S]:
        """Return the action called ``name``.

        Raises:
            KeyError: the lifecycle has no such action.
        """
        return self._by_name[name]

    def allowed_actions(self, state: S) -> tuple[str, ...]:
        """Names of the actions that may be taken from ``state``, in table order."""
        return tuple(a.name for a in self.actions if state in a.sources)

    @property
    def manual_actions(self) -> tuple[Action[S], ...]:
        """The actions a user may take by hand (the others follow recorded events)."""
        return tuple(a for a in self.actions if a.manual)

    def next_states(self, state: S) -> tuple[S, ...]:
        """The states reachable in one step from ``state``, in table order, without repeats."""
        seen: dict[S, None] = {}
        for a in self.actions:
            if state in a.sources:
                seen.setdefault(a.target)
        return tuple(seen)

    def is_terminal(self, state: S) -> bool:
        return not self.allowed_actions(state)

    def apply(self, state: S, action: str, *, by_event: bool = False) -> S:
        """Return the state that ``action`` leads to from ``state``.

        ``by_event`` is set by code replaying recorded events; without it an action that only an
        event makes (``manual=False``) is refused like an unknown one.

        Raises:
            IllegalTransitionError: the action is unknown, not allowed from ``state``, or made only
                by events. The error lists the actions and next states that *are* allowed, so the
                caller can show them.
        """
        act = self._by_name.get(action)
        if act is not None and state in act.sources and (act.manual or by_event):
            return act.target
        # Refused: say why, and what is allowed instead.
        allowed = self.allowed_actions(state)
        nexts = ", ".join(f"{a} → {self._by_name[a].target}" for a in allowed) or "none"
        if act is None:
            reason = "is not an action"
        elif state in act.sources:
            reason = "is recorded by events only"
        else:
            reason = f"is not allowed from {state}"
        raise IllegalTransitionError(
            f"{self.name}: {action!r} {reason}. Allowed from {state}: {nexts}.",
            state=str(state),
            action=action,
            allowed=[str(s) for s in self.next_states(state)],
        )


def _a(name: str, sources: set[S], target: S, label: str = "", *, manual: bool = True) -> Action[S]:
    return Action(
        name=name,
        sources=frozenset(sources),
        target=target,
        label=label or name.title(),
        manual=manual,
    )


# --- Requirement (need) ------------------------------------------------------------------------


class RequirementStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    VALIDATED = "validated"
    APPROVED = "approved"
    PUBLISHED = "published"
    PARTIALLY_COVERED = "partially_covered"
    COVERED = "covered"
    CLOSED = "closed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


_R = RequirementStatus
REQUIREMENT = Lifecycle(
    name="requirement",
    states=RequirementStatus,
    initial=_R.DRAFT,
    actions=(
        _a("submit", {_R.DRAFT}, _R.SUBMITTED),
        _a("validate", {_R.SUBMITTED}, _R.VALIDATED),
        _a("approve", {_R.VALIDATED}, _R.APPROVED),
        _a("publish", {_R.APPROVED}, _R.PUBLISHED),
        _a("return", {_R.SUBMITTED, _R.VALIDATED}, _R.DRAFT, "Return to draft"),
        _a(
            "cover_partially", {_R.PUBLISHED, _R.COVERED}, _R.PARTIALLY_COVERED, "Partially covered"
        ),
        _a("cover", {_R.PUBLISHED, _R.PARTIALLY_COVERED}, _R.COVERED, "Covered"),
        _a("uncover", {_R.PARTIALLY_COVERED}, _R.PUBLISHED, "Back to published"),
        _a("close", {_R.COVERED, _R.PARTIALLY_COVERED}, _R.CLOSED),
        _a("reject", {_R.SUBMITTED, _R.VALIDATED, _R.APPROVED}, _R.REJECTED),
        _a(
            "cancel",
            {_R.DRAFT, _R.SUBMITTED, _R.VALIDATED, _R.APPROVED, _R.PUBLISHED, _R.PARTIALLY_COVERED},
            _R.CANCELLED,
        ),
    ),
)


# --- Offer / pledge line -----------------------------------------------------------------------


class OfferStage(StrEnum):
    ANNOUNCED = "announced"
    COMMITTED = "committed"
    ALLOCATED = "allocated"
    CONTRACTED = "contracted"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    WITHDRAWN = "withdrawn"


_O = OfferStage
OFFER = Lifecycle(
    name="offer",
    states=OfferStage,
    initial=_O.ANNOUNCED,
    actions=(
        _a("commit", {_O.ANNOUNCED}, _O.COMMITTED),
        _a("allocate", {_O.COMMITTED}, _O.ALLOCATED),
        _a("contract", {_O.ALLOCATED}, _O.CONTRACTED),
        # Equipment from stock needs no contract: it ships straight from allocation.
        _a("ship", {_O.ALLOCATED, _O.CONTRACTED}, _O.SHIPPED),
        _a("deliver", {_O.SHIPPED}, _O.DELIVERED),
        _a("withdraw", {_O.ANNOUNCED, _O.COMMITTED, _O.ALLOCATED, _O.CONTRACTED}, _O.WITHDRAWN),
    ),
)

# Stages whose value counts as "committed" in reporting (announced is not yet a commitment).
COMMITTED_STAGES = frozenset({_O.COMMITTED, _O.ALLOCATED, _O.CONTRACTED, _O.SHIPPED, _O.DELIVERED})


# --- Allocation ----------------------------------------------------------------------------------


class AllocationStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


_A = AllocationStatus
ALLOCATION = Lifecycle(
    name="allocation",
    states=AllocationStatus,
    initial=_A.PROPOSED,
    actions=(
        _a("accept", {_A.PROPOSED}, _A.ACCEPTED),
        _a("reject", {_A.PROPOSED, _A.ACCEPTED}, _A.REJECTED),
    ),
)


# --- Plan run ------------------------------------------------------------------------------------


class PlanRunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


_P = PlanRunStatus
#: A run is written by its job only: claimed (``start``), then stored once (``finish`` or
#: ``fail``). Finished and failed runs are immutable (``nsatu.planning.runs``).
PLAN_RUN = Lifecycle(
    name="plan run",
    states=PlanRunStatus,
    initial=_P.QUEUED,
    actions=(
        _a("start", {_P.QUEUED}, _P.RUNNING),
        _a("finish", {_P.RUNNING}, _P.FINISHED),
        _a("fail", {_P.QUEUED, _P.RUNNING}, _P.FAILED),
    ),
)


# --- Consignment -----------------------------------------------------------------------------------


class ConsignmentStatus(StrEnum):
    CREATED = "created"
    READY = "ready"
    IN_TRANSIT = "in_transit"
    AT_HUB = "at_hub"
    HANDED_OVER = "handed_over"
    RECEIVED = "received"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    RETURNING = "returning"
    LOST = "lost"


_C = ConsignmentStatus
#: A consignment is prepared and closed by hand; in between it moves only by tracking events
#: (``manual=False``), replayed in time order by :mod:`nsatu.core.custody`.
CONSIGNMENT = Lifecycle(
    name="consignment",
    states=ConsignmentStatus,
    initial=_C.CREATED,
    actions=(
        _a("ready", {_C.CREATED}, _C.READY, "Ready to load"),
        _a("depart", {_C.READY}, _C.IN_TRANSIT, "Departed", manual=False),
        _a("arrive_hub", {_C.IN_TRANSIT}, _C.AT_HUB, "Arrived at hub", manual=False),
        _a("depart_hub", {_C.AT_HUB}, _C.IN_TRANSIT, "Departed hub", manual=False),
        _a("hand_over", {_C.IN_TRANSIT, _C.AT_HUB}, _C.HANDED_OVER, "Handed over", manual=False),
        _a("receive", {_C.HANDED_OVER}, _C.RECEIVED, "Received", manual=False),
        _a("lose", {_C.IN_TRANSIT, _C.AT_HUB, _C.RETURNING}, _C.LOST, "Lost", manual=False),
        _a("return", {_C.IN_TRANSIT, _C.AT_HUB}, _C.RETURNING, "Turn back"),
        _a("close", {_C.RECEIVED, _C.RETURNING, _C.LOST}, _C.CLOSED),
        _a("cancel", {_C.CREATED, _C.READY}, _C.CANCELLED),
    ),
)


# --- Proof of delivery and discrepancies ------------------------------------------------------


class ReceiptStatus(StrEnum):
    RECORDED = "recorded"
    VERIFIED = "verified"


_RC = ReceiptStatus
#: Delivered is not verified: a receipt is recorded, then verified by someone else
#: (:func:`nsatu.core.access.may_verify_receipt`); only a recorded receipt may be corrected.
RECEIPT = Lifecycle(
    name="receipt",
    states=ReceiptStatus,
    initial=_RC.RECORDED,
    actions=(_a("verify", {_RC.RECORDED}, _RC.VERIFIED),),
)


class DiscrepancyStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


_D = DiscrepancyStatus
DISCREPANCY = Lifecycle(
    name="discrepancy report",
    states=DiscrepancyStatus,
    initial=_D.OPEN,
    actions=(_a("close", {_D.OPEN}, _D.CLOSED, "Close (resolved)"),),
)


# --- Training ------------------------------------------------------------------------------------


class TrainingEventStatus(StrEnum):
    PLANNED = "planned"
    OPEN = "open"
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


_T = TrainingEventStatus
TRAINING_EVENT = Lifecycle(
    name="training event",
    states=TrainingEventStatus,
    initial=_T.PLANNED,
    actions=(
        _a("open", {_T.PLANNED}, _T.OPEN, "Open for seats"),
        _a("start", {_T.OPEN}, _T.RUNNING),
        _a("complete", {_T.RUNNING}, _T.COMPLETED),
        _a("cancel", {_T.PLANNED, _T.OPEN}, _T.CANCELLED),
    ),
)


class SeatRequestStatus(StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    ATTENDED = "attended"
    CANCELLED = "cancelled"


_Q = SeatRequestStatus
SEAT_REQUEST = Lifecycle(
    name="seat request",
    states=SeatRequestStatus,
    initial=_Q.REQUESTED,
    actions=(
        _a("confirm", {_Q.REQUESTED}, _Q.CONFIRMED),
        _a("decline", {_Q.REQUESTED}, _Q.DECLINED),
        _a("attend", {_Q.CONFIRMED}, _Q.ATTENDED, "Mark attended"),
        _a("cancel", {_Q.REQUESTED, _Q.CONFIRMED}, _Q.CANCELLED),
    ),
)


class ParticipantStatus(StrEnum):
    NOMINATED = "nominated"
    ACCEPTED = "accepted"
    ATTENDED = "attended"
    COMPLETED = "completed"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"


_N = ParticipantStatus
#: One person (by pseudonymous reference) on a training event: nominated by the recipient,
#: accepted by the host, attending, then completed or failed; withdrawn at any point before a result.
PARTICIPANT = Lifecycle(
    name="participant",
    states=ParticipantStatus,
    initial=_N.NOMINATED,
    actions=(
        _a("accept", {_N.NOMINATED}, _N.ACCEPTED),
        _a("attend", {_N.ACCEPTED}, _N.ATTENDED, "Mark attended"),
        _a("complete", {_N.ATTENDED}, _N.COMPLETED, "Passed"),
        _a("fail", {_N.ATTENDED}, _N.FAILED, "Failed"),
        _a("withdraw", {_N.NOMINATED, _N.ACCEPTED, _N.ATTENDED}, _N.WITHDRAWN),
    ),
)

ALL: tuple[Lifecycle[Any], ...] = (
    REQUIREMENT,
    OFFER,
    ALLOCATION,
    PLAN_RUN,
    CONSIGNMENT,
    RECEIPT,
    DISCREPANCY,
    TRAINING_EVENT,
    SEAT_REQUEST,
    PARTICIPANT,
)
