"""``nsatu hubs``: hub operations and alerts.

``utilisation`` prints a hub's throughput per day (tonnes arriving, planned and actual, against
its capacity; departures; backlog; mean dwell); ``alerts`` the hubs over capacity and the
consignments behind their plan. Both run as the CLI's system actor, so they see everything.
"""

from __future__ import annotations

import datetime as dt

import typer

from nsatu.cli.common import (
    EXIT_USER_ERROR,
    JsonOpt,
    fail,
    print_json,
    print_table,
    settings,
    unit_of_work,
)

app = typer.Typer(help="Hub operations: utilisation against capacity, backlog, dwell; alerts.")


def _day(value: str | None, option: str, default: dt.date, as_json: bool) -> dt.date:
    if value is None:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(
            f"{option}: {value!r} is not a date (YYYY-MM-DD)", code=EXIT_USER_ERROR, as_json=as_json
        )


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@app.command("utilisation")
def utilisation_command(
    hub: str = typer.Option(..., "--hub", help="The hub's code, UN/LOCODE or id."),
    start: str | None = typer.Option(
        None, "--from", help="First day, YYYY-MM-DD (default: 13 days before --to)."
    ),
    end: str | None = typer.Option(
        None, "--to", help="Last day, YYYY-MM-DD (default: today, UTC)."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Per day: tonnes arriving (planned, actual) against capacity, departures, backlog, dwell.

    Throughput is what arrives at the hub, by the mode of the leg it arrives on: planned from the
    legs' planned arrival dates and weights, actual from the arrival scans. A day over capacity
    (in total or for one mode) is marked. Backlog: consignments arrived and not yet departed at
    the end of the day. Dwell: hours from arrival to departure of the day's departures.
    """
    from nsatu.logistics import hub_ops
    from nsatu.logistics.hub_schemas import UtilisationRead

    last = _day(end, "--to", _today(), as_json)
    first = _day(start, "--from", last - dt.timedelta(days=13), as_json)
    key: int | str = int(hub) if hub.isdigit() else hub
    with unit_of_work() as session:
        result = UtilisationRead.of(hub_ops.hub_utilisation(session, key, start=first, end=last))
    if as_json:
        print_json(result.model_dump(mode="json"))
        return

    def cap(value: object) -> str:
        return "—" if value is None else str(value)

    print_table(
        f"{result.hub_code} {result.hub_name}: {result.start} to {result.end}",
        (
            "day",
            "planned in t",
            "actual in t",
            "capacity t",
            "over",
            "planned out t",
            "actual out t",
            "backlog",
            "backlog t",
            "mean dwell h",
        ),
        [
            (
                d.on,
                d.total.planned_in_t,
                d.total.actual_in_t,
                cap(d.total.capacity_t),
                ", ".join(m for m, f in d.modes.items() if f.over_capacity)
                or ("total" if d.over_capacity else ""),
                d.total.planned_out_t,
                d.total.actual_out_t,
                d.backlog,
                d.backlog_t,
                "" if d.mean_dwell_hours is None else f"{d.mean_dwell_hours:.1f}",
            )
            for d in result.days
        ],
    )
    if result.unweighed_legs:
        typer.echo(f"{result.unweighed_legs} legs through the hub have no weight (counted as 0 t)")


@app.command("alerts")
def alerts_command(
    on: str | None = typer.Option(None, "--on", help="Judge as of this day (default: today, UTC)."),
    as_json: bool = JsonOpt,
) -> None:
    """Hubs over capacity (actual, or planned on coming days) and consignments behind their plan
    by more than NSATU_ALERT_LATE_AFTER_DAYS days."""
    from nsatu.logistics import hub_ops
    from nsatu.logistics.hub_schemas import AlertRead

    today = _day(on, "--on", _today(), as_json)
    config = settings()
    with unit_of_work() as session:
        found = [
            AlertRead.of(a)
            for a in hub_ops.alerts(
                session,
                today=today,
                late_after_days=config.alert_late_after_days,
                window_days=config.alert_window_days,
            )
        ]
    if as_json:
        print_json([a.model_dump(mode="json") for a in found])
        return
    print_table(
        f"Alerts on {today} ({len(found)})",
        ("severity", "kind", "message"),
        [(a.severity, a.kind, a.message) for a in found],
    )
