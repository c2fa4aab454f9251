"""Settings a rep may change (`crm config`), kept in a small JSON file in the user config dir.

Each key is declared once here with its parser and default; `crm config`,
the agenda and the help text read them from this table.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from crmcli.core.dates import format_duration, parse_duration
from crmcli.core.vocabulary import TIER_CADENCE_DAYS
from crmcli.errors import CrmError


def _positive_int(text: str) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        raise CrmError(f"{text!r} is not a whole number; give one such as 15.") from None
    if value < 1 or value > 10000:
        raise CrmError(f"{text!r} is out of range; give a whole number from 1 to 10000.")
    return value


def _weight(text: str) -> float:
    try:
        value = float(str(text).strip())
    except ValueError:
        raise CrmError(f"{text!r} is not a number; give a weight from 0 to 1, such as 0.4.") from None
    if not 0 <= value <= 1:
        raise CrmError(f"{text!r} is out of range; give a weight from 0 to 1, such as 0.4.")
    return value


def _text(text: str) -> str:
    value = str(text).strip()
    if not value:
        raise CrmError("The value must not be empty.")
    return value


@dataclass(frozen=True)
class Key:
    name: str
    parse: Callable[[str], object]
    default: Callable[[], object]
    show: Callable[[object], str]
    help: str


KEYS: dict[str, Key] = {
    **{
        f"cadence.{tier}": Key(
            f"cadence.{tier}", parse_duration, lambda d=days: d, format_duration,
            f"how often a {tier} customer is contacted (default {days}d)",
        )
        for tier, days in TIER_CADENCE_DAYS.items()
    },
    "agenda.capacity": Key(
        "agenda.capacity", _positive_int, lambda: 15, str,
        "how many customers `crm due` lists by default (default 15)",
    ),
    "user.name": Key("user.name", _text, getpass.getuser, str, "the rep whose book this is"),
    "currency": Key("currency", _text, lambda: "CNY", str, "currency for amounts (default CNY)"),
    **{
        f"intent.{name}": Key(
            f"intent.{name}", _weight, lambda w=w: w, str,
            f"forecast weight of a {name} deal (default {w})",
        )
        for name, w in (("hot", 0.7), ("warm", 0.4), ("cold", 0.1))
    },
}


def config_dir() -> Path:
    override = os.environ.get("CRM_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    from crmcli.dirs import user_config_dir

    return user_config_dir()


def _key(name: str) -> Key:
    key = KEYS.get(name.strip().lower())
    if key is None:
        raise CrmError(f"Unknown setting {name!r}; known settings: {', '.join(KEYS)}.")
    return key


class Settings:
    """The rep's settings, read once per command."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "config.json"
        self._values: dict[str, str] = {}
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as e:
                raise CrmError(f"Cannot read the settings file {self.path}: {e}; fix or delete it.") from None
            if isinstance(data, dict):
                self._values = {str(k): str(v) for k, v in data.items() if k in KEYS}

    def get(self, name: str):
        key = _key(name)
        if key.name in self._values:
            return key.parse(self._values[key.name])
        return key.default()

    def show(self, name: str) -> str:
        return _key(name).show(self.get(name))

    def is_set(self, name: str) -> bool:
        return _key(name).name in self._values

    def set(self, name: str, value: str) -> None:
        key = _key(name)
        parsed = key.parse(value)
        self._values[key.name] = key.show(parsed)
        self._save()

    def unset(self, name: str) -> None:
        self._values.pop(_key(name).name, None)
        self._save()

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._values, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(self.path)

    def cadences(self) -> dict[str, int]:
        return {tier: int(self.get(f"cadence.{tier}")) for tier in TIER_CADENCE_DAYS}
