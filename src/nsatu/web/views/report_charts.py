"""How a report is drawn: Chart.js configurations (plain JSON, drawn by ``static/reports.js``) and
the map's figures, made from a :class:`~nsatu.reporting.table.Report`'s rows, and how its cells
are shown.

Each report has its chart (stacked bars per donor by aid type for ``donors``, allocations per month
for ``monthly``, % of GDP for ``burden-sharing`` with the 2 % and 3 % lines, the stage funnel for
``pipeline``, the top donor's share and the HHI for ``dependence``); a report without a chart of
its own gets bars of its first figure by its first text column, so every report page has one. The
charts only read the rows: a figure is computed once, by the report.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from nsatu.reporting.geo import MapSite
from nsatu.reporting.table import Column, Report

Chart = dict[str, Any]

NUMERIC = frozenset({"int", "number", "eur_bn", "eur", "pct", "share"})
#: Aid types in the tracker's order, with their colours.
AID_TYPES = (
    ("military", "Military", "#1f4e79"),
    ("financial", "Financial", "#5b9bd5"),
    ("humanitarian", "Humanitarian", "#a9d18e"),
)
PALETTE = ("#1f4e79", "#5b9bd5", "#a9d18e", "#f4b183", "#8e7cc3", "#c00000", "#7f7f7f")
STAGES = ("announced", "committed", "allocated", "contracted", "shipped", "delivered")
#: Most bars a chart shows (the largest first where a chart orders them; the CSV and XLSX
#: downloads hold every row).
MAX_BARS = 40


def number(value: object) -> float | None:
    """A cell as a float for a chart (``None`` for an empty or non-numeric cell)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def cell(value: object, kind: str = "text") -> str:
    """A cell as the tables show it: € bn to 3 decimals, % to 2, shares as %, an em dash for
    nothing."""
    if value is None or value == "":
        return "—"
    n = number(value) if kind in NUMERIC else None
    if n is None:
        if isinstance(value, dt.date):
            return value.strftime("%Y-%m") if kind == "month" else value.isoformat()
        return str(value)
    match kind:
        case "int":
            return f"{n:,.0f}"
        case "eur_bn":
            return f"{n:,.3f}"
        case "eur":
            return f"{n:,.0f}"
        case "pct":
            return f"{n:.2f} %"
        case "share":
            return f"{100 * n:.1f} %"
    return f"{n:,.4g}" if abs(n) < 1000 else f"{n:,.0f}"


def _label_column(report: Report, *preferred: str) -> Column | None:
    by_key = {c.key: c for c in report.columns}
    for key in preferred:
        if key in by_key:
            return by_key[key]
    return next((c for c in report.columns if c.kind == "text"), None)


def _numeric(report: Report, kinds: frozenset[str] = NUMERIC) -> list[Column]:
    return [c for c in report.columns if c.kind in kinds]


def _label(row: Mapping[str, Any], col: Column | None, i: int) -> str:
    value = row.get(col.key) if col else None
    return str(value) if value not in (None, "") else f"row {i + 1}"


def _chart(
    chart_id: str,
    title: str,
    kind: str,
    labels: Sequence[Any] | None,
    datasets: list[dict[str, Any]],
    **options: Any,
) -> Chart:
    data: dict[str, Any] = {"datasets": datasets}
    if labels is not None:
        data["labels"] = list(labels)
    return {
        "id": chart_id,
        "title": title,
        "config": {"type": kind, "data": data, "options": options},
    }


def _axis(title: str, **more: Any) -> dict[str, Any]:
    return {"title": {"display": True, "text": title}, **more}


def _aid_columns(report: Report, suffix: str = "_eur_bn") -> list[tuple[Column, str, str]]:
    by_key = {c.key: c for c in report.columns}
    found = []
    for aid, label, colour in AID_TYPES:
        col = by_key.get(f"{aid}{suffix}") or next(
            (c for c in report.columns if c.kind in NUMERIC and c.key.startswith(aid)), None
        )
        if col is not None:
            found.append((col, label, colour))
    return found


def fallback(report: Report) -> list[Chart]:
    """Bars of the first figure by the first text column, summed per label when it is a count or
    an amount (a rate is shown as the first row with that label has it)."""
    cols = _numeric(report)
    label = _label_column(report)
    if not cols:
        return []
    col = cols[0]
    values: dict[str, float] = {}
    for i, row in enumerate(report.rows):
        key, v = _label(row, label, i), number(row.get(col.key)) or 0.0
        if col.kind in ("int", "eur", "eur_bn"):
            values[key] = values.get(key, 0.0) + v
        else:
            values.setdefault(key, v)
    labels = list(values)[:MAX_BARS]
    title = f"{col.label} by {label.label.lower() if label else 'row'}"
    dataset = {
        "label": col.label,
        "data": [values[x] for x in labels],
        "backgroundColor": PALETTE[0],
    }
    return [_chart("chart-figures", title, "bar", labels, [dataset])]


def donors(report: Report) -> list[Chart]:
    charts = []
    label = _label_column(report, "donor")
    aid = _aid_columns(report)
    total = next((c for c in report.columns if c.key == "total_eur_bn"), None)
    rows = list(report.rows)
    if total is not None:
        rows.sort(key=lambda r: -(number(r.get(total.key)) or 0.0))
    shown = rows[:MAX_BARS]
    if aid:
        datasets = [
            {
                "label": name,
                "data": [number(r.get(col.key)) for r in shown],
                "backgroundColor": colour,
                "stack": "aid",
            }
            for col, name, colour in aid
        ]
        share = next((c for c in report.columns if c.key == "eu_share_eur_bn"), None)
        if share is not None:
            datasets.append(
                {"label": "EU institutions (attributed share)", "data": [number(r.get(share.key)) for r in shown],
                 "backgroundColor": "#f4b183", "stack": "aid"}
            )  # fmt: skip
        charts.append(
            _chart(
                "chart-aid-types",
                "Commitments per donor by aid type (€ bn)",
                "bar",
                [_label(r, label, i) for i, r in enumerate(shown)],
                datasets,
                scales={"x": {"stacked": True}, "y": _axis("€ bn", stacked=True, beginAtZero=True)},
            )
        )
    scatter = gdp_scatter(report, label)
    if scatter is not None:
        charts.append(scatter)
    return charts


def _gdp_of(report: Report, row: Mapping[str, Any], pct_key: str) -> float | None:
    """A row's GDP in € bn: its own GDP column if the report has one, else its total over its
    % of GDP."""
    gdp = next((c for c in report.columns if "gdp" in c.key and c.kind in {"eur_bn", "number"}
                and "pct" not in c.key), None)  # fmt: skip
    if gdp is not None:
        return number(row.get(gdp.key))
    total, pct = number(row.get("total_eur_bn")), number(row.get(pct_key))
    if total is None or not pct:
        return None
    return total / pct * 100


def gdp_scatter(report: Report, label: Column | None) -> Chart | None:
    pcts = [c for c in report.columns if c.kind == "pct" and "gdp" in c.key]
    pct = next((c for c in pcts if c.key == "total_pct_gdp"), pcts[0] if pcts else None)
    if pct is None:
        return None
    points = []
    for i, row in enumerate(report.rows):
        x, y = _gdp_of(report, row, pct.key), number(row.get(pct.key))
        if x is not None and y is not None and x > 0:
            points.append({"x": x, "y": y, "label": _label(row, label, i)})
    if not points:
        return None
    return _chart(
        "chart-gdp",
        f"{pct.label} against GDP",
        "scatter",
        None,
        [{"label": pct.label, "data": points, "backgroundColor": "#1f4e79"}],
        scales={"x": _axis("GDP (€ bn, log scale)", type="logarithmic"), "y": _axis("% of GDP", beginAtZero=True)},
    )  # fmt: skip


def monthly(report: Report) -> list[Chart]:
    month = next((c for c in report.columns if c.kind == "month" or c.key == "month"), None)
    if month is None:
        return []
    cols = [c for c in _numeric(report, frozenset({"eur_bn", "eur"})) if "cumul" not in c.key]
    aid = [col for col, _, _ in _aid_columns(report)]
    cols = [c for c in aid if "cumul" not in c.key] or cols
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in report.rows:
        m = cell(row.get(month.key), "month")
        for c in cols:
            sums[m][c.key] += number(row.get(c.key)) or 0.0
    months = sorted(sums)
    colours = {col.key: colour for col, _, colour in _aid_columns(report)}
    charts = [
        _chart(
            "chart-monthly",
            "Allocations per month (€ bn)",
            "bar",
            months,
            [
                {"label": c.label, "data": [sums[m][c.key] for m in months], "stack": "month",
                 "backgroundColor": colours.get(c.key, PALETTE[i % len(PALETTE)])}
                for i, c in enumerate(cols)
            ],
            scales={"x": {"stacked": True}, "y": _axis("€ bn", stacked=True, beginAtZero=True)},
        )
    ]  # fmt: skip
    cumulative = next((c for c in report.columns if c.key.startswith("cumul")), None)
    if cumulative is not None:
        by_month: dict[str, float] = {}
        for row in report.rows:  # a running total: the month's last row holds it
            if (v := number(row.get(cumulative.key))) is not None:
                by_month[cell(row.get(month.key), "month")] = v
        charts.append(
            _chart(
                "chart-cumulative",
                f"{cumulative.label} over time",
                "line",
                months,
                [{"label": cumulative.label, "data": [by_month.get(m) for m in months],
                  "borderColor": "#1f4e79", "pointRadius": 0, "fill": False}],
                scales={"y": _axis("€ bn", beginAtZero=True)},
            )
        )  # fmt: skip
    return charts


def burden_sharing(report: Report) -> list[Chart]:
    label = _label_column(report, "donor", "country")
    pcts = _numeric(report, frozenset({"pct"}))
    if not pcts:
        return []
    order = next((c for c in pcts if c.key == "total_pct_gdp"), pcts[0])
    rows = sorted(report.rows, key=lambda r: -(number(r.get(order.key)) or 0.0))[:MAX_BARS]
    labels = [_label(r, label, i) for i, r in enumerate(rows)]
    datasets: list[dict[str, Any]] = [
        {"type": "bar", "label": c.label, "data": [number(r.get(c.key)) for r in rows],
         "backgroundColor": PALETTE[i % len(PALETTE)]}
        for i, c in enumerate(pcts)
    ]  # fmt: skip
    if any("defence" in c.key or "nato" in c.key for c in pcts):
        for level, colour in ((2, "#7f7f7f"), (3, "#c00000")):
            datasets.append(
                {"type": "line", "label": f"{level} % of GDP", "data": [level] * len(rows),
                 "borderColor": colour, "borderDash": [6, 4], "pointRadius": 0, "borderWidth": 1.5}
            )  # fmt: skip
    charts = [
        _chart(
            "chart-burden",
            "Share of GDP (%)",
            "bar",
            labels,
            datasets,
            scales={"y": _axis("% of GDP", beginAtZero=True)},
        )
    ]
    scatter = gdp_scatter(report, label)
    if scatter is not None:
        charts.append(scatter)
    return charts


def pipeline(report: Report) -> list[Chart]:
    cols = {c.key: c for c in _numeric(report)}
    found: list[tuple[str, float]] = []
    for stage in STAGES:
        key = next(
            (k for k in cols if k.startswith(stage) and cols[k].kind in ("eur_bn", "eur")), None
        ) or next((k for k in cols if k.startswith(stage)), None)
        if key is not None:
            found.append((stage, sum(number(r.get(key)) or 0.0 for r in report.rows)))
    if not found:
        stage_col = next((c for c in report.columns if c.key == "stage"), None)
        value = next(iter(cols.values()), None)
        if stage_col is None or value is None:
            return []
        sums: dict[str, float] = defaultdict(float)
        for r in report.rows:
            sums[str(r.get(stage_col.key))] += number(r.get(value.key)) or 0.0
        found = [(s, sums[s]) for s in STAGES if s in sums]
    return [
        _chart(
            "chart-funnel",
            "Stage funnel: announced → delivered",
            "bar",
            [s.capitalize() for s, _ in found],
            [{"label": "EUR that reached the stage", "data": [v for _, v in found],
              "backgroundColor": [PALETTE[i % len(PALETTE)] for i in range(len(found))]}],
            indexAxis="y",
            scales={"x": _axis("EUR", beginAtZero=True)},
        )
    ]  # fmt: skip


def dependence(report: Report) -> list[Chart]:
    label = _label_column(report, "capability_area", "area")
    cols = [c for c in _numeric(report, frozenset({"share", "pct", "number"}))
            if "hhi" in c.key or "top" in c.key]  # fmt: skip
    if not cols:
        return []
    seen: dict[str, Mapping[str, Any]] = {}
    for i, row in enumerate(report.rows):
        seen.setdefault(_label(row, label, i), row)
    labels = list(seen)[:MAX_BARS]
    return [
        _chart(
            "chart-dependence",
            "Dependence on the top donor and concentration (HHI) per capability area",
            "bar",
            labels,
            [{"label": c.label, "data": [number(seen[x].get(c.key)) for x in labels],
              "backgroundColor": PALETTE[i % len(PALETTE)]}
             for i, c in enumerate(cols)],
            scales={"y": {"beginAtZero": True}},
        )
    ]  # fmt: skip


BY_NAME: dict[str, Callable[[Report], list[Chart]]] = {
    "donors": donors,
    "monthly": monthly,
    "burden-sharing": burden_sharing,
    "pipeline": pipeline,
    "dependence": dependence,
}


def charts(report: Report) -> list[Chart]:
    """The report's charts (at least one when it has a figure to draw)."""
    own = BY_NAME.get(report.name, donors)  # any other report of donors by aid type: as donors
    return own(report) or fallback(report)


def map_figures(report: Report, sites: Sequence[MapSite]) -> dict[str, Any] | None:
    """The map of donors: % of GDP by ISO alpha-3 code, and the sites to mark; ``None`` when the
    report has no donors by country with a % of GDP."""
    keys = {c.key: c for c in report.columns}
    pct = keys.get("total_pct_gdp") or next(
        (c for c in report.columns if c.kind == "pct" and "gdp" in c.key), None
    )
    if "iso3" not in keys or pct is None:
        return None
    values = {
        str(r["iso3"]): v
        for r in report.rows
        if r.get("iso3") and (v := number(r.get(pct.key))) is not None
    }
    if not values:
        return None
    return {
        "label": pct.label,
        "values": values,
        "sites": [
            {"code": s.code, "name": s.name, "kind": s.kind, "lat": s.latitude, "lon": s.longitude}
            for s in sites
        ],
    }
