"""``smtp://[user[:pass]@]host[:port]?from=…&to=…[&starttls=true]`` and ``smtps://…``.

One email per message: a one-line subject, a plain-text part and an escaped HTML part,
``Message-ID: <idempotency key@watchlist>`` (so a resend after a crash is recognisable
as the same message), ``Auto-Submitted: auto-generated`` (RFC 3834: no vacation replies).

Reply codes decide retrying (RFC 5321 §4.2.1): 4yz is transient, 5yz permanent; network
errors and timeouts are transient; TLS and authentication problems are configuration,
so permanent. When the server refuses some recipients but accepts others the message is
delivered, and the refusals are returned in the receipt to be recorded on the alert.

A send has one deadline, the channel's ``timeout``, for the whole conversation (every
socket operation gets only the time left), and a server reply is read up to
``REPLY_CAP`` bytes: ``smtplib`` bounds each operation and each line, not a server that
trickles or sends continuation lines forever (issue 16: a send must not outlive its lease).
"""

from __future__ import annotations

import html
import smtplib
import socket
import ssl
import time
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from monitor.alerts.channels.base import ChannelSpec, RateGate, Receipt
from monitor.alerts.message import Message, Notice
from monitor.alerts.render import one_line, plain_text, safe_link, subject, when
from monitor.errors import AlertError, ConfigError
from monitor.secret import Secret, protect, redact

_QUERY_KEYS = {"from", "to", "starttls"}
REPLY_CAP = 64 * 1024  # bytes of one server reply (RFC 5321 lines are at most 512)
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


class SmtpChannel:
    def __init__(self, spec: ChannelSpec) -> None:
        self.spec = spec
        what = f"channel {spec.name} ({spec.kind} URL)"
        try:
            parts = urlsplit(spec.url.reveal())
            port = parts.port
        except ValueError:
            raise ConfigError(f"{what}: not a valid URL (host or port)") from None
        if not parts.hostname:
            raise ConfigError(f"{what}: needs a host")
        query = parse_qs(parts.query, keep_blank_values=True)
        if unknown := set(query) - _QUERY_KEYS:
            raise ConfigError(f"{what}: unknown parameter(s) {', '.join(sorted(unknown))}")
        self.host = parts.hostname
        self.tls = spec.kind == "smtps"
        self.port = port or (465 if self.tls else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password: Secret | None = None
        if parts.password:  # protected as written in the URL and decoded
            self.password = Secret(unquote(parts.password))
            protect(self.password, parts.password)
        self.sender = (query.get("from") or [""])[0].strip()
        self.recipients = [a.strip() for v in query.get("to", []) for a in v.split(",") if a]
        if not self.sender or not self.recipients:
            raise ConfigError(f"{what}: needs from=ADDRESS and to=ADDRESS[,ADDRESS…]")
        starttls = (query.get("starttls") or ["false"])[0].lower()
        if starttls not in _TRUE | _FALSE:
            raise ConfigError(f"{what}: starttls must be true or false")
        self.starttls = starttls in _TRUE
        if self.tls and self.starttls:
            raise ConfigError(f"{what}: smtps is already TLS; drop starttls=true")
        self.gate = RateGate(spec.min_interval or 0.0)

    def describe(self) -> str:
        security = "tls" if self.tls else "starttls" if self.starttls else "plain"
        return f"smtp {self.host}:{self.port} ({security}) → {', '.join(self.recipients)}"

    def send(self, message: Message) -> Receipt:
        email = build_email(message, self.sender, self.recipients)
        try:
            with self.gate, self._connect() as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password.reveal() if self.password else "")
                refused = smtp.send_message(email, self.sender, self.recipients)
        except (smtplib.SMTPException, OSError) as exc:
            raise self._translate(exc) from None  # the chain could hold the password
        return Receipt({rcpt: _reply(code, text) for rcpt, (code, text) in refused.items()})

    def close(self) -> None:
        self.gate.close()

    def _connect(self) -> smtplib.SMTP:
        timeout = self.spec.timeout
        at = time.monotonic() + timeout
        if self.tls:
            context = ssl.create_default_context()
            return _BoundedSMTPS(at, self.host, self.port, timeout=timeout, context=context)
        return _BoundedSMTP(at, self.host, self.port, timeout=timeout)

    def _translate(self, exc: BaseException) -> AlertError:
        where = f"{self.spec.name}: {self.host}:{self.port}"
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            said = "; ".join(f"{r}: {_reply(c, t)}" for r, (c, t) in exc.recipients.items())
            transient = any(400 <= code < 500 for code, _ in exc.recipients.values())
            return AlertError(f"{where} refused every recipient: {said}", retryable=transient)
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return AlertError(
                f"{where} refused the login: {_reply(exc.smtp_code, exc.smtp_error)}",
                retryable=400 <= exc.smtp_code < 500,
            )
        if isinstance(exc, smtplib.SMTPResponseException):
            said = _reply(exc.smtp_code, exc.smtp_error)
            return AlertError(f"{where} said {said}", retryable=not 500 <= exc.smtp_code < 600)
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return AlertError(f"{where} closed the connection: {_words(exc)}", retryable=True)
        if isinstance(exc, smtplib.SMTPException):  # e.g. STARTTLS or AUTH not offered
            return AlertError(f"{where}: {_words(exc)}", retryable=False)
        if isinstance(exc, ssl.SSLError | ssl.CertificateError):
            return AlertError(f"{where}: TLS failed: {_words(exc)}", retryable=False)
        if isinstance(exc, TimeoutError):
            return AlertError(f"{where} timed out after {self.spec.timeout:g}s", retryable=True)
        return AlertError(f"{where}: cannot connect: {_words(exc)}", retryable=True)


class _Deadline:
    """What ``_BoundedSMTP`` adds to ``smtplib``: the time left before ``at`` as every
    socket operation's timeout, and replies read through ``_CappedReader``."""

    sock: Any
    file: Any
    at: float

    def left(self) -> None:
        remaining = self.at - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("SMTP deadline exceeded")
        if self.sock is not None:
            self.sock.settimeout(remaining)

    def send(self, s: Any) -> None:
        self.left()
        super().send(s)  # type: ignore[misc]

    def getreply(self) -> tuple[int, bytes]:
        if self.file is None and self.sock is not None:
            self.file = _CappedReader(self.sock, self)
        if isinstance(self.file, _CappedReader):
            self.file.budget = REPLY_CAP
        return super().getreply()  # type: ignore[misc,no-any-return]


class _BoundedSMTP(_Deadline, smtplib.SMTP):
    def __init__(self, at: float, *args: Any, **kwargs: Any) -> None:
        self.at = at
        super().__init__(*args, **kwargs)


class _BoundedSMTPS(_Deadline, smtplib.SMTP_SSL):
    def __init__(self, at: float, *args: Any, **kwargs: Any) -> None:
        self.at = at
        super().__init__(*args, **kwargs)


class _CappedReader:
    """The reply stream ``smtplib`` reads lines from, read from the socket directly: each
    ``recv`` within the deadline (a file object's readline would wait out every byte of a
    trickled line with the whole timeout), and at most ``budget`` bytes per reply (an
    ``OSError``, which smtplib reports as the server disconnecting: retryable)."""

    def __init__(self, sock: socket.socket, owner: _Deadline) -> None:
        self.sock = sock
        self.owner = owner
        self.buffer = bytearray()
        self.budget = REPLY_CAP

    def readline(self, limit: int = -1) -> bytes:
        while True:
            end = self.buffer.find(b"\n") + 1
            if 0 < limit <= len(self.buffer) and (end == 0 or end > limit):
                end = limit
            if end > 0:
                return self._take(end)
            self.owner.left()
            chunk = self.sock.recv(4096)
            if not chunk:
                return self._take(len(self.buffer))
            self.buffer += chunk

    def _take(self, size: int) -> bytes:
        line = bytes(self.buffer[:size])
        del self.buffer[:size]
        self.budget -= len(line)
        if self.budget < 0:
            raise OSError(f"reply longer than {REPLY_CAP} bytes")
        return line

    def close(self) -> None:
        self.buffer.clear()


def build_email(message: Message, sender: str, recipients: list[str]) -> EmailMessage:
    email = EmailMessage(policy=SMTP_POLICY)
    email["Subject"] = subject(message)
    email["From"] = sender
    email["To"] = ", ".join(recipients)
    email["Date"] = formatdate(usegmt=True)
    email["Message-ID"] = f"<{message.key}@watchlist>"
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(plain_text(message))
    email.add_alternative(html_body(message), subtype="html")
    return email


def html_body(message: Message) -> str:
    """The HTML part: every piece of feed text escaped, only http(s) links."""
    if message.kind == "brief":
        return message.html  # rendered by monitor.brief.render with autoescaping
    parts = ['<!doctype html><html><body style="font-family: sans-serif">']
    if message.kind == "test":
        parts.append("<p><strong>Test message from watchlist</strong>: the channel works.</p>")
    elif message.kind != "alert":
        label = message.period or "grouped"
        parts.append(f"<h2>{message.count} status changes ({_h(label, 60)})</h2>")
    parts += [_notice_html(notice) for notice in message.notices]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _notice_html(notice: Notice) -> str:
    rows = [
        f"<h3>{_h(notice.indicator, 120)} — {_h(notice.title, 300)}</h3>",
        f"<p><code>{_h(notice.from_status, 20)}</code> → <strong>{_h(notice.to_status, 20)}"
        f"</strong> · {_h(when(notice.at), 40)} · severity {_h(notice.severity, 10)}</p>",
        f"<p>{_h(notice.reason, 1000)}</p>",
    ]
    for ev in notice.evidence:
        rows.append(f"<blockquote>“{_h(ev.sentence, 1000)}”</blockquote>")
        source = [_h(ev.publisher, 80)] if ev.publisher else []
        if ev.published:
            source.append(_h(when(ev.published), 40))
        if link := safe_link(ev.link):
            label = _h(ev.title or link, 200)
            source.append(f'<a href="{html.escape(link, quote=True)}">{label}</a>')
        if source:
            rows.append(f"<p>{' · '.join(source)}</p>")
    return "\n".join(rows)


def _h(text: str | None, limit: int) -> str:
    return html.escape(one_line(text, limit), quote=True)


def _reply(code: int, text: bytes | str) -> str:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {one_line(redact(said), 200)}".strip()


def _words(exc: BaseException) -> str:
    return one_line(redact(str(exc)), 200) or type(exc).__name__
