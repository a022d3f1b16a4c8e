#!/usr/bin/env bash
# Runs the whole suite inside a private D-Bus session with an unlocked gnome-keyring (the
# real Secret Service), a throwaway HOME and offscreen Qt. Arguments go to pytest.
set -euo pipefail
if [ -z "${SIS_DESKTOP_TEST_SESSION:-}" ]; then
  export SIS_DESKTOP_TEST_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi
export HOME="$(mktemp -d)"
trap 'rm -rf "$HOME"' EXIT
export XDG_DATA_HOME="$HOME/.local/share" XDG_CONFIG_HOME="$HOME/.config" \
       XDG_CACHE_HOME="$HOME/.cache" XDG_RUNTIME_DIR="$HOME/.runtime"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
mkdir -m 700 -p "$XDG_RUNTIME_DIR"
# gnome-keyring creates the "login" collection (the default one) only when --unlock gets a
# non-empty password on stdin; with an empty one there is no default collection and every
# write would need a GUI prompt. The password only protects this throwaway keyring.
eval "$(printf 'sis-desktop-tests' | gnome-keyring-daemon --unlock --components=secrets --daemonize)"
export GNOME_KEYRING_CONTROL
unset PYTHON_KEYRING_BACKEND        # let keyring pick the Secret Service on its own
export QT_QPA_PLATFORM=offscreen
export SIS_DESKTOP_SECRET_SERVICE=1   # tells the secret_service tests the real one is here
python - <<'PY'
import keyring, sys
from sis_desktop.core.secrets import TokenStore
tokens = TokenStore()
if not tokens.available():
    sys.exit(f"tests/run.sh: the Secret Service is not usable ({tokens.describe()})")
print(f"tests/run.sh: {tokens.describe()} ({type(keyring.get_keyring()).__module__})")
PY
status=0
python -m pytest "$@" || status=$?
exit $status
