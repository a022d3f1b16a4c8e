"""`profiles …`: list, add, remove, test, export and import saved account profiles.

Tokens go to the system keyring only; with no secure keyring `add` saves nothing and points
to CANVAS_API_TOKEN (or `add --no-token`). With no terminal the token is read from standard
input, as with --token-stdin. No command ever prints a token.
"""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys

from sis_desktop.cli.common import TOKEN_ENV, is_tty
from sis_desktop.cli.main import EXIT_CANVAS, EXIT_OK, UsageError
from sis_desktop.core.profiles import (Profile, ProfileError, ProfileStore, client_for,
                                       test_connection)
from sis_desktop.core.secrets import KeyringUnavailable, TokenStore


def register(subparsers) -> None:
    parser = subparsers.add_parser("profiles", help="saved Canvas accounts (tokens in the keyring)",
                                   description="Saved Canvas accounts. Tokens are kept in the "
                                               "system keyring, never in a file.")
    sub = parser.add_subparsers(dest="profiles_command", metavar="ACTION")
    sub.required = True

    p = sub.add_parser("list", help="show saved profiles and where their tokens are")
    p.add_argument("--json", action="store_true", help="print JSON (never includes tokens)")
    p.set_defaults(func=list_profiles)

    p = sub.add_parser("add", help="save a profile and put its token in the keyring")
    p.add_argument("name", metavar="NAME", help="a name for the profile, e.g. Production")
    p.add_argument("--url", dest="profile_url", required=True, metavar="URL",
                   help="Canvas base URL, e.g. https://school.instructure.com")
    p.add_argument("--account", dest="profile_account", required=True, metavar="ID",
                   help="root account id, e.g. 1")
    p.add_argument("--ca-bundle", metavar="PEM", help="CA certificates for a TLS-inspecting proxy")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--token-stdin", action="store_true",
                     help="read the token from standard input instead of prompting "
                          "(also what happens when there is no terminal)")
    how.add_argument("--no-token", action="store_true",
                     help=f"save the address and account only; give the token in {TOKEN_ENV} "
                          "when using the profile (for machines without a keyring)")
    p.set_defaults(func=add_profile)

    p = sub.add_parser("token", help="replace a profile's token in the keyring")
    p.add_argument("name", metavar="NAME", help="the profile's name (see 'profiles list')")
    p.add_argument("--token-stdin", action="store_true",
                   help="read the token from standard input instead of prompting")
    p.set_defaults(func=set_token)

    p = sub.add_parser("remove", help="delete a profile and its keyring entry")
    p.add_argument("name", metavar="NAME", help="the profile's name (see 'profiles list')")
    p.set_defaults(func=remove_profile)

    p = sub.add_parser("test", help="check the token, the root account and SIS import permission",
                       description=f"Check the profile's token ({TOKEN_ENV} wins when set, as "
                                   "for every command), that its account is a root account "
                                   "and that SIS imports are allowed.")
    p.add_argument("name", metavar="NAME", help="the profile's name (see 'profiles list')")
    p.set_defaults(func=test_profile)

    p = sub.add_parser("export", help="write profiles to a JSON file (without tokens)")
    p.add_argument("file", metavar="FILE", help="the JSON file to write")
    p.add_argument("names", nargs="*", help="only these profiles (default: all)")
    p.set_defaults(func=export_profiles)

    p = sub.add_parser("import", help="add profiles from an exported JSON file")
    p.add_argument("file", metavar="FILE", help="a JSON file written by 'profiles export'")
    p.set_defaults(func=import_profiles)


NO_KEYRING_ADVICE = (f" Set the {TOKEN_ENV} environment variable when running commands, or "
                     "save the profile without a token: profiles add NAME --url URL "
                     "--account ID --no-token.")


def _store() -> ProfileStore:
    store = ProfileStore()
    store.load()
    if store.set_aside_notice:
        print(store.set_aside_notice, file=sys.stderr)
    return store


def list_profiles(args: argparse.Namespace) -> int:
    store, tokens = _store(), TokenStore()
    rows = [{"id": p.id, "name": p.name, "url": p.url, "account_id": p.account_id,
             "token_storage": tokens.where(p.id), "ca_bundle": p.ca_bundle, "defaults": p.defaults}
            for p in store.load()]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    if not rows:
        print("No profiles yet; add one with: sis-desktop-cli profiles add NAME --url URL --account ID")
        return EXIT_OK
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        print(f"{r['name']:<{width}}  {r['url']}  account {r['account_id']}  token {r['token_storage']}")
    if not tokens.available():
        print(f"{tokens.describe()}{NO_KEYRING_ADVICE}", file=sys.stderr)
    return EXIT_OK


def add_profile(args: argparse.Namespace) -> int:
    store, tokens = _store(), TokenStore()
    try:
        profile = store.validate_new(Profile.new(args.name, args.profile_url, args.profile_account,
                                                 ca_bundle=args.ca_bundle))
    except ProfileError as exc:
        raise UsageError(str(exc)) from None
    if args.no_token:
        try:
            store.add(profile)
        except ProfileError as exc:
            raise UsageError(str(exc)) from None
        print(f"Saved profile '{profile.name}' without a token; set CANVAS_API_TOKEN when using it.")
        return EXIT_OK
    if not tokens.available():
        raise UsageError(f"Nothing was saved. {tokens.describe()}{NO_KEYRING_ADVICE}")
    token = _read_token(args.token_stdin)
    try:
        where = tokens.set(profile.id, token)
    except (KeyringUnavailable, ValueError) as exc:
        raise UsageError(str(exc)) from None
    try:
        store.add(profile)
    except BaseException as exc:
        tokens.delete(profile.id)
        if isinstance(exc, ProfileError):  # e.g. a full disk: one sentence, and no token left
            raise UsageError(str(exc)) from None
        raise
    print(f"Saved profile '{profile.name}' ({profile.url}, account {profile.account_id}); "
          f"token {where}. Check it with: sis-desktop-cli profiles test '{profile.name}'")
    return EXIT_OK


def set_token(args: argparse.Namespace) -> int:
    store, tokens = _store(), TokenStore()
    try:
        profile = store.get(args.name)
    except ProfileError as exc:
        raise UsageError(str(exc)) from None
    if not tokens.available():
        raise UsageError(f"Nothing was saved. {tokens.describe()} Set {TOKEN_ENV} when "
                         "using this profile instead.")
    try:
        where = tokens.set(profile.id, _read_token(args.token_stdin))
    except (KeyringUnavailable, ValueError) as exc:
        raise UsageError(str(exc)) from None
    print(f"The token of '{profile.name}' is now {where}.")
    return EXIT_OK


def _read_token(from_stdin: bool) -> str:
    """The token from standard input (--token-stdin, or no terminal to prompt on: getpass
    would echo it with a warning), else typed at a prompt without echo."""
    if from_stdin or not is_tty(sys.stdin):
        token = sys.stdin.readline().strip() if sys.stdin is not None else ""
    else:
        try:
            token = getpass.getpass("Canvas access token (not shown): ").strip()
        except EOFError:
            token = ""
    if not token:
        raise UsageError("No token was given; paste the access token from Canvas "
                         "(Account > Settings > New access token).")
    return token


def remove_profile(args: argparse.Namespace) -> int:
    store, tokens = _store(), TokenStore()
    try:
        profile = store.get(args.name)
    except ProfileError as exc:
        raise UsageError(str(exc)) from None
    try:
        had_token = tokens.delete(profile.id)
    except KeyringUnavailable as exc:
        raise UsageError(f"{exc} The profile was kept; try again once the keyring is unlocked.") from None
    store.remove(profile.id)
    token_note = f" and its token in {tokens.backend_name()}" if had_token else ""
    print(f"Removed profile '{profile.name}'{token_note}.")
    return EXIT_OK


def test_profile(args: argparse.Namespace) -> int:
    store, tokens = _store(), TokenStore()
    env_token = os.environ.get(TOKEN_ENV) or None  # wins over the saved one, as everywhere
    try:
        profile = store.get(args.name)
        token = env_token or tokens.get(profile.id)
    except (ProfileError, KeyringUnavailable) as exc:
        raise UsageError(str(exc)) from None
    if not token:
        raise UsageError(f"The profile '{profile.name}' has no saved token; give it one with "
                         f"'sis-desktop-cli profiles token {profile.name}' or set {TOKEN_ENV}.")
    try:
        client = client_for(profile, token)
    except ValueError as exc:  # a malformed token (saved before tokens were checked)
        fix = (f"Check {TOKEN_ENV}." if env_token else
               f"Replace it with 'sis-desktop-cli profiles token {profile.name}'.")
        raise UsageError(f"{exc} {fix}") from None
    failures = test_connection(client)
    if failures:
        for sentence in failures:
            print(f"sis-desktop-cli: {sentence}", file=sys.stderr)
        return EXIT_CANVAS
    source = f" from {TOKEN_ENV}" if env_token else ""
    print(f"'{profile.name}' works: the token{source} is accepted, account {profile.account_id} "
          "is a root account and SIS imports are allowed.")
    return EXIT_OK


def export_profiles(args: argparse.Namespace) -> int:
    try:
        count = _store().export_to(args.file, args.names or None)
    except ProfileError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"Could not write {args.file} ({exc.strerror or exc}).") from None
    print(f"Exported {count} profile(s) to {args.file} (without tokens).")
    return EXIT_OK


def import_profiles(args: argparse.Namespace) -> int:
    try:
        added, skipped = _store().import_from(args.file)
    except ProfileError as exc:
        raise UsageError(str(exc)) from None
    for sentence in skipped:
        print(sentence, file=sys.stderr)
    names = ", ".join(p.name for p in added) or "none"
    print(f"Imported {len(added)} profile(s): {names}. Give each its token with "
          "'sis-desktop-cli profiles token NAME' or in the desktop app.")
    return EXIT_OK
