"""Sign in and sign out: the login page, the session cookie, and the template helpers that show
who is signed in and put the CSRF token into forms."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from nsatu.identity import service as identity_service
from nsatu.web import auth
from nsatu.web.deps import DbSession
from nsatu.web.throttle import SlidingWindow
from nsatu.web.views.forms import PostedForm, raw_values
from nsatu.web.views.rendering import render, templates

router = APIRouter(tags=["pages"], include_in_schema=False)

#: The same answer for every failure, so it tells nobody whether the username exists.
LOGIN_FAILED = (
    "Sign-in failed: the username or password is wrong, or the account is locked or disabled. "
    f"After {identity_service.MAX_FAILED_LOGINS} failed attempts an account is locked for "
    f"{int(identity_service.LOCKOUT.total_seconds() // 60)} minutes."
)
MAX_FIELD = 1024
TOO_MANY = (
    "Too many failed sign-ins from your address. Try again in {minutes} minute{s}; "
    "nothing was checked this time."
)


def request_auth(request: Request) -> auth.RequestAuth | None:
    value = getattr(request.state, "auth", None)
    return value if isinstance(value, auth.RequestAuth) else None


def csrf_token(request: Request) -> str:
    found = request_auth(request)
    return (found.csrf_token or "") if found else ""


templates.env.globals.update(
    request_auth=request_auth, csrf_token=csrf_token, may_edit=auth.may_edit
)


def _login_page(
    request: Request, *, next_url: str, username: str = "", error: str | None = None,
    expired: bool = False, status: int = 200,
) -> Response:  # fmt: skip
    context = {"next": next_url, "username": username, "error": error, "expired": expired}
    nonce = auth.ensure_anonymous_csrf(request)
    response = render(request, "auth/login.html", context, status=status)
    if nonce is not None:
        auth.set_csrf_cookie(request, response, nonce)
    return response


@router.get("/login", name="login")
def login_page(
    request: Request,
    next: str = Query("/", max_length=MAX_FIELD),
    expired: bool = False,
) -> Response:
    return _login_page(request, next_url=auth.safe_next(next), expired=expired)


def _throttle(request: Request) -> tuple[SlidingWindow, str]:
    window = request.app.state.login_throttle
    assert isinstance(window, SlidingWindow)
    return window, request.client.host if request.client else "unknown"


@router.post("/login", name="login_submit")
def login_submit(request: Request, session: DbSession, form: PostedForm) -> Response:
    values = raw_values(form, ("username", "password", "next"))
    username = values.get("username", "")[:MAX_FIELD]
    next_url = auth.safe_next(values.get("next"))
    throttle, address = _throttle(request)
    wait = throttle.retry_after(address)
    if wait is not None:
        # Refused before the password is checked: no argon2 work, nothing counts on the account.
        minutes = -(-wait // 60)
        error = TOO_MANY.format(minutes=minutes, s="" if minutes == 1 else "s")
        response = _login_page(
            request, next_url=next_url, username=username, error=error, status=429
        )
        response.headers["Retry-After"] = str(wait)
        return response
    user = identity_service.check_password(
        session, username, values.get("password", "")[:MAX_FIELD]
    )
    if user is None:
        throttle.record_failure(address)
        # Not an exception: the failure count must be committed with this request.
        return _login_page(
            request, next_url=next_url, username=username, error=LOGIN_FAILED, status=401
        )
    old = request.cookies.get(auth.SESSION_COOKIE)
    if old:
        identity_service.end_session(session, old)
    cookie, _ = identity_service.start_session(session, user)
    response = RedirectResponse(next_url, status_code=303)
    auth.set_session_cookie(request, response, cookie)
    return response


@router.post("/logout", name="logout")
def logout(request: Request, session: DbSession) -> Response:
    cookie = request.cookies.get(auth.SESSION_COOKIE)
    if cookie:
        identity_service.end_session(session, cookie)
    response = RedirectResponse("/", status_code=303)
    auth.clear_session_cookie(request, response)
    return response
