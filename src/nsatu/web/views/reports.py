"""Pages (filled in by their area)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
