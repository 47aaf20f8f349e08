"""Template rendering for the HTML pages: the Jinja2 environment, its filters, the HTMX full-page /
partial switch and the HTML error page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from nsatu.core.lifecycles import Lifecycle

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

#: Paths served as JSON or files; everything else is an HTML page.
NON_HTML_PREFIXES = ("/api", "/static/", "/vendor/")

templates = Jinja2Templates(directory=TEMPLATES_DIR)


# --- filters ------------------------------------------------------------------------------------


def fmt_num(value: Decimal | int | float | None) -> str:
    """``1234.500`` → ``1,234.5``; ``None`` → an em dash."""
    if value is None:
        return "—"
    d = Decimal(value)
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d.normalize():,f}"


def fmt_money(value: Decimal | None, currency: str | None = None) -> str:
    if value is None:
        return "—"
    text = f"{Decimal(value):,.2f}"
    return f"{text} {currency}" if currency else text


def fmt_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


#: Words that are acronyms, not lower-case words.
ACRONYMS = {"hq": "HQ", "nsatu": "NSATU", "eu": "EU", "nato": "NATO"}


def humanize(value: object) -> str:
    """``partially_covered`` → ``Partially covered``; ``hq`` → ``HQ``."""
    if value is None:
        return "—"
    raw = str(value)
    if raw in ACRONYMS:
        return ACRONYMS[raw]
    text = raw.replace("_", " ")
    return text[:1].upper() + text[1:]


def qs(params: Mapping[str, Any], **overrides: Any) -> str:
    """The query string of ``params`` with ``overrides`` applied (``None`` removes a key)."""
    merged = {**params, **overrides}
    kept = {k: v for k, v in merged.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else "?"


def transitions(lifecycle: Lifecycle[Any], state: Any) -> list[dict[str, str]]:
    """The actions allowed from ``state``: name, button label and the state each leads to."""
    return [
        {
            "name": name,
            "label": lifecycle.action(name).label,
            "target": str(lifecycle.action(name).target),
        }
        for name in lifecycle.allowed_actions(state)
    ]


templates.env.filters.update(num=fmt_num, money=fmt_money, date=fmt_date, humanize=humanize)
templates.env.globals.update(qs=qs)


# --- responses ----------------------------------------------------------------------------------


def is_htmx(request: Request) -> bool:
    """An HTMX request that wants a fragment (a history restore wants the whole page)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true" and headers.get("HX-History-Restore-Request") != "true"
    )


def render(
    request: Request, name: str, context: Mapping[str, Any] | None = None, *, status: int = 200
) -> Response:
    return templates.TemplateResponse(request, name, dict(context or {}), status_code=status)


def render_page_or_partial(
    request: Request,
    page: str,
    partial: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
) -> Response:
    """The full page, or only ``partial`` when HTMX asks (same URL, so pushed URLs are bookmarks)."""
    response = render(request, partial if is_htmx(request) else page, context, status=status)
    response.headers["Vary"] = "HX-Request"
    return response


def wants_html(request: Request) -> bool:
    """Whether an error on this request should be an HTML page rather than the API's JSON."""
    path = request.url.path
    return not (path == "/api" or path.startswith(NON_HTML_PREFIXES))


ERROR_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid input",
    500: "Something went wrong",
}


def error_page(request: Request, status: int, detail: str) -> Response:
    """An error as a page (or as a fragment for HTMX requests)."""
    context = {"status": status, "title": ERROR_TITLES.get(status, "Error"), "detail": detail}
    if not is_htmx(request):
        return render(request, "error.html", context, status=status)
    # The fragment replaces the page's content, not the element that asked (which may be a
    # table the next request would need as its target), and the failed URL is not pushed.
    response = render(request, "_error.html", context, status=status)
    response.headers.update(
        {"HX-Retarget": "#main", "HX-Reswap": "innerHTML", "HX-Push-Url": "false"}
    )
    return response
