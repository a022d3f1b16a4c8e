#!/usr/bin/env bash
# Runs the whole suite inside a private D-Bus session with an unlocked gnome-keyring (the
# real Secret Service), a throwaway HOME and offscreen Qt. Arguments go to pytest.
set -euo pipefail
if [ -z "${SIS_DESKTOP_TEST_SESSION:-}" ]; then
  export SIS_DESKTOP_TEST_SESSION=1
  exec dbus-run-session -- "$0" "$@"
fi
export HOME="$(mktemp -d)"
export XDG_DATA_HOME="$HOME/.local/share" XDG_CONFIG_HOME="$HOME/.config"
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"
# An empty password unlocks the login collection; the daemon prints the env it serves.
eval "$(printf '' | gnome-keyring-daemon --unlock --components=secrets --daemonize)"
export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK 2>/dev/null || true
export QT_QPA_PLATFORM=offscreen
export SIS_DESKTOP_SECRET_SERVICE=1   # tells the secret_service tests the real one is here
python -m pytest "$@"
status=$?
exit $status
