"""Identity errors. ``NotAuthenticated`` (401) and its kinds say why credentials were refused."""

from __future__ import annotations

from nsatu.errors import Conflict, InvalidInput, NotFound, NsatuError


class NotAuthenticated(NsatuError):
    """No valid credentials for something that needs them."""

    status_code = 401
    code = "not_authenticated"


class TokenInvalid(NotAuthenticated):
    code = "invalid_token"


class TokenExpired(NotAuthenticated):
    code = "token_expired"


class TokenRevoked(NotAuthenticated):
    code = "token_revoked"


class AccountDisabled(NotAuthenticated):
    code = "account_disabled"


class SessionExpired(NotAuthenticated):
    code = "session_expired"


class UserNotFound(NotFound):
    code = "user_not_found"


class TokenNotFound(NotFound):
    code = "token_not_found"


class UsernameTaken(Conflict):
    code = "username_taken"


class AmbiguousToken(InvalidInput):
    code = "ambiguous_token"


class WeakPassword(InvalidInput):
    code = "weak_password"
