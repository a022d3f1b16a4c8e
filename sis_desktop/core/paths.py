"""Where the app keeps its files: platformdirs locations, overridable for tests and portable use.

SIS_DESKTOP_CONFIG_DIR → profiles; SIS_DESKTOP_DATA_DIR → history, sandbox state;
SIS_DESKTOP_LOG_DIR → logs (defaults to <data dir>/logs when the data dir is overridden).
"""
from __future__ import annotations

import os
from pathlib import Path

APP_DIR_NAME = "sis-desktop"


def _dir(env: str, default) -> Path:
    value = os.environ.get(env)
    path = Path(value).expanduser() if value else Path(default())
    return path


def config_dir() -> Path:
    import platformdirs
    return _dir("SIS_DESKTOP_CONFIG_DIR", lambda: platformdirs.user_config_dir(APP_DIR_NAME))


def data_dir() -> Path:
    import platformdirs
    return _dir("SIS_DESKTOP_DATA_DIR", lambda: platformdirs.user_data_dir(APP_DIR_NAME))


def log_dir() -> Path:
    import platformdirs
    if os.environ.get("SIS_DESKTOP_LOG_DIR"):
        return Path(os.environ["SIS_DESKTOP_LOG_DIR"]).expanduser()
    if os.environ.get("SIS_DESKTOP_DATA_DIR"):
        return data_dir() / "logs"
    return Path(platformdirs.user_log_dir(APP_DIR_NAME))
