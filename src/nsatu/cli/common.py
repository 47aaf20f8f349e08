"""What every command shares: settings, the transaction boundary, output in tables or JSON, and
exit codes (2 for a user error, 1 for a failure)."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from nsatu.core.access import Actor, Channel, system_actor
from nsatu.errors import InvalidInput, NotFound, NsatuError
from nsatu.settings import Settings

console = Console()
err_console = Console(stderr=True)

JsonOpt = typer.Option(False, "--json", help="Print machine-readable JSON instead of a table.")

EXIT_FAILURE = 1
EXIT_USER_ERROR = 2


@dataclass
class _State:
    database_url: str | None = None


state = _State()


def settings() -> Settings:
    s = Settings()
    if state.database_url:
        s = s.model_copy(update={"database_url": state.database_url})
    return s


def cli_actor(channel: Channel = Channel.CLI) -> Actor:
    """Commands run on the server with full rights, recorded under the operating-system user."""
    return system_actor(f"cli:{getpass.getuser()}", channel)


@contextmanager
def unit_of_work(channel: Channel = Channel.CLI) -> Iterator[Session]:
    """One transaction for the command; business errors exit with a message, not a traceback.
    ``channel`` is where the audit trail says the changes came from (``import`` for imports)."""
    from nsatu.db.scoping import set_actor
    from nsatu.db.session import make_engine, make_session_factory, transaction

    engine = make_engine(settings().database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            set_actor(session, cli_actor(channel))
            yield session
    except NsatuError as exc:
        fail(
            exc.detail,
            code=EXIT_USER_ERROR if isinstance(exc, InvalidInput | NotFound) else EXIT_FAILURE,
        )
    finally:
        engine.dispose()


def _default(o: Any) -> Any:
    if isinstance(o, Decimal):
        return str(o)
    if hasattr(o, "isoformat"):
        return o.isoformat()
    raise TypeError(f"cannot serialise {type(o).__name__}")


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, default=_default, indent=2, ensure_ascii=False))


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title)
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(*("" if v is None else str(v) for v in r))
    console.print(table)


def fail(message: str, *, code: int = EXIT_FAILURE, as_json: bool = False) -> NoReturn:
    if as_json:
        print_json({"error": message})
    else:
        err_console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)
