"""What an integrity check reports."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, computed_field


class Example(BaseModel):
    """One offending row, named so that a user can find it."""

    model_config = ConfigDict(frozen=True)

    entity: str  # "offer", "requirement", "allocation", "consignment", "audit_entry", "receipt"
    id: int
    reference: str | None
    detail: str


class CheckResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    description: str
    count: int
    examples: list[Example]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        return self.count == 0
