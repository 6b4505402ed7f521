"""`voicecoach service`: the unit file, install/uninstall/status against a recording fake of
systemctl, loginctl and journalctl, and the audio-group and linger checks."""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from rich.console import Console

from voicecoach.cli.main import SETTING_FOR_OPTION
from voicecoach.cli.service import add_service_command
from voicecoach.service import (
    UNIT_NAME,
    Account,
    CompletedResult,
    Group,
    Host,
    Outcome,
    ServiceError,
    SubprocessRunner,
    audio_group_finding,
    carried_environment,
    find_executable,
    install,
    linger_finding,
    status,
    systemd_word,
    uninstall,
    unit_path,
    unit_text,
)

EXECUTABLE = Path("/home/pi/voice coach/.venv/bin/voicecoach")  # a space, as people have
PI = Account("pi", uid=1000, primary_gid=1000, process_gids=frozenset({1000, 29}))
AUDIO = Group("audio", gid=29, members=frozenset({"pi"}))
OK = CompletedResult(0, "", "")


class FakeSystem:
    """Answers like a Raspberry Pi's systemctl/loginctl/journalctl; records every command."""

    def __init__(self, answers: dict[tuple[str, ...], CompletedResult] | None = None) -> None:
        self.answers = {("loginctl",): CompletedResult(0, "Linger=yes\n", ""), **(answers or {})}
        self.calls: list[list[str]] = []

    def run(self, args: Sequence[str]) -> CompletedResult:
        self.calls.append(list(args))
        for prefix, answer in sorted(self.answers.items(), key=lambda item: -len(item[0])):
            if tuple(args[: len(prefix)]) == prefix:
                return answer
        return OK

    @property
    def systemctl(self) -> list[list[str]]:
        """The systemctl --user commands, without the `systemctl --user`."""
        return [call[2:] for call in self.calls if call[:2] == ["systemctl", "--user"]]


def host(system: FakeSystem, account: Account = PI, audio: Group | None = AUDIO,
         cwd: Path = Path("/home/pi")) -> Host:
    # os.environ: the autouse fixture in conftest.py points XDG_CONFIG_HOME at a temp folder.
    return Host(system, account, audio, dict(os.environ), cwd)


# --- reading a unit back the way systemd does ---------------------------------------------------


def sections(text: str) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    current = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            assert current not in found, f"section [{current}] twice"
            found[current] = []
        else:
            key, _, value = line.partition("=")
            found[current].append((key, value))
    return found


def values(text: str, section: str, key: str) -> list[str]:
    return [value for k, value in sections(text)[section] if k == key]


def _unspecified(word: str, dollars: bool) -> str:
    """`%%` → `%` and, where systemd expands variables, `$$` → `$`; anything else is an error."""
    out, i = [], 0
    while i < len(word):
        char = word[i]
        if char == "%" or (char == "$" and dollars):
            assert word[i + 1 : i + 2] == char, f"unescaped {char!r} in {word!r}"
            i += 1
        out.append(char)
        i += 1
    return "".join(out)


def systemd_words(line: str) -> list[str]:
    """Split like systemd's ExecStart=/Environment= parser: quotes, C escapes."""
    words: list[str] = []
    word: list[str] = []
    quote, started, i = "", False, 0
    while i < len(line):
        char = line[i]
        if char == "\\":
            follower = line[i + 1]
            if follower == "x":
                word.append(chr(int(line[i + 2 : i + 4], 16)))
                i += 4
            else:
                word.append({"n": "\n", "t": "\t"}.get(follower, follower))
                i += 2
            started = True
            continue
        if quote:
            if char == quote:
                quote = ""
                assert i + 1 == len(line) or line[i + 1].isspace(), "text after a closing quote"
            else:
                word.append(char)
        elif char in "\"'" and not started:
            quote, started = char, True
        elif char.isspace():
            if started:
                words.append("".join(word))
                word, started = [], False
        else:
            word.append(char)
            started = True
        i += 1
    assert not quote, f"unbalanced quotes in {line!r}"
    if started:
        words.append("".join(word))
    return words


def exec_start(text: str) -> list[str]:
    [line] = values(text, "Service", "ExecStart")
    program, *arguments = systemd_words(line)
    # systemd expands $VARIABLES in the arguments, not in the program's path.
    return [_unspecified(program, False), *(_unspecified(a, True) for a in arguments)]


def environment(text: str) -> dict[str, str]:
    pairs = [_unspecified(word, False) for line in values(text, "Service", "Environment")
             for word in systemd_words(line)]
    return dict(pair.split("=", 1) for pair in pairs)


# --- the unit file ------------------------------------------------------------------------------


def test_unit_runs_serve_plain_from_the_absolute_script_even_with_spaces() -> None:
    text = unit_text(EXECUTABLE, ["--device", "USB PnP Sound Device: Audio (hw:2,0)"], {})
    assert exec_start(text) == [str(EXECUTABLE), "serve", "--plain", "--device",
                                "USB PnP Sound Device: Audio (hw:2,0)"]


def test_arguments_with_quotes_percent_dollar_and_backslash_reach_serve_unchanged() -> None:
    awkward = ['say "hi"', "100% $HOME", "back\\slash", "it's", "tab\there", ""]
    assert exec_start(unit_text(EXECUTABLE, awkward, {}))[3:] == awkward


def test_unit_restarts_on_failure_and_starts_with_the_user_manager() -> None:
    text = unit_text(EXECUTABLE, [], {})
    assert values(text, "Service", "Type") == ["simple"]
    assert values(text, "Service", "Restart") == ["on-failure"]
    assert values(text, "Service", "RestartSec") == ["5"]
    assert values(text, "Service", "TimeoutStopSec") == ["5"]
    assert values(text, "Service", "WorkingDirectory") == ["%h"]
    assert values(text, "Install", "WantedBy") == ["default.target"]
    assert values(text, "Unit", "StartLimitBurst") == ["5"]


def test_unit_waits_for_pipewire_without_requiring_it() -> None:
    text = unit_text(EXECUTABLE, [], {})
    for key in ("After", "Wants"):
        assert values(text, "Unit", key) == ["pipewire.service pipewire-pulse.service"]
    assert not values(text, "Unit", "Requires")  # a machine without PipeWire still runs it


def test_unit_has_exactly_the_expected_sections_and_keys() -> None:
    text = unit_text(EXECUTABLE, [], {"VOICECOACH_CONFIG": "/srv/coach.toml"})
    keys = {name: {key for key, _ in pairs} for name, pairs in sections(text).items()}
    assert keys == {
        "Unit": {"Description", "Documentation", "After", "Wants", "StartLimitIntervalSec",
                 "StartLimitBurst"},
        "Service": {"Type", "ExecStart", "WorkingDirectory", "Environment", "Restart",
                    "RestartSec", "TimeoutStopSec", "SuccessExitStatus"},
        "Install": {"WantedBy"},
    }


def test_serve_stopped_by_sigterm_is_a_clean_stop_for_systemd() -> None:
    # serve exits 143 on SIGTERM (128 + 15, as `run` and the file sessions do).
    service = dict(sections(unit_text(EXECUTABLE, [], {}))["Service"])
    assert service["SuccessExitStatus"] == "143"


def test_unit_says_who_wrote_it_and_how_to_remove_it() -> None:
    first = unit_text(EXECUTABLE, [], {}).splitlines()[0]
    assert first.startswith("#")
    assert "voicecoach service install" in first
    assert "voicecoach service uninstall" in first


def test_unit_sets_unbuffered_output_and_the_carried_variables() -> None:
    carried = {"VOICECOACH_CONFIG": "/home/pi/my settings/100%.toml",
               "ALSA_CONFIG_PATH": "/home/pi/asound.conf"}
    assert environment(unit_text(EXECUTABLE, [], carried)) == {"PYTHONUNBUFFERED": "1", **carried}


def test_documentation_links_survive_specifier_expansion() -> None:
    link = Path("/home/pi/voice coach/README.md").as_uri()  # file:///home/pi/voice%20coach/...
    [line] = values(unit_text(EXECUTABLE, [], {}, docs=[link]), "Unit", "Documentation")
    assert _unspecified(line, False) == link


def test_words_without_anything_special_stay_unquoted() -> None:
    assert systemd_word("--plain", variables=True) == "--plain"
    assert systemd_word("/a b", variables=False) == '"/a b"'


def test_carried_environment_keeps_file_and_card_choices_and_drops_session_addresses() -> None:
    shell = {"VOICECOACH_CONFIG": "coach.toml", "VOICECOACH_VOSK_MODEL": "~/model",
             "VOICECOACH_HISTORY": "", "ALSA_CONFIG_PATH": "a.conf:/etc/b.conf",
             "ALSA_CARD": "Device", "HOME": "/home/pi", "XDG_RUNTIME_DIR": "/run/user/1000",
             "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus", "DISPLAY": ":0",
             "PATH": "/usr/bin"}
    carried = carried_environment(shell, Path("/srv/work"))
    assert carried == {"VOICECOACH_CONFIG": "/srv/work/coach.toml",
                       "VOICECOACH_VOSK_MODEL": str(Path("~/model").expanduser()),
                       "ALSA_CONFIG_PATH": "/srv/work/a.conf:/etc/b.conf",
                       "ALSA_CARD": "Device"}


def test_unit_goes_to_the_xdg_config_folder_or_dot_config() -> None:
    assert unit_path({"XDG_CONFIG_HOME": "/x/conf", "HOME": "/home/pi"}) == \
        Path("/x/conf/systemd/user/voicecoach.service")
    for environ in ({"HOME": "/home/pi"}, {"XDG_CONFIG_HOME": "relative", "HOME": "/home/pi"}):
        assert unit_path(environ) == Path("/home/pi/.config/systemd/user/voicecoach.service")


def test_the_script_beside_the_running_python_is_preferred(tmp_path: Path) -> None:
    script = tmp_path / "bin" / "voicecoach"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert find_executable(tmp_path / "bin" / "python") == script


def test_no_voicecoach_script_anywhere_is_an_error_with_the_fix(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ServiceError, match="make setup"):
        find_executable(tmp_path / "python")


# --- install, uninstall, status -----------------------------------------------------------------


def installed_path() -> Path:
    return Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user" / UNIT_NAME


def test_install_writes_the_unit_then_reloads_then_enables_and_starts_it() -> None:
    system = FakeSystem()
    report = install(EXECUTABLE, ["--device", "2"], host(system))
    assert report.path == installed_path()
    assert installed_path().read_text(encoding="utf-8") == report.unit
    assert exec_start(report.unit)[-2:] == ["--device", "2"]
    assert system.systemctl == [["daemon-reload"], ["enable", "--now", UNIT_NAME]]
    assert not report.replaced
    assert not list(installed_path().parent.glob("*.tmp"))


def test_reinstalling_replaces_the_unit_and_restarts_a_running_coach() -> None:
    install(EXECUTABLE, ["--device", "1"], host(FakeSystem()))
    system = FakeSystem()
    report = install(EXECUTABLE, ["--device", "2"], host(system))
    assert report.replaced
    assert exec_start(installed_path().read_text(encoding="utf-8"))[-1] == "2"
    assert system.systemctl == [["daemon-reload"], ["try-restart", UNIT_NAME],
                                ["enable", "--now", UNIT_NAME]]


def test_print_only_writes_nothing_and_runs_nothing() -> None:
    system = FakeSystem()
    report = install(EXECUTABLE, [], host(system), print_only=True)
    assert not report.written
    assert report.path == installed_path()
    assert system.calls == []
    assert not installed_path().exists()


def test_install_reports_audio_group_and_linger() -> None:
    system = FakeSystem({("loginctl",): CompletedResult(0, "Linger=no\n", "")})
    report = install(EXECUTABLE, [], host(system, audio=Group("audio", 29, frozenset())))
    assert [(f.check, f.outcome) for f in report.findings] == [
        ("audio group", Outcome.NEEDS_FIX), ("linger", Outcome.NEEDS_FIX)]
    assert ["loginctl", "show-user", "pi", "-p", "Linger"] in system.calls


def test_install_as_root_is_refused() -> None:
    root = Account("root", 0, 0, frozenset({0}))
    with pytest.raises(ServiceError, match="without sudo"):
        install(EXECUTABLE, [], host(FakeSystem(), account=root))
    assert not installed_path().exists()


def test_no_systemctl_is_an_error_pointing_at_print() -> None:
    system = FakeSystem({("systemctl",): CompletedResult(127, "", "systemctl: command not found")})
    with pytest.raises(ServiceError, match=r"does not run systemd.*install --print"):
        install(EXECUTABLE, [], host(system))


def test_no_user_bus_is_an_error_naming_the_cause_and_the_fix() -> None:
    bus = CompletedResult(1, "", "Failed to connect to bus: No medium found\n")
    with pytest.raises(ServiceError) as raised:
        install(EXECUTABLE, [], host(FakeSystem({("systemctl",): bus})))
    message = str(raised.value)
    assert "Failed to connect to bus: No medium found" in message
    assert "install --print" in message
    assert "\n" not in message


def test_a_failed_install_leaves_no_unit_behind() -> None:
    bus = CompletedResult(1, "", "Failed to connect to bus: No medium found\n")
    with pytest.raises(ServiceError):
        install(EXECUTABLE, [], host(FakeSystem({("systemctl",): bus})))
    assert not installed_path().exists()


def test_a_failed_reinstall_puts_the_previous_unit_back() -> None:
    before = install(EXECUTABLE, ["--device", "1"], host(FakeSystem())).unit
    refused = CompletedResult(1, "", "Failed to enable unit: Access denied\n")
    with pytest.raises(ServiceError, match="Access denied"):
        install(EXECUTABLE, ["--device", "2"],
                host(FakeSystem({("systemctl", "--user", "enable"): refused})))
    assert installed_path().read_text(encoding="utf-8") == before


def test_a_failing_enable_is_reported_with_what_systemctl_said() -> None:
    refused = CompletedResult(1, "", "Failed to enable unit: Unit file voicecoach.service does "
                                     "not exist.\n")
    with pytest.raises(ServiceError, match="does not exist"):
        install(EXECUTABLE, [], host(FakeSystem({("systemctl", "--user", "enable"): refused})))


def test_uninstall_stops_disables_removes_and_reloads() -> None:
    install(EXECUTABLE, [], host(FakeSystem()))
    system = FakeSystem()
    report = uninstall(host(system))
    assert report.removed
    assert not installed_path().exists()
    assert system.systemctl == [["disable", "--now", UNIT_NAME], ["daemon-reload"]]


def test_uninstall_when_not_installed_changes_nothing() -> None:
    system = FakeSystem()
    report = uninstall(host(system))
    assert not report.removed
    assert system.calls == []


def test_status_reports_file_state_checks_and_log() -> None:
    install(EXECUTABLE, ["--device", "2"], host(FakeSystem()))
    system = FakeSystem({
        ("systemctl", "--user", "is-enabled"): CompletedResult(0, "enabled\n", ""),
        ("systemctl", "--user", "is-active"): CompletedResult(3, "failed\n", ""),
        ("journalctl",): CompletedResult(0, "May 01 voicecoach[812]: listening\n", ""),
    })
    current = status(host(system))
    assert (current.installed, current.enabled, current.active) == (True, "enabled", "failed")
    assert current.command is not None and "--device 2" in current.command
    assert current.log == ("May 01 voicecoach[812]: listening",)
    assert [f.check for f in current.findings] == ["audio group", "linger"]
    assert ["journalctl", "--user", "-u", "voicecoach", "-n", "10", "--no-pager", "-q"] \
        in system.calls


def test_status_reads_the_system_journal_when_the_user_journal_is_empty() -> None:
    system = FakeSystem({("journalctl", "--user-unit"): CompletedResult(0, "a line\n", "")})
    assert status(host(system)).log == ("a line",)


def test_status_of_a_missing_unit_says_not_installed() -> None:
    missing = CompletedResult(1, "", "Failed to get unit file state for voicecoach.service: "
                                     "No such file or directory\n")
    system = FakeSystem({("systemctl", "--user", "is-enabled"): missing,
                         ("systemctl", "--user", "is-active"): CompletedResult(3, "inactive", "")})
    current = status(host(system))
    assert (current.installed, current.enabled, current.active) == (False, "not-found",
                                                                    "inactive")


# --- the checks ---------------------------------------------------------------------------------


def test_a_member_of_audio_is_fine() -> None:
    assert audio_group_finding(PI, AUDIO).outcome == Outcome.OK


def test_audio_as_primary_group_counts() -> None:
    account = Account("pi", 1000, 29, frozenset({29}))
    assert audio_group_finding(account, Group("audio", 29, frozenset())).outcome == Outcome.OK


def test_not_in_audio_gives_the_usermod_fix() -> None:
    finding = audio_group_finding(PI, Group("audio", 29, frozenset({"someone"})))
    assert finding.outcome == Outcome.NEEDS_FIX
    assert finding.fix.startswith("sudo usermod -aG audio pi")


def test_added_to_audio_but_not_yet_in_this_login_needs_a_fresh_start() -> None:
    account = Account("pi", 1000, 1000, frozenset({1000}))
    finding = audio_group_finding(account, AUDIO)
    assert finding.outcome == Outcome.NEEDS_FIX
    assert "reboot" in finding.fix


def test_a_machine_without_an_audio_group_needs_nothing() -> None:
    assert audio_group_finding(PI, None).outcome == Outcome.OK


def test_linger_on_is_fine() -> None:
    assert linger_finding(FakeSystem(), "pi").outcome == Outcome.OK


@pytest.mark.parametrize("answer", [
    CompletedResult(0, "Linger=no\n", ""),
    CompletedResult(1, "", "Failed to get user: User ID 1000 is not logged in or lingering\n"),
])
def test_linger_off_gives_the_enable_linger_fix(answer: CompletedResult) -> None:
    finding = linger_finding(FakeSystem({("loginctl",): answer}), "pi")
    assert finding.outcome == Outcome.NEEDS_FIX
    assert finding.fix == "sudo loginctl enable-linger pi"


def test_linger_unknown_when_loginctl_cannot_answer() -> None:
    answer = CompletedResult(1, "", "Failed to connect to bus: Host is down\n")
    finding = linger_finding(FakeSystem({("loginctl",): answer}), "pi")
    assert finding.outcome == Outcome.UNKNOWN
    assert "Host is down" in finding.detail
    assert "/var/lib/systemd/linger/pi" in finding.detail


# --- the real runner ----------------------------------------------------------------------------


def test_runner_reports_output_and_exit_status() -> None:
    script = "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)"
    assert SubprocessRunner().run([sys.executable, "-c", script]) == \
        CompletedResult(3, "out\n", "err\n")


def test_runner_turns_a_missing_program_into_127() -> None:
    assert SubprocessRunner().run(["voicecoach-no-such-program"]).returncode == 127


def test_runner_gives_up_on_a_program_that_hangs() -> None:
    hung = SubprocessRunner(timeout_s=0.2).run([sys.executable, "-c", "import time; "
                                                "time.sleep(10)"])
    assert hung.returncode == 124


# --- the command line ---------------------------------------------------------------------------


def service(system: FakeSystem, *argv: str, cwd: Path = Path("/home/pi")) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="voicecoach")
    add_service_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["service", *argv])
    buffer = io.StringIO()
    code = args.run(args, Console(file=buffer, width=300), host=host(system, cwd=cwd),
                    executable=EXECUTABLE)
    return code, buffer.getvalue()


def make_model(folder: Path) -> Path:
    for part in ("am/final.mdl", "conf/model.conf", "graph/HCLG.fst"):
        (folder / part).parent.mkdir(parents=True, exist_ok=True)
        (folder / part).write_bytes(b"")
    return folder


def test_cli_print_fixes_the_serve_options_into_the_unit(tmp_path: Path) -> None:
    make_model(tmp_path / "models" / "small en")
    system = FakeSystem()
    code, printed = service(system, "install", "--print", "--device", "USB Mic",
                            "--output-device", "3", "--backend", "vosk",
                            "--model", "models/small en", cwd=tmp_path)
    assert code == 0
    assert exec_start(printed)[1:] == ["serve", "--plain", "--device", "USB Mic",
                                       "--output-device", "3", "--backend", "vosk",
                                       "--model", str(tmp_path / "models" / "small en")]
    assert str(installed_path()) in printed
    assert system.calls == []
    assert not installed_path().exists()


def test_cli_refuses_a_model_folder_that_is_not_a_model(tmp_path: Path) -> None:
    with pytest.raises(ServiceError, match="--model"):
        service(FakeSystem(), "install", "--model", str(tmp_path / "nothing"))


def test_cli_options_are_not_filled_from_settings() -> None:
    # The main command fills options named like settings; fixed into the unit, such a value
    # would shadow every later `voicecoach config set`.
    parser = argparse.ArgumentParser(prog="voicecoach")
    add_service_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["service", "install"])
    assert not set(vars(args)) & set(SETTING_FOR_OPTION)


def test_cli_install_tells_the_fixes_and_how_to_follow_the_log() -> None:
    system = FakeSystem({("loginctl",): CompletedResult(0, "Linger=no\n", "")})
    _, said = service(system, "install")
    assert f"Wrote {installed_path()}" in said
    assert "sudo loginctl enable-linger pi" in said
    assert "journalctl --user -u voicecoach -f" in said


def test_cli_uninstall_twice_says_not_installed_and_succeeds() -> None:
    service(FakeSystem(), "install")
    assert service(FakeSystem(), "uninstall")[0] == 0
    code, said = service(FakeSystem(), "uninstall")
    assert code == 0
    assert "not installed" in said


def test_cli_status_json_has_every_field() -> None:
    system = FakeSystem({("systemctl", "--user", "is-active"): CompletedResult(0, "active\n", "")})
    code, printed = service(system, "status", "--json")
    assert code == 0
    report = json.loads(printed)
    assert set(report) == {"unit_file", "installed", "command", "enabled", "active", "checks",
                           "log"}
    assert report["active"] == "active"
    assert [check["check"] for check in report["checks"]] == ["audio group", "linger"]


# --- systemd's own opinion ----------------------------------------------------------------------


def _verify(unit: Path, runtime: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["systemd-analyze", "verify", "--user", "--man=no", str(unit)],
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)})


def test_systemd_analyze_accepts_the_unit(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    plain = tmp_path / "plain" / "plain.service"
    plain.parent.mkdir()
    plain.write_text("[Service]\nExecStart=/bin/true\n", encoding="utf-8")
    trial = _verify(plain, runtime)
    if trial.returncode != 0 or trial.stderr.strip():
        pytest.skip(f"systemd-analyze cannot verify units here: {trial.stderr.strip()}")
    script = tmp_path / "voice coach" / "bin" / "voicecoach"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n", encoding="utf-8")
    script.chmod(0o755)
    unit = tmp_path / "units" / UNIT_NAME
    unit.parent.mkdir()
    readme = (tmp_path / "voice coach" / "README.md").as_uri()
    unit.write_text(unit_text(script, ["--device", "USB Mic 100%", "--model", "$HOME/m"],
                              {"VOICECOACH_CONFIG": "/srv/my coach/settings.toml"},
                              docs=[readme]), encoding="utf-8")
    verified = _verify(unit, runtime)
    # Any complaint (an unknown key, a program it cannot find, bad quoting) is on stderr.
    assert (verified.returncode, verified.stderr) == (0, "")
