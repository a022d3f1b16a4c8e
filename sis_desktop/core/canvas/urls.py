"""Canvas base URLs: one normal form, and HTTPS unless the host is this machine."""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit

from .errors import InsecureURL

def is_loopback(host: str | None) -> bool:
    """True for a literal loopback address (127.0.0.0/8, ::1) and the name `localhost`
    itself: the only places plain http may go. Other names (`evil.localhost`,
    `localhost.localdomain`) are resolved through DNS like any host, so they do not count."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_base_url(url: str) -> str:
    """`https://school.instructure.com/api/v1/` -> `https://school.instructure.com`.

    Strips spaces, a trailing slash and a pasted `/api/v1`; requires http(s) and a host;
    raises InsecureURL for plain http to anything but loopback."""
    text = (url or "").strip()
    if not text:
        raise InsecureURL("The Canvas address is empty; give it like https://school.instructure.com.")
    not_web = InsecureURL(f"'{text}' is not a web address; give the Canvas address with its "
                          "scheme, like https://school.instructure.com.")
    try:
        parts = urlsplit(text)
        parts.port  # raises ValueError for a port that is not 0-65535
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        raise not_web from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise not_web
    if parts.username or parts.password:
        raise InsecureURL("The Canvas address must not contain a user name or password; "
                          "give the token separately.")
    if scheme == "http" and not is_loopback(parts.hostname):
        raise InsecureURL(f"'{text}' uses plain http, which would send your token unencrypted; "
                          "use https:// (plain http is only allowed for this computer).")
    path = parts.path.rstrip("/")
    if path.lower().endswith("/api/v1"):
        path = path[: -len("/api/v1")].rstrip("/")
    return urlunsplit((scheme, parts.netloc.lower(), path, "", ""))


def same_origin(a: str, b: str) -> bool:
    """Same scheme, host and port: the Authorization header may be sent to `b`."""
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme.lower(), (pa.hostname or "").lower(), _port(pa)) == \
           (pb.scheme.lower(), (pb.hostname or "").lower(), _port(pb))


def _port(parts) -> int | None:
    try:
        return parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        return None
