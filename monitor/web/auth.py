"""Login and CSRF for the dashboard's analyst actions (only with an admin token).

A login checks the admin token (a ``Secret``; constant-time compare) and sets a session
cookie ``ISSUED.NONCE.MAC``: HttpOnly, SameSite=Strict, valid for ``SESSION_HOURS``,
signed with a key derived from the token and a per-process random salt (a restart, or
a new token, logs everyone out). Each form carries a CSRF token, an HMAC of the session
cookie: a POST needs both the cookie and the token of a page the server gave out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from monitor.secret import Secret

COOKIE = "watchlist_session"
SESSION_HOURS = 12


class Auth:
    def __init__(self, token: Secret | None) -> None:
        self.enabled = bool(token)
        self._token = token.reveal().encode() if token else b""
        salt = secrets.token_bytes(16)
        self._key = hashlib.sha256(b"watchlist-web\0" + salt + self._token).digest()

    def check_token(self, given: str) -> bool:
        return self.enabled and hmac.compare_digest(given.encode(), self._token)

    def new_session(self, now: float | None = None) -> str:
        value = f"{int(now if now is not None else time.time())}.{secrets.token_urlsafe(16)}"
        return f"{value}.{self._mac('session', value)}"

    def valid_session(self, cookie: str | None, now: float | None = None) -> bool:
        if not self.enabled or not cookie or cookie.count(".") != 2:
            return False
        value, _, mac = cookie.rpartition(".")
        if not hmac.compare_digest(mac, self._mac("session", value)):
            return False
        issued = value.split(".", 1)[0]
        age = (now if now is not None else time.time()) - int(issued) if issued.isdigit() else -1
        return 0 <= age <= SESSION_HOURS * 3600

    def csrf_token(self, cookie: str) -> str:
        return self._mac("csrf", cookie)

    def valid_csrf(self, cookie: str | None, given: str | None) -> bool:
        if not self.valid_session(cookie) or not given or cookie is None:
            return False
        return hmac.compare_digest(given, self.csrf_token(cookie))

    def _mac(self, purpose: str, value: str) -> str:
        return hmac.new(self._key, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()
