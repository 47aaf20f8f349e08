"""The audit trail's hash chain in pure code: canonical serialisation, entry hashes, verification.

Every audit entry carries ``hash`` = SHA-256 over the canonical JSON of its content and of
``prev_hash``, the hash of the entry before it (:data:`GENESIS`, 64 zeros, for the first). ``seq``
numbers the entries 1, 2, 3 … without gaps. So:

- an entry edited in place no longer matches its own hash;
- an entry deleted leaves a gap in ``seq``;
- an entry inserted or moved breaks the ``prev_hash`` link of the entry it now follows;
- a truncated or extended tail disagrees with the *head* (the last seq and hash, kept beside the
  entries and written in the same transaction).

:func:`verify` walks the chain and returns the first broken entry. It cannot tell a consistent
rewrite of the whole chain and its head from the original: that needs the head hash kept somewhere
else (``nsatu audit verify`` prints it, and ``--anchor`` checks a recorded one).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

#: ``prev_hash`` of the first entry.
GENESIS = "0" * 64

#: The content an entry's hash covers, in the order of the audit record (the serialisation sorts keys,
#: so the order here only documents).
HASHED_FIELDS = (
    "seq",
    "at",
    "user_id",
    "username",
    "role",
    "channel",
    "entity",
    "entity_id",
    "action",
    "before",
    "after",
    "prev_hash",
)


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON data: the form entries are stored in and hashed from.

    ``Decimal`` becomes its exact text (``"10.50"``), dates and times their ISO 8601 text (datetimes
    in UTC), enums their value, tuples lists. Storing this form means that what is read back from the
    database serialises to the very bytes that were hashed.

    Raises:
        ValueError: a naive datetime (it names no instant), or a float that is not finite.
        TypeError: a value of any other type, or a mapping key that is not text.
    """
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"mapping keys must be text, not {type(key).__name__}")
            out[str(key)] = json_safe(item)
        return out
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return _scalar(value)


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        return _scalar(value.value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, float | Decimal):
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        if not finite:
            raise ValueError(f"cannot record the non-finite number {value!r}")
        # Decimals keep their exact text; a float goes as JSON writes it (shortest round trip).
        return str(value) if isinstance(value, Decimal) else value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: audit times are UTC")
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    raise TypeError(f"cannot record a {type(value).__name__} in the audit trail")


def canonical(value: Any) -> bytes:
    """The canonical serialisation of ``value``: :func:`json_safe`, then compact UTF-8 JSON with
    sorted keys. Equal data always gives equal bytes.

    Raises:
        ValueError, TypeError: as :func:`json_safe`.
    """
    return json.dumps(
        json_safe(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def entry_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of an entry.

    Parameters:
        prev_hash: the hash of the previous entry, or :data:`GENESIS`.
        fields: the entry's content; every name of :data:`HASHED_FIELDS` but ``prev_hash`` must be
            present, other keys (``id``, ``hash``) are ignored.

    Raises:
        KeyError: a hashed field is missing (the message names it).
    """
    payload: dict[str, Any] = {}
    for name in HASHED_FIELDS[:-1]:
        if name not in fields:
            raise KeyError(f"audit entry field {name!r} is missing")
        payload[name] = fields[name]
    payload["prev_hash"] = prev_hash
    return hashlib.sha256(canonical(payload)).hexdigest()


class Problem(StrEnum):
    """What is wrong with the first broken entry."""

    SEQ_GAP = "seq_gap"
    PREV_HASH_MISMATCH = "prev_hash_mismatch"
    HASH_MISMATCH = "hash_mismatch"
    HEAD_MISMATCH = "head_mismatch"
    ANCHOR_MISMATCH = "anchor_mismatch"


@dataclass(frozen=True)
class Head:
    """The chain's last seq and hash as recorded at the last append (seq 0 with :data:`GENESIS`
    for an empty chain)."""

    seq: int
    hash: str


@dataclass(frozen=True)
class Break:
    """The first entry where the chain does not hold.

    ``entry_id`` is the row's id, or ``None`` when the entry at ``seq`` is missing altogether.
    """

    seq: int
    entry_id: int | None
    problem: Problem
    detail: str


class Verifier:
    """Checks a chain one entry at a time, so memory stays flat however long the log is.

    Feed the entries in ``seq`` order with :meth:`feed`, then call :meth:`finish`. Once broken, the
    verifier keeps returning the first break.

    Parameters:
        head: the head recorded with the chain; a missing or extra tail is then a break.
        anchor: a seq and hash recorded *outside* the database earlier; the entry at that seq must
            still have that hash (this catches a consistent rewrite of the whole chain).
        head_required: a chain with entries but no ``head`` is broken (the head was deleted).
    """

    def __init__(
        self, head: Head | None = None, anchor: Head | None = None, *, head_required: bool = False
    ) -> None:
        self.head = head
        self.anchor = anchor
        self.head_required = head_required
        self.count = 0
        self.last_seq = 0
        self.last_hash = GENESIS
        self.last_id: int | None = None
        self.broken: Break | None = None

    def feed(self, entry: Mapping[str, Any]) -> Break | None:
        """Check the next entry (a mapping with the hashed fields, ``hash`` and optionally ``id``).

        Returns:
            The first break found so far, or ``None``.
        """
        if self.broken is not None:
            return self.broken
        seq = entry["seq"]
        entry_id = entry.get("id")
        expected = self.last_seq + 1
        if seq != expected:
            if isinstance(seq, int) and seq > expected:
                missing = str(expected) if seq == expected + 1 else f"{expected}–{seq - 1}"
                detail = f"seq jumps from {self.last_seq} to {seq}: entry {missing} is missing"
                return self._break(expected, None, Problem.SEQ_GAP, detail)
            detail = f"seq {seq!r} follows seq {self.last_seq}: entries are out of order"
            return self._break(expected, entry_id, Problem.SEQ_GAP, detail)
        if self.head is not None and seq > self.head.seq:
            detail = (
                f"entry {seq} lies beyond the chain head (seq {self.head.seq}): "
                "it was added outside the application"
            )
            return self._break(seq, entry_id, Problem.HEAD_MISMATCH, detail)
        if entry["prev_hash"] != self.last_hash:
            before = "the genesis hash" if seq == 1 else f"the hash of entry {seq - 1}"
            detail = (
                f"prev_hash does not match {before}: an entry was inserted, removed or moved here"
            )
            return self._break(seq, entry_id, Problem.PREV_HASH_MISMATCH, detail)
        if entry_hash(entry["prev_hash"], entry) != entry["hash"]:
            detail = "the stored hash does not match the entry's content: it was modified"
            return self._break(seq, entry_id, Problem.HASH_MISMATCH, detail)
        if self.anchor is not None and seq == self.anchor.seq and entry["hash"] != self.anchor.hash:
            detail = (
                f"entry {seq} does not have the anchored hash {self.anchor.hash[:12]}…: "
                "the chain was rewritten up to here"
            )
            return self._break(seq, entry_id, Problem.ANCHOR_MISMATCH, detail)
        self.count += 1
        self.last_seq = seq
        self.last_hash = entry["hash"]
        self.last_id = entry_id
        return None

    def finish(self) -> Break | None:
        """Check the tail against the head and the anchor (when given); return the first break."""
        if self.broken is not None:
            return self.broken
        if self.anchor is not None and self.anchor.seq > self.last_seq:
            detail = f"the chain ends at seq {self.last_seq}, before the anchored entry {self.anchor.seq}"
            return self._break(self.last_seq + 1, None, Problem.ANCHOR_MISMATCH, detail)
        if self.head is None:
            if self.head_required and self.count:
                detail = "the chain head is missing: the end of the log cannot be checked"
                return self._break(self.last_seq, self.last_id, Problem.HEAD_MISMATCH, detail)
            return None
        head = self.head
        if head.seq > self.last_seq:
            first = self.last_seq + 1
            missing = str(first) if head.seq == first else f"{first}–{head.seq}"
            detail = (
                f"the chain head says the log ends at seq {head.seq}: entry {missing} is missing"
            )
            return self._break(first, None, Problem.SEQ_GAP, detail)
        if head.hash != self.last_hash:
            detail = f"entry {self.last_seq} is not the entry the chain head recorded"
            return self._break(self.last_seq, self.last_id, Problem.HEAD_MISMATCH, detail)
        return None

    def _break(self, seq: int, entry_id: int | None, problem: Problem, detail: str) -> Break:
        self.broken = Break(seq=seq, entry_id=entry_id, problem=problem, detail=detail)
        return self.broken


def verify(
    entries: Iterable[Mapping[str, Any]], head: Head | None = None, anchor: Head | None = None
) -> Break | None:
    """The first broken entry of ``entries`` (in ``seq`` order), or ``None`` if the chain holds.

    Parameters:
        entries: mappings with the :data:`HASHED_FIELDS`, ``hash`` and optionally ``id``.
        head: the recorded head; when given, a missing or extra tail is a break too.
        anchor: a seq and hash kept outside the database (see :class:`Verifier`).
    """
    verifier = Verifier(head, anchor)
    for entry in entries:
        if verifier.feed(entry) is not None:
            break
    return verifier.finish()
