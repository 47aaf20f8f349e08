"""Who is asking: the one place that turns a request's credentials into an :class:`Actor`, the
CSRF check, and the access dependencies routes declare.

Credentials, in this order:

1. ``Authorization: Bearer nsatu_…`` (API clients). A bad, expired or revoked token, or a disabled
   user, is a 401 with a JSON error, never a silent fall-back to public. Channel ``api``.
2. The ``nsatu_session`` cookie (browsers), set by the login page: a random id whose SHA-256 is a
   ``web_session`` row; HttpOnly, SameSite=Lax, Secure over https, 12 hours. Channel ``web``. A
   stale cookie is a 401 on the API; on the pages the visitor is public (and a form post asks them
   to sign in again).
3. Nothing: :data:`PUBLIC`, which sees only public records and changes nothing.

CSRF (see ``docs/architecture.md``): every state-changing request that is not bearer-authenticated
carries a token, in the form field ``csrf_token`` or the header ``X-CSRF-Token`` (the layout sets
``hx-headers`` on ``<body>`` so HTMX sends it). Signed-in, it is the session's random token, kept
in its row. Anonymous (the login form), it is a signed double-submit token: the ``nsatu_csrf``
cookie holds a random nonce and the form carries HMAC(secret, nonce), which a site that can plant
cookies cannot compute. A cookie-authenticated API write needs the header; an anonymous API request
has no ambient credential to abuse and needs none. A mismatch is a 403 before the route runs.

Dependencies for routes (names are stable; other areas build on them):

- ``CurrentActor``: the request's actor (``PUBLIC`` when nobody is signed in);
- ``SignedIn``: any signed-in user, else 401 (pages: a redirect to the login page);
- ``CanWrite``: a signed-in user whose role may change something (not an auditor), else 403;
- ``require_role(*roles)``: a dependency factory for a set of roles; ``CanEditNeeds`` and
  ``CanEditOffers`` are the role sets of the needs and offers pages (:data:`EDITORS`). Which
  *records* a role may change is decided by the domain services, not here.

These read ``request.state.auth``, which the app-wide dependency ``nsatu.web.deps.guard_request``
sets before any route parameter is resolved.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from nsatu.core.access import PUBLIC, Actor, Channel, Role
from nsatu.errors import PermissionDenied
from nsatu.identity import service as identity_service
from nsatu.identity.errors import NotAuthenticated, SessionExpired, TokenInvalid
from nsatu.settings import Settings
from nsatu.web.throttle import SlidingWindow

SESSION_COOKIE = "nsatu_session"
CSRF_COOKIE = "nsatu_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_NONCE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")

#: Who may use the edit pages of each area (record-level rules are the services').
EDITORS: dict[str, frozenset[Role]] = {
    "needs": frozenset({Role.COORDINATOR, Role.RECIPIENT_PLANNER}),
    "offers": frozenset({Role.COORDINATOR, Role.DONOR_LIAISON}),
}


class AuthMethod(StrEnum):
    TOKEN = "token"  # noqa: S105 (the name of a method, not a secret)
    SESSION = "session"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class RequestAuth:
    """How the request was authenticated, and the CSRF token its forms must carry."""

    actor: Actor
    method: AuthMethod
    display_name: str | None = None
    csrf_token: str | None = None
    #: A session cookie came with the request but no longer stands for a session.
    stale_session: bool = False

    @property
    def signed_in(self) -> bool:
        return not self.actor.is_public


class CsrfFailed(PermissionDenied):
    code = "csrf_failed"


def is_api(request: Request) -> bool:
    path = request.url.path
    return path == "/api" or path.startswith("/api/")


# --- authentication -------------------------------------------------------------------------------


def authenticate(request: Request, session: Session) -> RequestAuth:
    """Resolve the request's credentials (see the module docstring for the order).

    Raises:
        NotAuthenticated: a bearer token that is malformed, unknown, expired or revoked, or whose
            user is disabled; a stale session cookie on the API.
    """
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise TokenInvalid("The Authorization header must be 'Bearer <token>'.")
        user = identity_service.verify_token(session, token.strip())
        return RequestAuth(
            identity_service.actor_for(user, Channel.API), AuthMethod.TOKEN, user.display_name
        )
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found = identity_service.session_user(session, cookie)
        if found is not None:
            user, web_session = found
            actor = identity_service.actor_for(user, Channel.WEB)
            return RequestAuth(actor, AuthMethod.SESSION, user.display_name, web_session.csrf_token)
        if is_api(request):
            raise SessionExpired("The session has expired or ended; sign in again.")
    return RequestAuth(
        PUBLIC,
        AuthMethod.ANONYMOUS,
        csrf_token=_anonymous_token(request, request.cookies.get(CSRF_COOKIE)),
        stale_session=bool(cookie),
    )


def current_auth(request: Request) -> RequestAuth:
    auth = getattr(request.state, "auth", None)
    if not isinstance(auth, RequestAuth):
        raise RuntimeError("the request was not authenticated: is guard_request installed?")
    return auth


# --- CSRF -----------------------------------------------------------------------------------------


def _secret(request: Request) -> bytes:
    secret = request.app.state.secret_key
    assert isinstance(secret, bytes)
    return secret


def _anonymous_token(request: Request, nonce: str | None) -> str | None:
    if not nonce or not _NONCE.match(nonce):
        return None
    return hmac.new(_secret(request), b"csrf:" + nonce.encode(), hashlib.sha256).hexdigest()


def ensure_anonymous_csrf(request: Request) -> str | None:
    """Give an anonymous visitor a CSRF token for the forms of this page (the login form).

    ``request.state.auth`` then carries the token the template renders. Returns the new nonce
    when the visitor had none; pass it to :func:`set_csrf_cookie` with the response."""
    auth = current_auth(request)
    if auth.csrf_token is not None:
        return None
    nonce = secrets.token_urlsafe(32)
    request.state.auth = dataclasses.replace(auth, csrf_token=_anonymous_token(request, nonce))
    return nonce


def set_csrf_cookie(request: Request, response: Response, nonce: str) -> None:
    response.set_cookie(
        CSRF_COOKIE,
        nonce,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


async def _submitted_token(request: Request) -> str | None:
    token = request.headers.get(CSRF_HEADER)
    if token is not None or is_api(request):
        return token
    if request.headers.get("content-type", "").split(";")[0].strip() in FORM_TYPES:
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request that carries an ambient credential (a cookie) without the
    matching CSRF token. Runs before any route parameter, so a refusal changes nothing.

    Raises:
        CsrfFailed: the token is missing or wrong (403).
        SessionExpired: a page form posted after its session ended (the visitor signs in again).
    """
    if request.method in SAFE_METHODS:
        return
    auth = current_auth(request)
    if auth.method is AuthMethod.TOKEN or (auth.method is AuthMethod.ANONYMOUS and is_api(request)):
        return
    supplied = await _submitted_token(request)
    expected = auth.csrf_token
    if expected and supplied and hmac.compare_digest(supplied.encode(), expected.encode()):
        return
    if auth.stale_session:
        raise SessionExpired("Your session has expired; sign in again.")
    where = f"the {CSRF_HEADER} header" if is_api(request) else "the form"
    raise CsrfFailed(
        f"The request was refused: {where} carried no valid CSRF token. "
        "Reload the page and try again."
    )


# --- access dependencies --------------------------------------------------------------------------


def current_actor(request: Request) -> Actor:
    return current_auth(request).actor


def require_user(request: Request) -> Actor:
    """A signed-in user (401 otherwise; the pages redirect to the login page)."""
    actor = current_actor(request)
    if actor.is_public:
        raise NotAuthenticated("Sign in to do this.")
    return actor


def require_write(request: Request) -> Actor:
    """A signed-in user whose role may change records (an auditor may not)."""
    actor = require_user(request)
    if not actor.may_write:
        raise PermissionDenied(f"A {actor.role} may not change records.")
    return actor


def require_role(*roles: Role) -> Callable[[Request], Actor]:
    """A dependency admitting signed-in users with one of ``roles``."""
    allowed = frozenset(roles)

    def dependency(request: Request) -> Actor:
        actor = require_user(request)
        if actor.role not in allowed:
            names = ", ".join(sorted(allowed))
            raise PermissionDenied(f"Only a {names} may do this; you are a {actor.role}.")
        return actor

    return dependency


def may_edit(request: Request, area: str) -> bool:
    """Whether the visitor may use ``area``'s edit pages (for showing or hiding the buttons)."""
    auth = getattr(request.state, "auth", None)
    return isinstance(auth, RequestAuth) and auth.actor.role in EDITORS[area]


CurrentActor = Annotated[Actor, Depends(current_actor)]
SignedIn = Annotated[Actor, Depends(require_user)]
CanWrite = Annotated[Actor, Depends(require_write)]
CanEditNeeds = Annotated[Actor, Depends(require_role(*EDITORS["needs"]))]
CanEditOffers = Annotated[Actor, Depends(require_role(*EDITORS["offers"]))]


# --- cookies, redirects and the 401 handler --------------------------------------------------------


def set_session_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=int(identity_service.SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in; anything else (another site) becomes ``/``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path in ("/login", "/logout"):
        return "/"
    return target


def _return_to(request: Request) -> str:
    """Where the login page should send the visitor back to."""
    if request.method in SAFE_METHODS:
        query = f"?{request.url.query}" if request.url.query else ""
        return request.url.path + query
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path:
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/"


def login_url(request: Request, *, expired: bool = False) -> str:
    params = {"next": safe_next(_return_to(request))}
    if expired:
        params["expired"] = "1"
    return "/login?" + urlencode(params)


def install(app: FastAPI, settings: Settings) -> None:
    """The signing key of the anonymous CSRF tokens, and the 401 handler: JSON with a
    ``WWW-Authenticate`` challenge on the API, a redirect to the login page on the pages."""
    key = settings.secret_key.get_secret_value().encode() if settings.secret_key else None
    # Without a configured key each process makes its own: anonymous form tokens then last as
    # long as the process (sessions are in the database and are not affected).
    app.state.secret_key = key or secrets.token_bytes(32)
    # Failed sign-ins per client address, in this process (nsatu.web.throttle).
    app.state.login_throttle = SlidingWindow(
        settings.login_failures_per_address, settings.login_window_seconds
    )

    @app.exception_handler(NotAuthenticated)
    async def _unauthenticated(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NotAuthenticated)
        if is_api(request) or request.headers.get("authorization"):
            challenge = "Bearer"
            if request.headers.get("authorization"):
                challenge += f' error="invalid_token", error_description="{exc.code}"'
            return JSONResponse(
                exc.to_dict(), status_code=401, headers={"WWW-Authenticate": challenge}
            )
        target = login_url(request, expired=isinstance(exc, SessionExpired))
        if request.headers.get("HX-Request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
