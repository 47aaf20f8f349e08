"""The hash chain in pure code: canonical serialisation, entry hashes and verification."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nsatu.core.audit_chain import (
    GENESIS,
    HASHED_FIELDS,
    Head,
    Problem,
    canonical,
    entry_hash,
    json_safe,
    verify,
)

# --- canonical serialisation -------------------------------------------------------------------


class Colour(StrEnum):
    RED = "red"


def test_canonical_sorts_keys_and_writes_exact_text_for_decimals_and_times() -> None:
    value = {
        "b": Decimal("10.50"),
        "a": dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        "c": dt.date(2026, 1, 2),
        "d": Colour.RED,
        "e": (1, None, True),
    }
    assert canonical(value) == (
        b'{"a":"2026-01-02T01:04:05.000006+00:00","b":"10.50","c":"2026-01-02",'
        b'"d":"red","e":[1,null,true]}'
    )


def test_canonical_keeps_text_as_utf8() -> None:
    assert canonical({"name": "Україна"}) == '{"name":"Україна"}'.encode()


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (dt.datetime(2026, 1, 1), ValueError),  # noqa: DTZ001 (naive on purpose: it names no instant)
        (float("nan"), ValueError),
        (Decimal("Infinity"), ValueError),
        (b"bytes", TypeError),
        ({1: "x"}, TypeError),
        (object(), TypeError),
    ],
)
def test_values_that_have_no_single_json_form_are_refused(
    value: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        canonical({"v": value})


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.dates()
    | st.datetimes(timezones=st.just(dt.UTC)),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(), json_values, max_size=6))
def test_canonical_is_independent_of_key_order_and_survives_a_json_round_trip(
    value: dict[str, Any],
) -> None:
    reordered = dict(reversed(list(value.items())))
    assert canonical(reordered) == canonical(value)
    # What the database gives back (the stored JSON-safe form) serialises to the same bytes.
    stored = json.loads(json.dumps(json_safe(value)))
    assert canonical(stored) == canonical(value)


# --- entry hashes --------------------------------------------------------------------------------


def fields(seq: int, **kw: Any) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": dt.datetime(2026, 11, 28, 12, 0, seq % 60, tzinfo=dt.UTC),
        "user_id": 7,
        "username": "alice",
        "role": "coordinator",
        "channel": "api",
        "entity": "offer_line",
        "entity_id": 40 + seq,
        "action": "update",
        "before": {"quantity": "10"},
        "after": {"quantity": str(10 + seq)},
    } | kw


def test_entry_hash_is_sha256_hex_and_ignores_fields_it_does_not_cover() -> None:
    h = entry_hash(GENESIS, fields(1))
    assert len(h) == 64 and int(h, 16) >= 0
    assert entry_hash(GENESIS, fields(1) | {"id": 99, "hash": "x"}) == h


def test_entry_hash_names_a_missing_field() -> None:
    incomplete = fields(1)
    del incomplete["action"]
    with pytest.raises(KeyError, match="action"):
        entry_hash(GENESIS, incomplete)


CHANGED = {
    "seq": 2,
    "at": dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
    "user_id": None,
    "username": "mallory",
    "role": "auditor",
    "channel": "web",
    "entity": "requirement",
    "entity_id": 1,
    "action": "delete",
    "before": None,
    "after": {"quantity": "11.0"},
}


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_every_covered_field_changes_the_hash(name: str) -> None:
    assert set(CHANGED) == set(HASHED_FIELDS) - {"prev_hash"}
    assert entry_hash(GENESIS, fields(1)) != entry_hash(GENESIS, fields(1) | {name: CHANGED[name]})


def test_the_previous_hash_changes_the_hash() -> None:
    assert entry_hash(GENESIS, fields(1)) != entry_hash("f" * 64, fields(1))


# --- verification ----------------------------------------------------------------------------------


def chain(n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        f = fields(seq)
        digest = entry_hash(prev, f)
        out.append(f | {"id": 100 + seq, "prev_hash": prev, "hash": digest})
        prev = digest
    return out


def head_of(entries: list[dict[str, Any]]) -> Head:
    return Head(entries[-1]["seq"], entries[-1]["hash"]) if entries else Head(0, GENESIS)


@given(st.integers(min_value=0, max_value=12))
def test_an_untouched_chain_verifies(n: int) -> None:
    entries = chain(n)
    assert verify(entries) is None
    assert verify(entries, head_of(entries)) is None


@given(
    st.integers(min_value=1, max_value=10).flatmap(
        lambda n: st.tuples(st.just(n), st.integers(min_value=1, max_value=n))
    ),
    st.sampled_from(sorted(set(CHANGED) - {"seq"})),
)
def test_a_modified_entry_is_named(n_k: tuple[int, int], name: str) -> None:
    n, k = n_k
    entries = chain(n)
    head = head_of(entries)
    entries[k - 1][name] = CHANGED[name]
    broken = verify(entries, head)
    assert broken is not None
    assert (broken.seq, broken.entry_id, broken.problem) == (k, 100 + k, Problem.HASH_MISMATCH)


@given(
    st.integers(min_value=2, max_value=10).flatmap(
        lambda n: st.tuples(st.just(n), st.integers(min_value=1, max_value=n - 1))
    )
)
def test_an_entry_moved_to_the_end_is_named(n_k: tuple[int, int]) -> None:
    n, k = n_k
    entries = chain(n)
    head = head_of(entries)
    moved = entries.pop(k - 1)
    moved["seq"] = n + 1
    broken = verify([*entries, moved], head)
    assert broken is not None
    assert (broken.seq, broken.problem) == (k, Problem.SEQ_GAP)


@given(
    st.integers(min_value=2, max_value=10).flatmap(
        lambda n: st.tuples(st.just(n), st.integers(min_value=1, max_value=n - 1))
    )
)
def test_a_deleted_entry_is_named(n_k: tuple[int, int]) -> None:
    n, k = n_k
    entries = chain(n)
    head = head_of(entries)
    del entries[k - 1]
    broken = verify(entries, head)
    assert broken is not None
    assert (broken.seq, broken.entry_id, broken.problem) == (k, None, Problem.SEQ_GAP)
    assert f"entry {k} is missing" in broken.detail


@given(st.integers(min_value=1, max_value=10))
def test_a_deleted_last_entry_is_caught_by_the_head(n: int) -> None:
    entries = chain(n)
    head = head_of(entries)
    entries.pop()
    assert verify(entries) is None  # the chain alone cannot tell
    broken = verify(entries, head)
    assert broken is not None
    assert (broken.seq, broken.problem) == (n, Problem.SEQ_GAP)


@given(
    st.integers(min_value=2, max_value=10).flatmap(
        lambda n: st.tuples(st.just(n), st.integers(min_value=1, max_value=n - 1))
    )
)
def test_swapped_entries_are_named(n_k: tuple[int, int]) -> None:
    n, k = n_k
    entries = chain(n)
    head = head_of(entries)
    a, b = entries[k - 1], entries[k]
    a["seq"], b["seq"] = b["seq"], a["seq"]
    entries[k - 1], entries[k] = b, a  # read back in seq order
    broken = verify(entries, head)
    assert broken is not None
    assert (broken.seq, broken.entry_id) == (k, 100 + k + 1)
    assert broken.problem is Problem.PREV_HASH_MISMATCH


def test_an_inserted_entry_with_a_made_up_hash_is_named() -> None:
    entries = chain(5)
    head = head_of(entries)
    forged = fields(6) | {"id": 999, "prev_hash": entries[-1]["hash"], "hash": "a" * 64}
    broken = verify([*entries, forged], head)
    assert broken is not None and (broken.seq, broken.entry_id) == (6, 999)


def test_an_appended_entry_with_a_correct_hash_is_caught_by_the_head() -> None:
    entries = chain(5)
    head = head_of(entries)
    f = fields(6, username="mallory")
    forged = f | {"id": 999, "prev_hash": entries[-1]["hash"]}
    forged["hash"] = entry_hash(forged["prev_hash"], forged)
    assert verify([*entries, forged]) is None  # consistent in itself
    broken = verify([*entries, forged], head)
    assert broken is not None
    assert (broken.seq, broken.entry_id, broken.problem) == (6, 999, Problem.HEAD_MISMATCH)


def test_an_entry_relinked_after_a_removal_is_named() -> None:
    """Delete entry 3 and renumber the rest: seq is gapless, but entry 4 (now 3) no longer links."""
    entries = chain(5)
    del entries[2]
    for e in entries[2:]:
        e["seq"] -= 1
    broken = verify(entries)
    assert broken is not None
    assert (broken.seq, broken.entry_id, broken.problem) == (3, 104, Problem.PREV_HASH_MISMATCH)


def test_an_anchor_catches_a_consistent_rewrite() -> None:
    original = chain(5)
    anchor = Head(3, original[2]["hash"])
    rewritten = chain(5)
    rewritten[1]["username"] = "mallory"
    prev = rewritten[0]["hash"]
    for e in rewritten[1:]:  # rehash from entry 2 on: consistent in itself
        e["prev_hash"] = prev
        e["hash"] = prev = entry_hash(prev, e)
    assert verify(rewritten, head_of(rewritten)) is None
    broken = verify(rewritten, head_of(rewritten), anchor)
    assert broken is not None
    assert (broken.seq, broken.problem) == (3, Problem.ANCHOR_MISMATCH)
    assert verify(original, head_of(original), anchor) is None
    short = verify(original[:2], head_of(original[:2]), anchor)
    assert short is not None and short.problem is Problem.ANCHOR_MISMATCH
