"""Reading ``nsatu-plan-problem/1``: every refusal names its field, and writing round-trips.

``small_problem()`` here is the hand-built problem the checker tests (test_check.py) work on.
"""

from __future__ import annotations

import copy
import json
import math
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from nsatu.core.planner.problem import (
    PROBLEM_FORMAT,
    ProblemError,
    load_problem,
    parse_problem,
    problem_to_json,
)

Doc = dict[str, Any]


def small_problem() -> Doc:
    """Ten days; one depot, two hubs (H1 limited and closed on day 3, H2 without a ``hubs`` entry,
    so unlimited), one handover point; three item types, three offers, three needs."""
    return {
        "format": PROBLEM_FORMAT,
        "start_date": "2025-03-01",
        "horizon_days": 10,
        "item_types": [
            {"id": "A", "family": "generator", "unit_weight_t": 0.5},
            {"id": "B", "family": "generator", "unit_weight_t": 0.25},
            {"id": "C", "family": "shelter", "unit_weight_t": 1.0},
        ],
        "sites": [
            {"id": "D1", "kind": "depot", "country": "POL", "lat": 52.2, "lon": 21.0},
            {"id": "H1", "kind": "hub", "country": "POL", "lat": 50.0, "lon": 22.0},
            {"id": "H2", "kind": "hub", "country": "SVK", "lat": 48.7, "lon": 21.3},
            {"id": "X1", "kind": "handover", "country": "UKR", "lat": 49.8, "lon": 24.0},
        ],
        "offers": [
            {
                "id": "O1",
                "donor": "POL",
                "item_type": "A",
                "quantity": 40,
                "available_day": 1,
                "origin": "D1",
            },
            {
                "id": "O2",
                "donor": "DEU",
                "item_type": "B",
                "quantity": 30,
                "available_day": 0,
                "origin": "D1",
            },
            {
                "id": "O3",
                "donor": "NLD",
                "item_type": "C",
                "quantity": 5,
                "available_day": -2,
                "origin": "D1",
            },
        ],
        "needs": [
            {
                "id": "N1",
                "quantity": 50,
                "needed_by_day": 5,
                "weight": 10,
                "acceptable_item_types": ["A", "B"],
                "handover": "X1",
            },
            {
                "id": "N2",
                "quantity": 4,
                "needed_by_day": 3,
                "weight": 20,
                "acceptable_item_types": ["C"],
                "handover": "X1",
                "all_or_nothing": True,
            },
            {
                "id": "N3",
                "quantity": 100,
                "needed_by_day": 9,
                "weight": 1,
                "acceptable_item_types": ["B", "A"],
                "handover": "X1",
            },
        ],
        "legs": [
            {
                "from": "D1",
                "to": "H1",
                "mode": "road",
                "transit_days": 1,
                "capacity_t_per_day": 20,
                "cost_per_t": 100,
            },
            {
                "from": "H1",
                "to": "X1",
                "mode": "road",
                "transit_days": 2,
                "capacity_t_per_day": 15,
                "cost_per_t": 150,
            },
            {
                "from": "D1",
                "to": "H2",
                "mode": "rail",
                "transit_days": 2,
                "capacity_t_per_day": 10,
                "cost_per_t": 50,
            },
            {
                "from": "H2",
                "to": "X1",
                "mode": "road",
                "transit_days": 1,
                "capacity_t_per_day": 100,
                "cost_per_t": 80,
            },
        ],
        "hubs": [{"site": "H1", "handling_capacity_t_per_day": 10, "closed_days": [3]}],
        "values": {"late_factor": 0.5, "substitute_factor": 0.8, "cost_weight": 0.001},
    }


def integer_ids_problem() -> Doc:
    """The same problem with integer ids for every entity (modes stay strings)."""
    doc = small_problem()
    text = json.dumps(doc)
    for old, new in (
        ("A", 1), ("B", 2), ("C", 3), ("D1", 10), ("H1", 20), ("H2", 21), ("X1", 30),
        ("O1", 100), ("O2", 101), ("O3", 102), ("N1", 200), ("N2", 201), ("N3", 202),
    ):  # fmt: skip
        text = text.replace(f'"{old}"', str(new))
    return json.loads(text)  # type: ignore[no-any-return]


# -- accepted ----------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [small_problem, integer_ids_problem])
def test_round_trip_gives_an_equal_problem(make: Callable[[], Doc]) -> None:
    problem = parse_problem(make())
    again = parse_problem(json.loads(json.dumps(problem_to_json(problem))))
    assert again == problem
    assert again.digest() == problem.digest()
    assert problem_to_json(again) == problem_to_json(problem)


def test_ids_keep_their_type() -> None:
    problem = parse_problem(integer_ids_problem())
    assert [o.id for o in problem.offers] == [100, 101, 102]
    assert problem.needs[0].acceptable_item_types == (1, 2)
    assert problem.legs[0].key == (10, 20, "road")
    assert problem_to_json(problem)["offers"][0]["origin"] == 10


def test_ids_may_mix_strings_and_integers() -> None:
    doc = small_problem()
    doc["item_types"][0]["id"] = 7
    doc["offers"][0]["item_type"] = 7
    doc["needs"][0]["acceptable_item_types"] = [7, "B"]
    doc["needs"][2]["acceptable_item_types"] = ["B", 7]
    problem = parse_problem(doc)
    assert problem.needs[0].preferred_item_type == 7
    assert parse_problem(problem_to_json(problem)) == problem


def test_a_string_id_is_not_the_integer_id() -> None:
    doc = small_problem()
    doc["item_types"][0]["id"] = 7
    doc["offers"][0]["item_type"] = "7"
    doc["needs"][0]["acceptable_item_types"] = ["7", "B"]
    with pytest.raises(ProblemError) as exc:
        parse_problem(doc)
    paths = [path for path, _ in exc.value.errors]
    assert "offers[0].item_type" in paths
    assert "needs[0].acceptable_item_types[0]" in paths


def test_defaults_and_ignored_fields() -> None:
    doc = small_problem()
    del doc["hubs"]
    del doc["item_types"][0]["family"]
    del doc["sites"][0]["country"], doc["sites"][0]["lat"], doc["sites"][0]["lon"]
    doc["comment"] = "written by a newer tool"
    doc["offers"][0]["colour"] = "green"
    problem = parse_problem(doc)
    assert problem.hubs == ()
    assert problem.item_types[0].family == ""
    assert (problem.sites[0].country, problem.sites[0].lat, problem.sites[0].lon) == ("", 0.0, 0.0)
    assert problem.values.policy == "weighted"
    assert problem.needs[0].all_or_nothing is False
    assert problem.hub_capacity("H1", 3) == math.inf


def test_hub_capacity_and_closed_days_outside_the_horizon() -> None:
    doc = small_problem()
    doc["hubs"][0]["closed_days"] = [-1, 3, 10, 99]
    problem = parse_problem(doc)
    assert problem.hubs[0].closed_days == frozenset({3})
    assert problem.hub_capacity("H1", 3) == 0.0
    assert problem.hub_capacity("H1", 4) == 10.0
    assert problem.hub_capacity("H2", 3) == math.inf


def test_integral_floats_are_integers() -> None:
    doc = small_problem()
    doc["offers"][0]["quantity"] = 40.0
    doc["horizon_days"] = 10.0
    problem = parse_problem(doc)
    assert problem.offers[0].quantity == 40
    assert isinstance(problem.offers[0].quantity, int)
    assert problem.horizon_days == 10


# -- refused, naming the field -----------------------------------------------------------------


def _set(path: str, value: Any) -> Callable[[Doc], None]:
    """A mutation setting ``a.b[2].c`` to ``value`` (``...`` deletes it)."""
    parts: list[str | int] = []
    for token in path.replace("]", "").replace("[", ".").split("."):
        parts.append(int(token) if token.isdigit() else token)

    def mutate(doc: Doc) -> None:
        target: Any = doc
        for part in parts[:-1]:
            target = target[part]
        if value is ...:
            del target[parts[-1]]
        else:
            target[parts[-1]] = value

    return mutate


def _append(key: str, index: int) -> Callable[[Doc], None]:
    """A mutation appending a copy of ``doc[key][index]`` (a duplicate)."""

    def mutate(doc: Doc) -> None:
        doc[key].append(copy.deepcopy(doc[key][index]))

    return mutate


#: (mutation, the field path the error must name). ``schema`` marks the refusals a JSON Schema
#: can express too (test_formats_doc.py reuses those).
REFUSALS: list[tuple[str, Callable[[Doc], None], str, bool]] = [
    ("wrong format", _set("format", "nsatu-plan-problem/2"), "format", True),
    ("no format", _set("format", ...), "format", True),
    ("no start date", _set("start_date", ...), "start_date", True),
    ("bad start date", _set("start_date", "2025-13-01"), "start_date", False),
    ("text start date", _set("start_date", "next monday"), "start_date", True),
    ("zero horizon", _set("horizon_days", 0), "horizon_days", True),
    ("fractional horizon", _set("horizon_days", 9.5), "horizon_days", True),
    ("string horizon", _set("horizon_days", "10"), "horizon_days", True),
    ("no item types", _set("item_types", ...), "item_types", True),
    ("item types not an array", _set("item_types", {"A": 1}), "item_types", True),
    ("item type not an object", _set("item_types.0", "A"), "item_types[0]", True),
    (
        "zero unit weight",
        _set("item_types.1.unit_weight_t", 0),
        "item_types[1].unit_weight_t",
        True,
    ),
    (
        "no unit weight",
        _set("item_types.1.unit_weight_t", ...),
        "item_types[1].unit_weight_t",
        True,
    ),
    ("duplicate item type", _append("item_types", 0), "item_types[3].id", False),
    ("boolean id", _set("item_types.0.id", True), "item_types[0].id", True),
    ("blank id", _set("item_types.0.id", "  "), "item_types[0].id", True),
    ("float id", _set("item_types.0.id", 1.5), "item_types[0].id", True),
    ("unknown site kind", _set("sites.1.kind", "port"), "sites[1].kind", True),
    ("latitude out of range", _set("sites.1.lat", 91), "sites[1].lat", True),
    ("longitude out of range", _set("sites.1.lon", -181), "sites[1].lon", True),
    ("duplicate site", _append("sites", 2), "sites[4].id", False),
    ("origin is a hub", _set("offers.0.origin", "H1"), "offers[0].origin", False),
    ("unknown origin", _set("offers.0.origin", "D9"), "offers[0].origin", False),
    ("unknown offered type", _set("offers.1.item_type", "Z"), "offers[1].item_type", False),
    ("negative offer quantity", _set("offers.1.quantity", -1), "offers[1].quantity", True),
    ("fractional offer quantity", _set("offers.1.quantity", 1.5), "offers[1].quantity", True),
    ("boolean offer quantity", _set("offers.1.quantity", True), "offers[1].quantity", True),
    ("no available day", _set("offers.2.available_day", ...), "offers[2].available_day", True),
    ("no donor", _set("offers.2.donor", ...), "offers[2].donor", True),
    ("numeric donor", _set("offers.2.donor", 276), "offers[2].donor", True),
    ("duplicate offer", _append("offers", 1), "offers[3].id", False),
    (
        "no acceptable types",
        _set("needs.0.acceptable_item_types", []),
        "needs[0].acceptable_item_types",
        True,
    ),
    (
        "acceptable types not an array",
        _set("needs.0.acceptable_item_types", "A"),
        "needs[0].acceptable_item_types",
        True,
    ),
    (
        "type listed twice",
        _set("needs.0.acceptable_item_types", ["A", "A"]),
        "needs[0].acceptable_item_types[1]",
        True,
    ),
    (
        "unknown acceptable type",
        _set("needs.0.acceptable_item_types", ["A", "Z"]),
        "needs[0].acceptable_item_types[1]",
        False,
    ),
    ("handover is a depot", _set("needs.1.handover", "D1"), "needs[1].handover", False),
    ("negative weight", _set("needs.1.weight", -1), "needs[1].weight", True),
    (
        "all or nothing as text",
        _set("needs.1.all_or_nothing", "yes"),
        "needs[1].all_or_nothing",
        True,
    ),
    ("no needed-by day", _set("needs.2.needed_by_day", ...), "needs[2].needed_by_day", True),
    ("zero transit", _set("legs.0.transit_days", 0), "legs[0].transit_days", True),
    (
        "negative leg capacity",
        _set("legs.0.capacity_t_per_day", -5),
        "legs[0].capacity_t_per_day",
        True,
    ),
    ("negative leg cost", _set("legs.0.cost_per_t", -1), "legs[0].cost_per_t", True),
    ("no mode", _set("legs.1.mode", ...), "legs[1].mode", True),
    ("leg backwards", _set("legs.1.from", "X1"), "legs[1]", False),
    ("leg depot to handover", _set("legs.1.from", "D1"), "legs[1]", False),
    ("duplicate leg", _append("legs", 2), "legs[4]", False),
    ("hub entry on a depot", _set("hubs.0.site", "D1"), "hubs[0].site", False),
    (
        "negative hub capacity",
        _set("hubs.0.handling_capacity_t_per_day", -1),
        "hubs[0].handling_capacity_t_per_day",
        True,
    ),
    ("closed days not an array", _set("hubs.0.closed_days", 3), "hubs[0].closed_days", True),
    (
        "closed day not an integer",
        _set("hubs.0.closed_days", ["3"]),
        "hubs[0].closed_days[0]",
        True,
    ),
    ("no values", _set("values", ...), "values", True),
    ("values not an object", _set("values", [0.5, 0.8, 0.001]), "values", True),
    ("negative late factor", _set("values.late_factor", -0.5), "values.late_factor", True),
    ("no cost weight", _set("values.cost_weight", ...), "values.cost_weight", True),
    ("unknown policy", _set("values.policy", "random"), "values.policy", True),
]


@pytest.mark.parametrize(
    ("mutate", "path"), [(m, p) for _, m, p, _ in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_every_refusal_names_its_field(mutate: Callable[[Doc], None], path: str) -> None:
    doc = small_problem()
    mutate(doc)
    with pytest.raises(ProblemError) as exc:
        parse_problem(doc)
    paths = [p for p, _ in exc.value.errors]
    assert path in paths, exc.value.errors
    assert path in str(exc.value)


def test_non_finite_numbers_are_refused() -> None:
    doc = small_problem()
    doc["legs"][0]["capacity_t_per_day"] = math.inf
    doc["needs"][0]["weight"] = math.nan
    with pytest.raises(ProblemError) as exc:
        parse_problem(doc)
    assert {p for p, _ in exc.value.errors} == {"legs[0].capacity_t_per_day", "needs[0].weight"}


def test_every_error_is_reported_not_only_the_first() -> None:
    doc = small_problem()
    doc["horizon_days"] = 0
    doc["offers"][0]["quantity"] = -3
    doc["needs"][2]["handover"] = "H2"
    doc["values"]["policy"] = "random"
    with pytest.raises(ProblemError) as exc:
        parse_problem(doc)
    assert [p for p, _ in exc.value.errors] == [
        "horizon_days",
        "offers[0].quantity",
        "needs[2].handover",
        "values.policy",
    ]
    message = dict(exc.value.errors)["needs[2].handover"]
    assert "'H2' is a hub site, not a handover" in message


def test_a_document_that_is_not_an_object() -> None:
    with pytest.raises(ProblemError) as exc:
        parse_problem([small_problem()])
    assert exc.value.errors[0][0] == "$"


def test_malformed_json_names_line_and_column() -> None:
    with pytest.raises(ProblemError) as exc:
        load_problem('{\n  "format": "nsatu-plan-problem/1",\n  "horizon_days": ,\n}')
    (path, _message), *_ = exc.value.errors
    assert path == "line 3 column 19"


def test_load_problem_reads_text() -> None:
    assert load_problem(json.dumps(small_problem())) == parse_problem(small_problem())


def test_problem_errors_survive_pickling() -> None:
    """A worker process hands its errors back field by field, not as characters."""
    error = ProblemError([("offers[3].quantity", "must be an integer ≥ 0"), ("horizon_days", "x")])
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is ProblemError
    assert again.errors == error.errors and str(again) == str(error)
