"""What the CLI commands share: building a client from the global flags, and progress lines."""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import TextIO

from sis_desktop.cli.main import UsageError
from sis_desktop.core.canvas.client import CanvasClient
from sis_desktop.core.canvas.errors import InsecureURL
from sis_desktop.core.canvas.models import SisImport
from sis_desktop.core.canvas.urls import normalize_base_url
from sis_desktop.core.import_flow import Target

TOKEN_ENV = "CANVAS_API_TOKEN"


def target_from_args(args: argparse.Namespace) -> Target:
    """Where `--url/--account/--profile` and CANVAS_API_TOKEN point (env wins for the token;
    --url and --account override the profile's), with a factory for clients of it. Missing
    pieces or an insecure address are UsageErrors: nothing is sent."""
    url, account = getattr(args, "url", None), getattr(args, "account", None)
    token = os.environ.get(TOKEN_ENV) or None
    profile_name = getattr(args, "profile", None)
    profile = None
    if profile_name:
        from sis_desktop.core.profiles import ProfileStore, connection_for
        store = ProfileStore()
        try:
            p_url, p_account, p_token = connection_for(profile_name, store=store,
                                                       token_required=token is None)
            profile = store.get(profile_name)
        except (LookupError, ValueError) as exc:
            raise UsageError(str(exc)) from None
        finally:
            if store.set_aside_notice:  # never silent, even when the profile was found
                print(f"sis-desktop-cli: warning: {store.set_aside_notice}", file=sys.stderr)
        url, account, token = url or p_url, account or p_account, token or p_token
    if not url:
        raise UsageError("No Canvas address: give --url https://school.instructure.com or "
                         "--profile NAME.")
    if account is None or str(account).strip() == "":
        raise UsageError("No account id: give --account ID (the root account, often 1) or "
                         "--profile NAME.")
    from sis_desktop.core.profiles import ProfileError, check_account_id
    try:
        account = check_account_id(account)  # -1, abc, 1e9 … refused before anything is sent
    except ProfileError as exc:
        raise UsageError(str(exc)) from None
    try:
        url = normalize_base_url(url)
    except InsecureURL as exc:
        raise UsageError(str(exc)) from None
    if not token:
        raise UsageError(f"No access token: set the {TOKEN_ENV} environment variable or save a "
                         "token in the profile (sis-desktop-cli profiles).")
    ca_bundle = profile.ca_bundle if profile is not None else None
    deadline = getattr(args, "deadline", None)  # --timeout: one deadline for every client

    def factory() -> CanvasClient:
        return CanvasClient(url, token, account, ca_bundle=ca_bundle, deadline=deadline)
    try:
        factory().close()  # a malformed token (e.g. from CANVAS_API_TOKEN) fails here
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    # The import belongs to the profile only when it goes where the profile points.
    same = profile is not None and normalize_base_url(profile.url) == url \
        and str(profile.account_id) == str(account).strip()
    return Target(url, str(account), profile.id if same else None,
                  profile.name if same else None, factory)


def client_from_args(args: argparse.Namespace) -> CanvasClient:
    """A client for `--url/--account/--profile` and CANVAS_API_TOKEN (see target_from_args)."""
    return target_from_args(args).client()


def warn(sentence: str) -> None:
    """One warning line on stderr."""
    print(f"sis-desktop-cli: warning: {sentence}", file=sys.stderr)


def is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def human_bytes(n: float) -> str:
    if n < 1000:
        return f"{n:.0f} B"
    for unit in ("KB", "MB", "GB"):
        n /= 1000
        if n < 1000 or unit == "GB":
            break
    return f"{n:.1f} {unit}"


class TransferBar:
    """`[#####-----]  42%  120.0 MB of 285.3 MB  45.2 MB/s` on one redrawn stderr line."""

    WIDTH = 28

    def __init__(self, stream: TextIO = sys.stderr, label: str = "Uploading"):
        self.stream, self.label = stream, label
        self.started = time.monotonic()
        self._drawn = 0.0
        self._shown = False

    def update(self, sent: int, total: int) -> None:
        now = time.monotonic()
        if sent < total and now - self._drawn < 0.1:
            return
        self._drawn = now
        share = sent / total if total else 1.0
        filled = int(share * self.WIDTH)
        rate = sent / max(now - self.started, 1e-6)
        self.stream.write(f"\r{self.label} [{'#' * filled}{'-' * (self.WIDTH - filled)}] "
                          f"{share * 100:3.0f}%  {human_bytes(sent)} of {human_bytes(total)}  "
                          f"{human_bytes(rate)}/s ")
        self.stream.flush()
        self._shown = True

    def finish(self) -> None:
        if self._shown:
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False


class StatusLine:
    """State and percent while waiting: redrawn in place on a TTY, one line per change else."""

    def __init__(self, stream: TextIO = sys.stderr):
        self.stream = stream
        self.tty = is_tty(stream)
        self._last: tuple | None = None

    def update(self, sis_import: SisImport) -> None:
        key = (sis_import.workflow_state, sis_import.progress)
        if key == self._last:
            return
        self._last = key
        text = f"Import {sis_import.id}: {sis_import.workflow_state.label}, {sis_import.progress}%"
        if self.tty:
            self.stream.write(f"\r{text:<78}")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty and self._last is not None:
            self.stream.write("\n")
            self.stream.flush()
