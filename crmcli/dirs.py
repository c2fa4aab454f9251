"""Where crm keeps its files by default: the user's data folder and config folder.

platformdirs knows the answer on every OS, but importing it costs every
command about 15 ms of start-up. On Linux the answer is the XDG Base
Directory rule, which is reproduced here exactly as platformdirs applies it
(`$XDG_DATA_HOME/crm` when that variable holds an absolute path, else
`~/.local/share/crm`; `$XDG_CONFIG_HOME/crm`, else `~/.config/crm`).
Anything unusual (another OS, Android, a HOME that is unset or relative)
is left to platformdirs itself. tests/test_startup.py checks both agree.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "crm"


def _linux_xdg(variable: str, fallback: str) -> str | None:
    """The folder platformdirs' Unix rule gives, or None when platformdirs must decide."""
    if not sys.platform.startswith("linux") or hasattr(sys, "getandroidapilevel"):
        return None
    if os.environ.get("ANDROID_DATA") == "/data" and os.environ.get("ANDROID_ROOT") == "/system":
        return None  # perhaps an Android app: platformdirs looks closer
    base = os.environ.get(variable, "")
    if os.path.isabs(base):
        return os.path.join(base, APP_NAME)
    home = os.environ.get("HOME")
    if home is None or not os.path.isabs(home):
        return None  # platformdirs then asks the password database
    return os.path.join(os.path.expanduser(fallback), APP_NAME)


def user_data_dir() -> Path:
    """The folder of the default book and its backups."""
    found = _linux_xdg("XDG_DATA_HOME", "~/.local/share")
    if found is None:
        from platformdirs import user_data_dir as platform_data_dir

        found = platform_data_dir(APP_NAME, appauthor=False)
    return Path(found)


def user_config_dir() -> Path:
    """The folder of the settings file (`crm config`)."""
    found = _linux_xdg("XDG_CONFIG_HOME", "~/.config")
    if found is None:
        from platformdirs import user_config_dir as platform_config_dir

        found = platform_config_dir(APP_NAME, appauthor=False)
    return Path(found)
