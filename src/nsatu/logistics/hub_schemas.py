"""Schemas of hub operations (utilisation per day and mode) and of alerts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from nsatu.core import hub_ops as core
from nsatu.core.enums import TransportMode
from nsatu.logistics.hub_ops import Alert, HubUtilisation


class AlertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    severity: str
    message: str
    hub_id: int | None
    hub_code: str | None
    on: dt.date | None
    consignment_id: int | None
    consignment_reference: str | None
    days_late: int | None

    @classmethod
    def of(cls, alert: Alert) -> AlertRead:
        return cls.model_validate(alert)


class ModeDayRead(BaseModel):
    planned_in_t: Decimal
    actual_in_t: Decimal
    planned_out_t: Decimal
    actual_out_t: Decimal
    capacity_t: Decimal | None
    over_capacity: bool


class DayRead(BaseModel):
    on: dt.date
    total: ModeDayRead
    modes: dict[TransportMode, ModeDayRead]
    over_capacity: bool
    backlog: int
    backlog_t: Decimal
    departures: int
    mean_dwell_hours: float | None


class UtilisationRead(BaseModel):
    hub_id: int
    hub_code: str
    hub_name: str
    start: dt.date
    end: dt.date
    unweighed_legs: int
    days: list[DayRead]

    @classmethod
    def of(cls, u: HubUtilisation) -> UtilisationRead:
        def mode_day(m: core.ModeDay) -> ModeDayRead:
            return ModeDayRead(
                planned_in_t=m.planned_in_t,
                actual_in_t=m.actual_in_t,
                planned_out_t=m.planned_out_t,
                actual_out_t=m.actual_out_t,
                capacity_t=m.capacity_t,
                over_capacity=m.over_capacity,
            )

        return cls(
            hub_id=u.hub.id,
            hub_code=u.hub.code,
            hub_name=u.hub.name,
            start=u.start,
            end=u.end,
            unweighed_legs=u.figures.unweighed,
            days=[
                DayRead(
                    on=d.on,
                    total=mode_day(d.total),
                    modes={mode: mode_day(m) for mode, m in d.modes.items()},
                    over_capacity=d.over_capacity,
                    backlog=d.backlog,
                    backlog_t=d.backlog_t,
                    departures=d.departures,
                    mean_dwell_hours=d.mean_dwell_hours,
                )
                for d in u.figures.days
            ],
        )
