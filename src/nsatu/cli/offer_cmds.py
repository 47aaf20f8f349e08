"""``nsatu offers``: offer lines from the command line; for now their alternative valuations.

``nsatu offers valuations set REF --basis net_book_value --amount … --currency … --rate …``
records (or replaces) a line's valuation on another basis than its own, so that the ``pipeline``
report sets them side by side; ``nsatu offers valuations list REF`` shows them.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import typer

from nsatu.cli.common import EXIT_USER_ERROR, JsonOpt, fail, print_json, print_table, unit_of_work
from nsatu.core.enums import ValuationBasis

app = typer.Typer(help="Offer lines: alternative valuations.", no_args_is_help=True)
valuations_app = typer.Typer(
    help="Alternative valuations of an offer line (replacement cost beside net book value …).",
    no_args_is_help=True,
)
app.add_typer(valuations_app, name="valuations")

RefArg = typer.Argument(
    ..., help="The offer line's reference (e.g. a Kiel ID).", show_default=False
)
DonorOpt = typer.Option(
    None, "--donor", help="The donor's ISO3 code, when several donors use the reference."
)


def _decimal(value: str, option: str, as_json: bool) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        fail(f"{option}: {value!r} is not a number", code=EXIT_USER_ERROR, as_json=as_json)


@valuations_app.command("set")
def set_command(
    reference: str = RefArg,
    basis: ValuationBasis = typer.Option(..., "--basis", help="The valuation basis."),
    amount: str = typer.Option(..., "--amount", help="The amount, in --currency."),
    currency: str = typer.Option(..., "--currency", help="ISO 4217 code, e.g. USD."),
    rate: str = typer.Option("1", "--rate", help="Units of the currency per 1 EUR (1 for EUR)."),
    note: str | None = typer.Option(None, "--note", help="Where the value comes from."),
    donor: str | None = DonorOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Record (or replace) the valuation of an offer line on BASIS."""
    from pydantic import ValidationError

    from nsatu.offers import valuations
    from nsatu.offers.valuation_schemas import ValuationCreate

    try:
        data = ValuationCreate(
            basis=basis,
            amount=_decimal(amount, "--amount", as_json),
            currency=currency.upper(),
            rate=_decimal(rate, "--rate", as_json),
            note=note,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "valuation"
        fail(f"--{where}: {first['msg']}", code=EXIT_USER_ERROR, as_json=as_json)
    with unit_of_work() as session:
        line = valuations.find_line(session, reference, donor)
        result = valuations.read(valuations.record_valuation(session, line.id, data))
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    typer.echo(
        f"{reference}: {result.basis.value} {result.amount} {result.currency} "
        f"= {result.amount_eur} EUR"
    )


@valuations_app.command("list")
def list_command(
    reference: str = RefArg, donor: str | None = DonorOpt, as_json: bool = JsonOpt
) -> None:
    """The line's own valuation and its alternatives, in EUR."""
    from nsatu.offers import valuations

    with unit_of_work() as session:
        line = valuations.find_line(session, reference, donor)
        found = [valuations.read(v) for v in valuations.list_valuations(session, line.id)]
        own = (
            line.valuation_basis.value if line.valuation_basis else None,
            line.value_amount,
            line.currency,
            line.eur_rate,
        )
    if as_json:
        print_json(
            {
                "reference": reference,
                "basis": own[0],
                "amount": own[1],
                "currency": own[2],
                "rate": own[3],
                "alternatives": [v.model_dump(mode="json") for v in found],
            }
        )
        return
    own_eur = valuations.eur(own[1], own[3]) if own[1] is not None and own[3] else None
    rows: list[tuple[object, ...]] = [
        (f"{own[0] or '—'} (the line's own)", own[1], own[2], own[3], own_eur)
    ]
    rows += [(v.basis.value, v.amount, v.currency, v.rate, v.amount_eur) for v in found]
    print_table(f"Valuations of {reference}", ("basis", "amount", "currency", "rate", "EUR"), rows)
