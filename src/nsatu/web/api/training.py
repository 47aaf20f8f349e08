"""JSON API routes (filled in by its area)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
