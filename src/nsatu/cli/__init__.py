"""The ``nsatu`` command line. Every command takes ``--json``; heavy modules are imported inside the
commands so that ``--help`` stays fast."""

from __future__ import annotations

import typer

from nsatu.cli import (
    audit_cmds,
    consignment_cmds,
    data_cmds,
    db_cmds,
    delivery_cmds,
    demo_cmds,
    events_cmds,
    hub_cmds,
    offer_cmds,
    plan_cmds,
    plan_db_cmds,
    plan_scenario_cmds,
    report_cmds,
    serve_cmd,
    training_cmds,
    training_plan_cmds,
    user_cmds,
)
from nsatu.cli.common import state

app = typer.Typer(
    name="nsatu",
    help="nsatu: coordination of multinational security assistance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main_callback(
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        envvar="NSATU_DATABASE_URL",
        help="SQLAlchemy URL (default: the SQLite file under ./var/).",
        show_default=False,
    ),
) -> None:
    """Settings come from NSATU_* environment variables; --database-url overrides the URL."""
    state.database_url = database_url


app.add_typer(db_cmds.app, name="db")
app.add_typer(demo_cmds.app, name="demo")
app.add_typer(audit_cmds.app, name="audit")
app.add_typer(events_cmds.app, name="events")
app.add_typer(consignment_cmds.app, name="consignments")
app.add_typer(hub_cmds.app, name="hubs")
app.add_typer(delivery_cmds.receipts_app, name="receipts")
app.add_typer(delivery_cmds.ledger_app, name="ledger")
app.add_typer(delivery_cmds.serials_app, name="serials")
app.add_typer(delivery_cmds.accountability_app, name="accountability")
plan_db_cmds.register(plan_cmds.app)
plan_scenario_cmds.register(plan_cmds.app)
app.add_typer(plan_cmds.app, name="plan")
training_plan_cmds.register(training_cmds.app)
app.add_typer(training_cmds.app, name="training")
app.add_typer(report_cmds.app, name="report")
app.add_typer(offer_cmds.app, name="offers")
app.add_typer(user_cmds.user_app, name="user")
app.add_typer(user_cmds.token_app, name="token")
serve_cmd.register(app)
data_cmds.register(app)


def main() -> None:
    app()
