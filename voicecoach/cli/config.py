"""`voicecoach config`: show and change the settings file. Problems are `SettingsError`s, which
the main command prints in one line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from enum import Enum
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..origins import setting_in
from ..settings import (
    ENV_VARIABLE,
    FIELDS,
    Settings,
    SettingsError,
    default_settings_path,
    load_settings,
    save_setting,
    unknown_key,
)


def add_config_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = f"keys: {', '.join(FIELDS)}"
    about = "show or change your settings (a TOML file you may also edit by hand)"
    config = sub.add_parser("config", help=about, description=about,
                            epilog="with no ACTION: a table of every setting")
    config.add_argument("--json", action="store_true",
                        help="every setting as JSON, with the file's path")
    actions = config.add_subparsers(dest="config_action", metavar="ACTION")
    getting = actions.add_parser("get", help="print KEY's value and where it comes from",
                                 epilog=keys)
    getting.add_argument("key", metavar="KEY")
    setting = actions.add_parser("set", help="set KEY to VALUE", epilog=keys)
    setting.add_argument("key", metavar="KEY")
    # Several words are joined, so `config set wake_word hey coach` needs no quotes.
    setting.add_argument("value", metavar="VALUE", nargs="+")
    unsetting = actions.add_parser("unset", help="return KEY to its default", epilog=keys)
    unsetting.add_argument("key", metavar="KEY")
    actions.add_parser("path", help="print where the settings file is")
    config.set_defaults(run=run_config, config_action=None)


def run_config(args: argparse.Namespace, out: Console) -> int:
    path = default_settings_path()
    action = args.config_action
    if action == "path":
        print(path)
        return 0
    if action == "get":
        print(value_and_origin(args.key, path))  # one line, never wrapped: scripts read it
        return 0
    if action == "set":
        value = " ".join(args.value)
        if args.key == "voice":
            _check_voice(value, _voice_engine(load_settings(path)))
        elif args.key == "voice_engine":
            _check_engine_keeps_voice(value, load_settings(path), path)
        settings = save_setting(args.key, value, path)
        out.print(Text(f"{args.key} = {shown(getattr(settings, args.key))}  (saved in {path})"))
        return 0
    if action == "unset":
        settings = save_setting(args.key, None, path)
        if args.key in FIELDS:
            default = shown(getattr(settings, args.key))
            out.print(Text(f"{args.key}: back to the default, {default}  ({path})"))
        else:
            out.print(Text(f"{args.key}: removed from {path}"))
        return 0
    settings = load_settings(path)
    if getattr(args, "json", False):
        print(json.dumps({**settings.model_dump(mode="json"), "path": str(path)}, indent=2))
        return 0
    out.print(settings_table(settings))
    missing = "" if path.exists() else " (not created yet)"
    out.print(Text(f"settings file: {path}{missing}"))
    return 0


def value_and_origin(key: str, path: Path) -> str:
    """`speech_rate = 120 in /home/me/.config/voicecoach/settings.toml`, or the default and
    that the file does not set it."""
    if key not in FIELDS:
        raise unknown_key(path, key, "get")
    settings = load_settings(path)
    value = shown(getattr(settings, key))
    named = f" (${ENV_VARIABLE})" if os.environ.get(ENV_VARIABLE) else ""
    if key in settings.model_fields_set:
        return f"{setting_in(key, value, path)}{named}"
    if path.exists():
        return f"{key} = {value}, the default: {path}{named} does not set it"
    return f"{key} = {value}, the default: no settings file yet at {path}{named}"


def _voice_engine(settings: Settings) -> str:
    return str(settings.voice_engine)


def _check_voice(wanted: str, engine: str) -> None:
    """A voice the settings' engine does not have is refused before it is saved (a session
    would stop at it, or speak with another engine); with no engine to ask, it is saved and
    that is said."""
    from ..speaking.voices import VoicesUnavailable, check_voice_for

    try:
        check_voice_for(wanted, engine)
    except VoicesUnavailable as exc:
        print(f"voicecoach: the voice is not checked: {exc}", file=sys.stderr)


def _check_engine_keeps_voice(engine: str, settings: Settings, path: Path) -> None:
    """Switching to an engine that does not have the voice set is refused, with the order of
    commands that works."""
    from ..speaking.voices import ENGINES, UnknownVoice

    if settings.voice is None or engine not in ENGINES or engine == _voice_engine(settings):
        return
    try:
        _check_voice(settings.voice, engine)
    except UnknownVoice:
        raise SettingsError(
            path, f"{settings.voice} is not a {engine} voice, so it does not fit "
            f"voice_engine = {engine}", key="voice",
            fix=f"voicecoach config unset voice, then config set voice_engine {engine} (and "
            f"then a {engine} voice from `voicecoach voices`, if not its default)") from None


def settings_table(settings: Settings) -> Table:
    table = Table(title="Settings — change with “voicecoach config set KEY VALUE”")
    for column in ("key", "value", "description"):
        table.add_column(column)
    for key, field in Settings.model_fields.items():
        value = shown(getattr(settings, key))
        cell = (Text(value) if key in settings.model_fields_set
                else Text(f"{value} (default)", style="dim"))
        table.add_row(key, cell, Text(field.description or ""))
    return table


def shown(value: object) -> str:
    """A value as it would be written in the settings file, unquoted."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
