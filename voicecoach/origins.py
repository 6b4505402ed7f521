"""Where an option's value came from: a flag typed on the command line, or the settings file.

A message about a wrong value names what the user would change: the flag they typed, or the
setting, the file it is in and the `config` command that changes it. A user who never typed
`--device` must not be told about `--device 2`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Origin:
    flag: str  # "--device"
    metavar: str  # "NAME-OR-INDEX", what the flag and the setting take
    setting: str | None = None  # "input_device", when the value was read from `file`
    file: Path | None = None
    value: object = None

    @property
    def from_settings(self) -> bool:
        return self.setting is not None

    def __str__(self) -> str:
        """`--model`, or `model_path = /x in /home/me/.config/voicecoach/settings.toml`."""
        if self.setting is None:
            return self.flag
        return setting_in(self.setting, self.value, self.file)

    @property
    def fix(self) -> str:
        """How to give another value, in the place this one came from."""
        if self.setting is None:
            return f"pass another {self.flag} {self.metavar}"
        return (f"fix it with `voicecoach config set {self.setting} {self.metavar}`, or "
                f"`voicecoach config unset {self.setting}`")



def setting_in(setting: str, value: object, file: Path | None) -> str:
    """A value as read from the settings file, as every message and `config get` name it."""
    return f"{setting} = {value} in {file}"
