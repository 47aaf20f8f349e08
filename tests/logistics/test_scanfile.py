"""Scan files: parsed to UTC events, or refused as a whole naming row and column."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from nsatu.core.enums import TrackingEventKind
from nsatu.logistics import scanfile
from nsatu.logistics.ingest import EventIn

HEADER = "event_id,consignment,kind,site,occurred_at,quantity,serials"


def test_a_scan_file_is_read_in_utc_with_serials_and_optional_columns() -> None:
    text = (
        "\ufeffEvent_ID,consignment,kind,site,occurred_at,quantity,serials,new_eta\n"
        "s-1,CSG-1,departed,DEDEP,2025-03-01T10:00:00+02:00,4,A1;A2; A3;,\n"
        "\n"
        "s-2,CSG-1,delayed,,2025-03-01T12:30:00-05:00,,,2025-03-04T00:00:00Z\n"
    )
    first, second = scanfile.parse(text)
    assert first.occurred_at == dt.datetime(2025, 3, 1, 8, tzinfo=dt.UTC)
    assert first.serials == ("A1", "A2", "A3") and first.quantity == Decimal(4)
    assert (first.row, second.row) == (2, 4)
    assert second.site is None and second.quantity is None
    assert second.occurred_at == dt.datetime(2025, 3, 1, 17, 30, tzinfo=dt.UTC)
    assert second.new_eta == dt.datetime(2025, 3, 4, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "row 1, column header"),
        ("event_id,consignment,kind,site,occurred_at,quantity\n", "row 1, column serials"),
        (HEADER + ",colour\n", "row 1, column colour"),
        (HEADER + ",kind\n", "row 1, column kind: the column appears twice"),
        (HEADER + "\ns-1,CSG-1,departed,DEP,2025-03-01T10:00:00,1,\n", "row 2, column occurred_at"),
        (HEADER + "\ns-1,CSG-1,departed,DEP,yesterday,1,\n", "row 2, column occurred_at"),
        (
            HEADER + "\ns-1,CSG-1,departed,DEP,1999-03-01T10:00:00Z,1,\n",
            "row 2, column occurred_at",
        ),
        (HEADER + "\ns-1,CSG-1,flew,DEP,2025-03-01T10:00:00Z,1,\n", "row 2, column kind"),
        (HEADER + "\ns-1,CSG-1,departed,DEP,2025-03-01T10:00:00Z,-1,\n", "row 2, column quantity"),
        (
            HEADER + "\ns-1,CSG-1,departed,DEP,2025-03-01T10:00:00Z,1.0001,\n",
            "row 2, column quantity",
        ),
        (HEADER + "\ns-1,CSG-1,departed,DEP,2025-03-01T10:00:00Z,NaN,\n", "row 2, column quantity"),
        (HEADER + "\n,CSG-1,departed,DEP,2025-03-01T10:00:00Z,1,\n", "row 2, column event_id"),
        (
            HEADER + "\ns-1,CSG 1,departed,DEP,2025-03-01T10:00:00Z,1,\n",
            "row 2, column consignment",
        ),
        (HEADER + "\ns-1,CSG-1,departed,DEP,2025-03-01T10:00:00Z,1\n", "row 2, column row"),
        (
            HEADER + "\ns-1,CSG-1,departed,DEP,2025-03-01T10:00:00Z,1,\n"
            "s-2,CSG-1,arrived_hub,HUB,2025-03-02T10:00:00Z,x,\n",
            "row 3, column quantity",
        ),
    ],
)
def test_a_malformed_file_is_refused_naming_row_and_column(text: str, message: str) -> None:
    with pytest.raises(scanfile.MalformedScanFile) as info:
        scanfile.parse(text)
    assert message in info.value.detail


# hypothesis draws naive times between naive bounds; they are made UTC after the draw.
NAIVE_FROM = dt.datetime(2001, 1, 1, tzinfo=dt.UTC).replace(tzinfo=None)
NAIVE_TO = dt.datetime(2099, 1, 1, tzinfo=dt.UTC).replace(tzinfo=None)
text_cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)


@given(
    st.lists(
        st.builds(
            EventIn,
            event_id=st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._:/-]{0,20}\Z"),
            consignment=st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._/-]{0,20}\Z"),
            kind=st.sampled_from(list(TrackingEventKind)),
            occurred_at=st.datetimes(min_value=NAIVE_FROM, max_value=NAIVE_TO).map(
                lambda d: d.replace(tzinfo=dt.UTC)
            ),
            site=st.none() | st.from_regex(r"\A[A-Z]{2}[A-Z0-9-]{1,10}\Z"),
            quantity=st.none() | st.decimals(min_value=0, max_value=10**6, places=3),
            serials=st.lists(st.from_regex(r"\A[A-Za-z0-9-]{1,12}\Z"), max_size=3).map(tuple),
            note=st.none() | text_cell.map(str.strip).filter(bool),
        ),
        max_size=5,
    )
)
@example(  # a bare carriage return inside a note must be quoted, or it ends the row
    [
        EventIn(
            event_id="0",
            consignment="0",
            kind=TrackingEventKind.DEPARTED,
            occurred_at=dt.datetime(2001, 1, 1, tzinfo=dt.UTC),
            note="0\r0",
        )
    ]
)
def test_write_then_parse_gives_the_same_events(events: list[EventIn]) -> None:
    parsed = scanfile.parse(scanfile.write(events))
    assert [
        (p.event_id, p.kind, p.occurred_at, p.site, p.quantity, p.serials, p.note) for p in parsed
    ] == [
        (e.event_id, e.kind, e.occurred_at, e.site, e.quantity, e.serials, e.note) for e in events
    ]
