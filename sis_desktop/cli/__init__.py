"""`sis-desktop-cli`: the same core as the GUI, for scripts and cron (no Qt import)."""
