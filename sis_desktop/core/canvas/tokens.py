"""The one check of an access token's text, shared by the client and the token store."""
from __future__ import annotations


def clean_token(token: str | None) -> str:
    """The token without surrounding spaces; ValueError (one sentence, never repeating the
    token) when it is empty or holds characters a Canvas token never has."""
    token = (token or "").strip()
    if not token:
        raise ValueError("The token is empty; paste the access token from Canvas.")
    if not token.isascii() or not token.isprintable() or " " in token:
        raise ValueError("The access token contains spaces, line breaks or other characters "
                         "a Canvas token never has; copy it again from Canvas.")
    return token
