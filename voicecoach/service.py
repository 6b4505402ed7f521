"""`voicecoach serve` as a systemd user service, for a machine with no screen (a Raspberry Pi in
the corner of a room).

The unit text and the checks are pure functions; everything that touches the machine goes
through a `Host` (a command runner, the user's account, the environment), so tests pass fakes.
Every problem is a `ServiceError`: one line naming the cause and the fix.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from .atomic_files import write_text_atomically
from .core.errors import VoicecoachError

UNIT_NAME = "voicecoach.service"
FOLLOW_LOG = "journalctl --user -u voicecoach -f"
PRINT_FIX = ("`voicecoach service install --print` shows the unit; start `voicecoach serve "
             "--plain` however this machine starts programs")
# A source checkout (`make setup`, an editable install) has the README next to the package.
_README = Path(__file__).resolve().parent.parent / "README.md"

# Variables that change where voicecoach finds its files or which sound card it opens: the
# service must see what `voicecoach` sees in the shell it was installed from. Session addresses
# (XDG_RUNTIME_DIR, DBUS_SESSION_BUS_ADDRESS, PULSE_SERVER, DISPLAY) are not carried: the user
# manager sets its own, and a copy taken from one SSH login is stale after a reboot.
CARRIED_PATHS = ("VOICECOACH_CONFIG", "VOICECOACH_HISTORY", "VOICECOACH_VOSK_MODEL",
                 "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")
CARRIED_PATH_LISTS = ("ALSA_CONFIG_PATH",)  # alsa-lib splits it at ':'
CARRIED_WORDS = ("ALSA_CARD", "ALSA_PCM_CARD")  # alsa.conf picks the default card from these


class ServiceError(VoicecoachError):
    """Installing or asking about the service failed: the cause and the fix, in one line."""


class Outcome(StrEnum):
    OK = "ok"
    NEEDS_FIX = "needs-fix"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Finding:
    check: str  # "audio group", "linger"
    outcome: Outcome
    detail: str  # what was found, in the user's words
    fix: str = ""  # a command that fixes it, when something needs fixing


@dataclass(frozen=True)
class CompletedResult:
    returncode: int  # 127: the program is not installed; 124: it did not answer in time
    stdout: str
    stderr: str


class Runner(Protocol):
    def run(self, args: Sequence[str]) -> CompletedResult: ...


class SubprocessRunner:
    """Runs systemctl, loginctl and journalctl; a missing or hung program becomes a result."""

    def __init__(self, timeout_s: float = 15.0) -> None:
        self.timeout_s = timeout_s

    def run(self, args: Sequence[str]) -> CompletedResult:
        try:
            done = subprocess.run(list(args), capture_output=True, text=True, check=False,
                                  timeout=self.timeout_s)
        except FileNotFoundError:
            return CompletedResult(127, "", f"{args[0]}: command not found")
        except subprocess.TimeoutExpired:
            return CompletedResult(124, "", f"{args[0]} did not answer within "
                                            f"{self.timeout_s:g} s")
        return CompletedResult(done.returncode, done.stdout, done.stderr)


@dataclass(frozen=True)
class Account:
    name: str
    uid: int
    primary_gid: int
    process_gids: frozenset[int]  # the groups this login really has (not yet any added since)


@dataclass(frozen=True)
class Group:
    name: str
    gid: int
    members: frozenset[str]  # supplementary members, as the group database lists them


@dataclass(frozen=True)
class Host:
    """What install, uninstall and status learn from, or do to, the machine."""

    runner: Runner
    account: Account
    audio: Group | None  # None: this machine has no `audio` group
    environ: Mapping[str, str]
    cwd: Path


def current_account() -> Account:
    uid = os.getuid()
    try:
        entry = pwd.getpwuid(uid)
        name, gid = entry.pw_name, entry.pw_gid
    except KeyError:  # a container user with no passwd line
        name, gid = os.environ.get("USER", str(uid)), os.getgid()
    return Account(name, uid, gid, frozenset(os.getgroups()) | {os.getgid()})


def audio_group() -> Group | None:
    try:
        entry = grp.getgrnam("audio")
    except KeyError:
        return None
    return Group(entry.gr_name, entry.gr_gid, frozenset(entry.gr_mem))


def real_host() -> Host:
    return Host(SubprocessRunner(), current_account(), audio_group(), os.environ, Path.cwd())


# --- the unit file ------------------------------------------------------------------------------

_NEEDS_QUOTES = re.compile(r"""[\s"'\\;]|[\x00-\x1f\x7f]""")


def _c_escaped(text: str) -> str:
    out = []
    for char in text:
        if char in '\\"':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or char == "\x7f":
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return "".join(out)


def systemd_word(word: str, *, variables: bool) -> str:
    """One argument as systemd reads it back: quoted when it has spaces or quotes, `%` doubled
    (specifiers) and, where systemd expands `$VARIABLE` (`variables`), `$` doubled."""
    escaped = word.replace("%", "%%")
    if variables:
        escaped = escaped.replace("$", "$$")
    if escaped and not _NEEDS_QUOTES.search(escaped):
        return escaped
    return f'"{_c_escaped(escaped)}"'


def documentation() -> list[str]:
    if _README.is_file():
        return [_README.as_uri()]
    return ["man:systemd.service(5)"]  # an installed wheel has no README to point at


def unit_text(executable: Path, extra_args: Sequence[str], environment: Mapping[str, str],
              docs: Sequence[str] | None = None) -> str:
    """The unit file running `executable serve --plain EXTRA_ARGS` with `environment` set."""
    # systemd expands $VARIABLE in arguments but not in the program's path.
    command = " ".join([systemd_word(str(executable), variables=False),
                        *(systemd_word(arg, variables=True) for arg in
                          ("serve", "--plain", *extra_args))])
    variables = {"PYTHONUNBUFFERED": "1", **environment}  # log lines reach the journal at once
    links = " ".join(link.replace("%", "%%") for link in (docs or documentation()))
    lines = [
        "# Written by `voicecoach service install`; remove it with `voicecoach service "
        "uninstall`.",
        "# Installing again replaces this file. To change the coach's settings: `voicecoach "
        "config set ...`, then `systemctl --user restart voicecoach`.",
        "[Unit]",
        "Description=voicecoach, the always-listening self-massage coach",
        f"Documentation={links}",
        "# Sound goes through PipeWire in the user session on Raspberry Pi OS Bookworm; where",
        "# PipeWire is absent these two lines do nothing.",
        "After=pipewire.service pipewire-pulse.service",
        "Wants=pipewire.service pipewire-pulse.service",
        "# Five failures in five minutes (no microphone, a broken model): stop retrying rather",
        "# than reload the model every few seconds; `voicecoach service status` says why.",
        "StartLimitIntervalSec=300",
        "StartLimitBurst=5",
        "",
        "[Service]",
        "Type=simple",
        f"ExecStart={command}",
        "WorkingDirectory=%h",
        *(f"Environment={systemd_word(f'{name}={value}', variables=False)}"
          for name, value in variables.items()),
        "Restart=on-failure",
        "RestartSec=5",
        "# serve ends within a second of SIGTERM, exiting 143 (128 + SIGTERM) as a shell expects:",
        "# for systemd that is a clean stop, not a failure to restart from.",
        "TimeoutStopSec=5",
        "SuccessExitStatus=143",
        "",
        "[Install]",
        "WantedBy=default.target",
    ]
    return "\n".join(lines) + "\n"


def carried_environment(environ: Mapping[str, str], cwd: Path) -> dict[str, str]:
    """The variables worth fixing into the unit, with relative paths made absolute (the service
    runs in the home folder, not where `install` was typed)."""
    def absolute(path: str) -> str:
        return str(cwd / Path(path).expanduser())

    carried: dict[str, str] = {}
    for name in CARRIED_PATHS:
        if environ.get(name, "").strip():
            carried[name] = absolute(environ[name].strip())
    for name in CARRIED_PATH_LISTS:
        if environ.get(name, "").strip():
            carried[name] = ":".join(absolute(part) for part in environ[name].split(":") if part)
    for name in CARRIED_WORDS:
        if environ.get(name, "").strip():
            carried[name] = environ[name].strip()
    return carried


def unit_path(environ: Mapping[str, str]) -> Path:
    """Where the user manager looks for the user's own units (a relative XDG value is ignored,
    as the XDG specification says)."""
    config = environ.get("XDG_CONFIG_HOME", "")
    if not os.path.isabs(config):
        config = os.path.join(environ.get("HOME") or str(Path.home()), ".config")
    return Path(config) / "systemd" / "user" / UNIT_NAME


def find_executable(python: Path | None = None) -> Path:
    """The `voicecoach` console script of this installation: next to the running Python (the
    venv's bin folder), else on PATH."""
    beside = (python or Path(sys.executable)).parent / "voicecoach"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside.absolute()
    found = shutil.which("voicecoach")
    if found:
        return Path(found).absolute()
    raise ServiceError(f"cannot find the `voicecoach` command next to {beside.parent} or on "
                       "PATH. Fix: install voicecoach (`make setup` in the clone) and run "
                       "`.venv/bin/voicecoach service install`")


# --- talking to systemd -------------------------------------------------------------------------


def systemctl(runner: Runner, *args: str, check: bool = True) -> CompletedResult:
    result = runner.run(["systemctl", "--user", *args])
    said = (result.stderr.strip() or result.stdout.strip()).splitlines()
    first = said[0] if said else f"exit status {result.returncode}"
    if result.returncode == 127:
        raise ServiceError(f"systemctl not found: this machine does not run systemd. Fix: "
                           f"{PRINT_FIX}")
    if result.returncode == 124 or "Failed to connect to bus" in result.stderr:
        raise ServiceError(f"cannot reach your systemd user manager ({first}); a container or "
                           "a `sudo`/`su` shell has none. Fix: log in as the coach's user (e.g. "
                           f"`ssh pi@raspberrypi`) and run this again, or {PRINT_FIX}")
    if check and result.returncode != 0:
        raise ServiceError(f"`systemctl --user {' '.join(args)}` failed: {first}. Fix: see "
                           f"`voicecoach service status` and `{FOLLOW_LOG}`")
    return result


def audio_group_finding(account: Account, audio: Group | None) -> Finding:
    check = "audio group"
    if audio is None:
        return Finding(check, Outcome.OK, "this machine has no audio group: nothing to join")
    listed = account.name in audio.members or account.primary_gid == audio.gid
    if listed and audio.gid in account.process_gids:
        return Finding(check, Outcome.OK, f"{account.name} is in the audio group")
    # With nobody logged in at the screen, only audio's members may open the sound card.
    if listed:
        return Finding(check, Outcome.NEEDS_FIX, f"{account.name} was added to the audio group "
                       "after this login began; the service gets it only from a fresh start",
                       "sudo reboot")
    return Finding(check, Outcome.NEEDS_FIX, f"{account.name} is not in the audio group: "
                   "without a login at the screen the coach may not open the microphone",
                   f"sudo usermod -aG audio {account.name}, then sudo reboot")


def linger_finding(runner: Runner, user: str) -> Finding:
    check = "linger"
    fix = f"sudo loginctl enable-linger {user}"
    result = runner.run(["loginctl", "show-user", user, "-p", "Linger"])
    answer = result.stdout.strip()
    if result.returncode == 0 and answer in ("Linger=yes", "yes"):
        return Finding(check, Outcome.OK, "the service starts at boot, with nobody logged in")
    off = (result.returncode == 0 and answer in ("Linger=no", "no")) or \
        "not logged in or lingering" in result.stderr
    if off:
        return Finding(check, Outcome.NEEDS_FIX, "lingering is off: the service runs only while "
                       f"{user} is logged in, so a Pi with no screen would stay silent", fix)
    said = (result.stderr.strip() or answer).splitlines()
    return Finding(check, Outcome.UNKNOWN, "could not ask loginctl ("
                   f"{said[0] if said else f'exit status {result.returncode}'}); lingering is "
                   f"on when /var/lib/systemd/linger/{user} exists", fix)


def findings(host: Host) -> tuple[Finding, ...]:
    return (audio_group_finding(host.account, host.audio),
            linger_finding(host.runner, host.account.name))


# --- install, uninstall, status ----------------------------------------------------------------


@dataclass(frozen=True)
class InstallReport:
    path: Path
    unit: str
    written: bool  # False with --print
    replaced: bool  # a unit was there before and has been replaced
    findings: tuple[Finding, ...] = ()


def _refuse_root(account: Account) -> None:
    if account.uid == 0:
        raise ServiceError("this is root's login: a user service belongs to the person who "
                           "hears the coach. Fix: run `voicecoach service install` as that "
                           "user, without sudo")


def install(executable: Path, extra_args: Sequence[str], host: Host,
            print_only: bool = False) -> InstallReport:
    path = unit_path(host.environ)
    unit = unit_text(executable, extra_args, carried_environment(host.environ, host.cwd))
    if print_only:
        return InstallReport(path, unit, written=False, replaced=path.exists())
    _refuse_root(host.account)
    previous = path.read_text(encoding="utf-8") if path.is_file() else None
    try:
        write_text_atomically(path, unit)  # systemd never reads half a unit
    except OSError as exc:
        raise ServiceError(f"{path}: cannot write the unit ({exc.strerror}). Fix: make "
                           f"{path.parent} writable by {host.account.name}") from exc
    try:
        systemctl(host.runner, "daemon-reload")
        if previous is not None:  # a running coach keeps its old command line until restarted
            systemctl(host.runner, "try-restart", UNIT_NAME)
        systemctl(host.runner, "enable", "--now", UNIT_NAME)
    except ServiceError:
        # A failed install leaves what was there before (or nothing), not a unit nobody runs.
        with contextlib.suppress(OSError):
            if previous is None:
                path.unlink()
            else:
                write_text_atomically(path, previous)
        raise
    return InstallReport(path, unit, written=True, replaced=previous is not None,
                         findings=findings(host))


@dataclass(frozen=True)
class UninstallReport:
    path: Path
    removed: bool  # False: nothing was installed
    disable_problem: str = ""  # what systemctl said if stopping failed (the file is gone anyway)


def uninstall(host: Host) -> UninstallReport:
    path = unit_path(host.environ)
    if not path.exists():
        return UninstallReport(path, removed=False)
    disabled = systemctl(host.runner, "disable", "--now", UNIT_NAME, check=False)
    problem = "" if disabled.returncode == 0 else disabled.stderr.strip()
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise ServiceError(f"{path}: cannot remove the unit ({exc.strerror}). Fix: rm "
                           f"'{path}', then systemctl --user daemon-reload") from exc
    systemctl(host.runner, "daemon-reload")
    return UninstallReport(path, removed=True, disable_problem=problem)


@dataclass(frozen=True)
class ServiceStatus:
    path: Path
    installed: bool
    command: str | None  # the installed unit's ExecStart, as written
    enabled: str  # `systemctl --user is-enabled`: enabled, disabled, not-found, ...
    active: str  # `systemctl --user is-active`: active, inactive, failed, activating, ...
    findings: tuple[Finding, ...] = ()
    log: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {"unit_file": str(self.path), "installed": self.installed,
                "command": self.command, "enabled": self.enabled, "active": self.active,
                "checks": [{"check": f.check, "outcome": f.outcome.value, "detail": f.detail,
                            "fix": f.fix} for f in self.findings],
                "log": list(self.log)}


def _first_word(result: CompletedResult, otherwise: str) -> str:
    words = result.stdout.split()
    return words[0] if words else otherwise


def recent_log(runner: Runner, lines: int = 10) -> tuple[str, ...]:
    # On a volatile journal (no /var/log/journal) user units log into the system journal,
    # which `--user-unit` reads for members of adm or systemd-journal.
    for selector in (["--user", "-u", "voicecoach"], ["--user-unit", "voicecoach"]):
        result = runner.run(["journalctl", *selector, "-n", str(lines), "--no-pager", "-q"])
        found = tuple(line for line in result.stdout.splitlines() if line.strip())
        if result.returncode == 0 and found:
            return found
    return ()


def status(host: Host) -> ServiceStatus:
    path = unit_path(host.environ)
    installed = path.is_file()
    command = None
    if installed:
        starts = [line for line in path.read_text(encoding="utf-8").splitlines()
                  if line.startswith("ExecStart=")]
        command = starts[0].removeprefix("ExecStart=") if starts else None
    enabled = _first_word(systemctl(host.runner, "is-enabled", UNIT_NAME, check=False),
                          "not-found")
    active = _first_word(systemctl(host.runner, "is-active", UNIT_NAME, check=False), "unknown")
    return ServiceStatus(path, installed, command, enabled, active, findings(host),
                         recent_log(host.runner))
