"""``nsatu db``: migrations."""

from __future__ import annotations

import typer

from nsatu.cli.common import JsonOpt, print_json, settings

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head"), as_json: bool = JsonOpt) -> None:
    """Apply the migrations up to REVISION (default: the newest)."""
    from nsatu.db import migrate
    from nsatu.db.session import make_engine

    url = settings().database_url
    migrate.upgrade(url, revision)
    engine = make_engine(url)
    current = migrate.current_revision(engine)
    engine.dispose()
    if as_json:
        print_json({"database": _safe(url), "revision": current})
    else:
        typer.echo(f"{_safe(url)} is at revision {current}")


@app.command("current")
def current(as_json: bool = JsonOpt) -> None:
    """Show the database's migration revision."""
    from nsatu.db import migrate
    from nsatu.db.session import make_engine

    url = settings().database_url
    engine = make_engine(url)
    rev = migrate.current_revision(engine)
    engine.dispose()
    if as_json:
        print_json({"database": _safe(url), "revision": rev})
    else:
        typer.echo(f"{_safe(url)} is at revision {rev or '(none)'}")


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
