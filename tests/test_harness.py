"""The test harness itself: each test's writes, committed or not, vanish when it ends."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from nsatu.db.models import Nation
from nsatu.db.session import transaction


@pytest.mark.parametrize("run", range(2))
def test_commits_inside_a_test_are_rolled_back_after_it(
    session_factory: sessionmaker[Session], run: int
) -> None:
    with transaction(session_factory) as s:
        assert s.scalar(select(func.count()).select_from(Nation)) == 0
        s.add(Nation(code="ZZZ", name="Isolation check"))
    with transaction(session_factory) as s:
        assert s.scalar(select(func.count()).select_from(Nation)) == 1
