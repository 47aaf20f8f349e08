"""The server-rendered pages (Jinja2 + HTMX). They call the same domain services as the JSON API;
each area has its own module and router."""

from fastapi import APIRouter

from nsatu.web.views import (
    audit,
    auth,
    delivery,
    home,
    hubs,
    nations,
    needs,
    offers,
    plans,
    reports,
    sites,
    training,
)

router = APIRouter(include_in_schema=False)
for _module in (
    auth,
    home,
    needs,
    offers,
    nations,
    sites,
    plans,
    audit,
    hubs,
    delivery,
    training,
    reports,
):
    router.include_router(_module.router)
