"""``nsatu demo``: the demonstration data (real Kiel pledges, synthetic needs)."""

from __future__ import annotations

import dataclasses
import time

import typer

from nsatu.cli.common import JsonOpt, print_json, print_table, unit_of_work

app = typer.Typer(help="Demonstration data.", no_args_is_help=True)


@app.command("load")
def load(
    if_empty: bool = typer.Option(
        False, "--if-empty", help="Do nothing when data is already loaded."
    ),
    execution: bool = typer.Option(
        True,
        "--execution/--no-execution",
        help="Also make SYNTHETIC accepted allocations and consignments in every state, with "
        "tracking events dated around today (hub boards, utilisation, alerts), and SYNTHETIC "
        "training (host nations' courses, events, seat requests, participants, crew "
        "requirements, capability packages) for the readiness board.",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Load real pledge lines (Kiel Ukraine Support Tracker), reference data and SYNTHETIC needs;
    and, unless --no-execution, SYNTHETIC allocations, consignments and their tracking events,
    and SYNTHETIC training and capability packages."""
    import datetime as dt

    from nsatu.demo import execution as demo_execution
    from nsatu.demo import service as demo_service
    from nsatu.demo import training as demo_training

    started = time.perf_counter()
    with unit_of_work() as session:
        if if_empty and not demo_service.is_empty(session):
            if as_json:
                print_json({"loaded": False, "reason": "database already holds data"})
            else:
                typer.echo("Demo data already present; nothing loaded.")
            return
        report = demo_service.load_demo(session)
        counts = dataclasses.asdict(report)
        if execution:
            today = dt.datetime.now(dt.UTC).date()
            made = demo_execution.load_execution(session, today=today)
            counts |= {
                "allocations": made.allocations,
                "consignments": made.consignments,
                "tracking_events": made.events,
                "receipts": made.receipts,
            }
            # Training and readiness build on the accepted allocations and their consignments.
            counts |= dataclasses.asdict(demo_training.load_training(session, today=today))
    if as_json:
        print_json({"loaded": True, "seconds": round(time.perf_counter() - started, 2), **counts})
    else:
        print_table("Demo data loaded", ["what", "rows"], sorted(counts.items()))


@app.command("users")
def users(as_json: bool = JsonOpt) -> None:
    """Create one demo user per role (those missing) and print their logins. DEMO ONLY: the
    passwords are public; never run this on a server that holds real data."""
    from nsatu.demo.users import ensure_demo_users

    with unit_of_work() as session:
        logins = ensure_demo_users(session)
    if as_json:
        print_json([dataclasses.asdict(login) for login in logins])
        return
    rows = [
        (login.username, login.password, login.role, login.scope or "", login.note or login.status)
        for login in logins
    ]
    print_table("Demo logins", ["username", "password", "role", "nation/hub", "status"], rows)
    typer.secho(
        "DEMO ONLY: these passwords are published in the source. Never use them with real data.",
        fg=typer.colors.YELLOW,
        bold=True,
    )
