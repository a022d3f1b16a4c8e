"""One error hierarchy for everything Canvas (or the network) can answer (reference §4.3).

Every exception's `str()` is one plain sentence for the user: what is wrong and what to do.
No message ever carries a token.
"""
from __future__ import annotations


class CanvasError(Exception):
    """Base of every error the client raises. `status` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None, body: str | None = None):
        super().__init__(message)
        self.status = status
        self.body = body


class InvalidOptions(CanvasError, ValueError):
    """The import options break one of Canvas's rules; nothing was sent."""


class AuthenticationFailed(CanvasError):
    """401 with WWW-Authenticate: missing, invalid, expired or revoked token."""


class PermissionDenied(CanvasError):
    """Authenticated, but the user lacks import_sis / manage_sis (401 or 403 'unauthorized')."""


class NotRootAccount(CanvasError):
    """400 'SIS imports can only be executed on root accounts'."""


class SisImportsDisabled(CanvasError):
    """403 'SIS imports are not enabled for this account'."""


class NotFound(CanvasError):
    """404: the account or import does not exist (or the import already finished, for abort)."""


class BadRequest(CanvasError):
    """Any other 400 Canvas sent; the message is Canvas's own."""


class RateLimited(CanvasError):
    """403 'Rate Limit Exceeded' or 429. `retry_after` in seconds when Canvas said."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw):
        super().__init__(message, **kw)
        self.retry_after = retry_after


class CanvasServerError(CanvasError):
    """5xx from Canvas, or an answer that is not the JSON it should be."""


class NetworkError(CanvasError):
    """Canvas could not be reached: refused, reset, timed out, DNS, TLS."""


class DeadlineExceeded(NetworkError):
    """The command's overall time limit (`--timeout`) ran out. `request_sent` says whether
    the request that was cut short may have reached Canvas."""

    request_sent = False
    permanent = True


class Cancelled(CanvasError):
    """The caller cancelled the operation (upload or polling)."""


class AmbiguousUpload(CanvasError):
    """The connection failed after the body was sent: the import may exist.

    `found` is the SisImport the client found in Canvas's list when it looked, else None
    (and then the message says plainly that it cannot tell)."""

    def __init__(self, message: str, *, found=None, **kw):
        super().__init__(message, **kw)
        self.found = found


class InsecureURL(CanvasError, ValueError):
    """A plain http:// URL to a host that is not loopback."""
