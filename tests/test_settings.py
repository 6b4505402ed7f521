from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import ValidationError
from rich.console import Console

from voicecoach.cli.config import add_config_command
from voicecoach.hearing.backends import Backend
from voicecoach.settings import (
    HEADER,
    Settings,
    SettingsError,
    default_settings_path,
    load_settings,
    record_safety_brief_accepted,
    save_setting,
)

HAND_WRITTEN = """\
# my coach
speech_rate = 120  # slower, I like it calm

# the living-room speaker
output_device = "USB Audio"
volume = 0.8
"""


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    return path


def error_of(key: str, value: object, path: Path) -> str:
    with pytest.raises(SettingsError) as caught:
        save_setting(key, value, path)
    return str(caught.value)


# --- where the file is -------------------------------------------------------------------------


def test_the_file_lives_in_the_user_config_folder(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert default_settings_path() == tmp_path / "config" / "voicecoach" / "settings.toml"


def test_voicecoach_config_variable_names_another_file(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICECOACH_CONFIG", str(tmp_path / "elsewhere.toml"))
    assert default_settings_path() == tmp_path / "elsewhere.toml"
    save_setting("pace", 1.5)
    assert load_settings(tmp_path / "elsewhere.toml").pace == 1.5


# --- reading -----------------------------------------------------------------------------------


def test_no_file_means_the_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "missing.toml")
    assert settings == Settings()
    assert (settings.speech_rate, settings.volume, settings.pace) == (150, 1.0, 1.0)
    assert settings.backend is Backend.AUTO
    assert settings.voice is None and settings.wake_word is None
    assert not (tmp_path / "missing.toml").exists()


def test_values_are_read_from_a_hand_written_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        'voice = "english"\nspeech_rate = 170\nvolume = 0.5\nbackend = "pocketsphinx"\n'
        'model_path = "~/models/vosk-en"\ninput_device = 2\nwake_word = "Hey   Coach"\n'
        "safety_brief_every_session = true\npace = 1.25\n"
        "safety_brief_accepted = 2025-03-01T09:30:00+01:00\n",
        encoding="utf-8",
    )
    settings = load_settings(path)
    assert settings.voice == "english"
    assert settings.speech_rate == 170
    assert settings.volume == 0.5
    assert settings.backend is Backend.POCKETSPHINX
    assert settings.model_path == Path.home() / "models" / "vosk-en"
    assert settings.input_device == "2"
    assert settings.wake_word == "hey coach"
    assert settings.safety_brief_every_session is True
    assert settings.pace == 1.25
    assert settings.safety_brief_accepted == datetime(
        2025, 3, 1, 8, 30, tzinfo=UTC)


def test_a_relative_model_path_is_relative_to_the_settings_folder(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "settings.toml"
    path.parent.mkdir()
    path.write_text('model_path = "models/vosk-en"\n', encoding="utf-8")
    assert load_settings(path).model_path == tmp_path / "conf" / "models" / "vosk-en"


def test_a_value_out_of_range_names_the_file_key_limit_and_fix(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("speech_rate = 1000\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert str(caught.value) == (
        f"{path}: speech_rate: must be at most 300 words a minute (got 1000). "
        "Fix: voicecoach config set speech_rate 150, or edit the file.")
    assert caught.value.key == "speech_rate"


def test_every_wrong_key_is_named(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("volume = 2\npace = 9\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"volume: must be at most 1 \(got 2\); also wrong: "
                       r"pace\. Fix: voicecoach config set volume 1\.0"):
        load_settings(path)


def test_bad_toml_names_the_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("speech_rate = 150\nvoice = Alex\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: line 2, column 9: not valid TOML")
    assert "voice = Alex" in message
    assert "Fix: correct line 2" in message
    assert "\n" not in message


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(b'speech_rate = 150\nvoice = "Ren\xe9e"\n')
    with pytest.raises(SettingsError, match=r"line 2 is not UTF-8 text\. Fix: save the file"):
        load_settings(path)


def test_an_unreadable_file_is_a_settings_error(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.mkdir()
    with pytest.raises(SettingsError, match=r"cannot read the settings file"):
        load_settings(path)


def test_an_unknown_key_suggests_the_close_match_and_lists_valid_keys(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("speach_rate = 120\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: speach_rate: no such setting (did you mean speech_rate?)")
    assert "valid keys: voice_engine, voice, speech_rate, volume, backend" in message
    assert "Fix: rename it to speech_rate in the file, or voicecoach config unset speach_rate."\
        in message


@pytest.mark.parametrize("wake_word", ["hey coach 2", "hey there dear coach", "coach!", ""])
def test_a_wake_word_is_one_to_three_plain_words(wake_word: str) -> None:
    with pytest.raises(ValidationError):
        Settings(wake_word=wake_word)


def test_a_wake_word_is_lower_case_with_single_spaces() -> None:
    assert Settings(wake_word="  Hey \t O'Reilly ").wake_word == "hey o'reilly"


def test_settings_cannot_be_changed_in_place() -> None:
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.speech_rate = 200


@pytest.mark.parametrize(("every_session", "accepted", "due"), [
    (False, None, True),
    (False, datetime(2025, 1, 1, tzinfo=UTC), False),
    (True, datetime(2025, 1, 1, tzinfo=UTC), True),
    (True, None, True),
])
def test_the_safety_brief_is_due_until_accepted_or_always_if_asked(
        every_session: bool, accepted: datetime | None, due: bool) -> None:
    settings = Settings(safety_brief_every_session=every_session, safety_brief_accepted=accepted)
    assert settings.safety_brief_due is due


# --- writing -----------------------------------------------------------------------------------


def test_set_keeps_the_users_comments_and_key_order(settings_file: Path) -> None:
    settings = save_setting("speech_rate", "180", settings_file)
    assert settings.speech_rate == 180
    assert settings.output_device == "USB Audio"
    assert settings_file.read_text(encoding="utf-8") == HAND_WRITTEN.replace(
        "speech_rate = 120", "speech_rate = 180")


def test_a_new_key_is_added_after_the_users_own(settings_file: Path) -> None:
    save_setting("wake_word", "Coach", settings_file)
    text = settings_file.read_text(encoding="utf-8")
    assert text.startswith(HAND_WRITTEN)
    assert text.endswith('wake_word = "coach"\n')


def test_a_new_file_starts_with_the_header_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "settings.toml"
    save_setting("volume", "0.7", path)
    save_setting("backend", "vosk", path)
    save_setting("model_path", str(tmp_path / "vosk-en"), path)
    accepted = datetime(2025, 5, 4, 7, 0, tzinfo=timezone(timedelta(hours=2)))
    saved = save_setting("safety_brief_accepted", accepted, path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"# {HEADER}\n")
    assert load_settings(path) == saved
    assert tomllib.loads(text) == {
        "volume": 0.7,
        "backend": "vosk",
        "model_path": str(tmp_path / "vosk-en"),
        "safety_brief_accepted": accepted,
    }


@pytest.mark.parametrize(("key", "typed", "stored"), [
    ("speech_rate", "200", 200),
    ("volume", "1", 1.0),
    ("pace", "0.75", 0.75),
    ("safety_brief_every_session", "true", True),
    ("safety_brief_every_session", "no", False),
    ("backend", "pocketsphinx", "pocketsphinx"),
    ("input_device", "3", "3"),
    ("voice", "Microsoft Zira", "Microsoft Zira"),
    ("safety_brief_accepted", "2025-01-31T09:30:00Z",
     datetime(2025, 1, 31, 9, 30, tzinfo=UTC)),
])
def test_command_line_strings_are_stored_as_the_fields_type(
        tmp_path: Path, key: str, typed: str, stored: object) -> None:
    path = tmp_path / "settings.toml"
    save_setting(key, typed, path)
    value = tomllib.loads(path.read_text(encoding="utf-8"))[key]
    assert value == stored
    assert type(value) is type(stored)


def test_a_relative_model_path_typed_is_saved_from_the_working_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "conf" / "settings.toml"
    assert save_setting("model_path", "models/vosk-en", path).model_path == (
        tmp_path / "models" / "vosk-en")
    assert load_settings(path).model_path == tmp_path / "models" / "vosk-en"


def test_an_invalid_value_leaves_the_file_unchanged(settings_file: Path) -> None:
    message = error_of("speech_rate", "1000", settings_file)
    assert message == ("config set speech_rate: must be at most 300 words a minute (got 1000); "
                       "speech_rate takes a whole number from 80 to 300 words a minute. Nothing "
                       "was saved. Fix: voicecoach config set speech_rate 150, or another from "
                       "80 to 300 words a minute.")
    assert settings_file.read_text(encoding="utf-8") == HAND_WRITTEN


@pytest.mark.parametrize(("key", "value", "problem"), [
    ("speech_rate", "fast", "must be a whole number (got fast)"),
    ("speech_rate", "50", "must be at least 80 words a minute (got 50)"),
    ("volume", "nan", "must be a finite number"),
    ("pace", "3", "must be at most 2 (got 3)"),
    ("backend", "whisper", "must be one of auto, vosk or pocketsphinx (got whisper)"),
    ("safety_brief_every_session", "maybe", "must be true or false (got maybe)"),
    ("safety_brief_accepted", "2025-01-31T09:30", "must include a time zone"),
    ("wake_word", "ok coach 2", "must be 1 to 3 words"),
    ("voice", " ", "must not be empty"),
])
def test_each_kind_of_bad_value_is_explained(
        tmp_path: Path, key: str, value: str, problem: str) -> None:
    path = tmp_path / "settings.toml"
    message = error_of(key, value, path)
    # The value typed is at fault, not the file (which is not even there).
    assert message.startswith(f"config set {key}: {problem}")
    assert "Fix: voicecoach config" in message and "edit the file" not in message
    assert not path.exists()


def test_setting_an_unknown_key_suggests_the_close_match(settings_file: Path) -> None:
    message = error_of("speech-rate", "120", settings_file)
    assert "speech-rate: no such setting (did you mean speech_rate?)" in message
    assert "Fix: voicecoach config set speech_rate VALUE." in message
    assert settings_file.read_text(encoding="utf-8") == HAND_WRITTEN


def test_unset_returns_to_the_default_and_keeps_the_rest(settings_file: Path) -> None:
    settings = save_setting("speech_rate", None, settings_file)
    assert settings.speech_rate == 150
    text = settings_file.read_text(encoding="utf-8")
    assert "speech_rate" not in text
    assert "# the living-room speaker" in text
    assert load_settings(settings_file).volume == 0.8


def test_unset_without_a_file_creates_none(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    assert save_setting("voice", None, path) == Settings()
    assert not path.exists()


def test_a_broken_key_can_be_fixed_with_set(settings_file: Path) -> None:
    settings_file.write_text(HAND_WRITTEN + "pace = 7\n", encoding="utf-8")
    with pytest.raises(SettingsError):
        load_settings(settings_file)
    assert save_setting("pace", "1.5", settings_file).pace == 1.5
    assert load_settings(settings_file).pace == 1.5


def test_a_broken_or_stray_key_can_be_removed_with_unset(settings_file: Path) -> None:
    settings_file.write_text(HAND_WRITTEN + "pace = 7\n", encoding="utf-8")
    save_setting("pace", None, settings_file)
    settings_file.write_text(HAND_WRITTEN + "speach_rate = 3\n", encoding="utf-8")
    save_setting("speach_rate", None, settings_file)
    assert settings_file.read_text(encoding="utf-8") == HAND_WRITTEN


def test_another_broken_key_still_stops_a_set(settings_file: Path) -> None:
    settings_file.write_text(HAND_WRITTEN + "pace = 7\n", encoding="utf-8")
    assert "pace: must be at most 2" in error_of("volume", "0.5", settings_file)
    assert "volume = 0.8" in settings_file.read_text(encoding="utf-8")


def test_a_file_that_is_not_toml_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    broken = "speech_rate = 150\nvoice = Alex\n# my notes\n"
    path.write_text(broken, encoding="utf-8")
    assert "line 2, column 9" in error_of("voice", "english", path)
    assert path.read_text(encoding="utf-8") == broken


def test_record_safety_brief_accepted_stores_the_moment_to_the_second(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    assert load_settings(path).safety_brief_due
    record_safety_brief_accepted(
        datetime(2025, 6, 1, 20, 15, 7, 123456, tzinfo=UTC), path)
    settings = load_settings(path)
    assert settings.safety_brief_accepted == datetime(2025, 6, 1, 20, 15, 7, tzinfo=UTC)
    assert not settings.safety_brief_due
    assert "safety_brief_accepted = 2025-06-01T20:15:07Z" in path.read_text(encoding="utf-8")


def test_a_moment_without_a_time_zone_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="must include a time zone"):
        record_safety_brief_accepted(datetime(2025, 6, 1, 20, 15), tmp_path / "settings.toml")


def test_writing_keeps_the_files_permissions_and_leaves_no_temporary_file(
        settings_file: Path) -> None:
    settings_file.chmod(0o640)
    save_setting("volume", "0.3", settings_file)
    assert settings_file.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in settings_file.parent.iterdir()] == ["settings.toml"]


def test_writing_goes_through_a_symlink(tmp_path: Path, settings_file: Path) -> None:
    link = tmp_path / "link.toml"
    link.symlink_to(settings_file)
    save_setting("volume", "0.3", link)
    assert link.is_symlink()
    assert load_settings(settings_file).volume == 0.3


def test_a_failed_write_is_a_settings_error_and_leaves_the_file_as_it_was(
        settings_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(source: str, target: Path) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("voicecoach.settings.os.replace", refuse)
    with pytest.raises(SettingsError, match=r"cannot write the settings file \(Permission denied"):
        save_setting("volume", "0.3", settings_file)
    assert settings_file.read_text(encoding="utf-8") == HAND_WRITTEN
    assert [p.name for p in settings_file.parent.iterdir()] == ["settings.toml"]


# --- voicecoach config -------------------------------------------------------------------------


def run(argv: list[str]) -> str:
    parser = argparse.ArgumentParser(prog="voicecoach")
    add_config_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    out = Console(file=io.StringIO(), width=300)
    assert args.run(args, out) == 0
    assert isinstance(out.file, io.StringIO)
    return out.file.getvalue()


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "settings.toml"
    monkeypatch.setenv("VOICECOACH_CONFIG", str(path))
    return path


def test_config_shows_every_setting_marking_defaults(config_file: Path) -> None:
    config_file.write_text("speech_rate = 120\n", encoding="utf-8")
    shown = run(["config"])
    rows = {line.split("│")[1].strip(): line for line in shown.splitlines()
            if line.count("│") == 4}
    assert set(rows) >= set(Settings.model_fields)
    assert "120" in rows["speech_rate"] and "(default)" not in rows["speech_rate"]
    assert "1.0 (default)" in rows["volume"]
    assert "words a minute" in rows["speech_rate"]
    assert f"settings file: {config_file}\n" in shown


def test_config_says_when_the_file_is_not_created_yet(config_file: Path) -> None:
    assert f"settings file: {config_file} (not created yet)" in run(["config"])


def test_config_json_has_every_setting_and_the_path(
        config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_file.write_text('backend = "vosk"\nmodel_path = "/opt/vosk"\n', encoding="utf-8")
    run(["config", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data == {**Settings().model_dump(mode="json"), "backend": "vosk",
                    "model_path": "/opt/vosk", "path": str(config_file)}


def test_config_path_prints_only_the_path(
        config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(["config", "path"])
    assert capsys.readouterr().out == f"{config_file}\n"


def test_config_set_and_unset_change_the_file(config_file: Path) -> None:
    assert "wake_word = hey coach" in run(["config", "set", "wake_word", "Hey", "Coach"])
    assert load_settings(config_file).wake_word == "hey coach"
    assert "back to the default, none" in run(["config", "unset", "wake_word"])
    assert load_settings(config_file).wake_word is None


def test_config_set_with_a_bad_value_raises_the_one_line_error(config_file: Path) -> None:
    with pytest.raises(SettingsError, match=r"pace: must be at most 2 \(got 5\)"):
        run(["config", "set", "pace", "5"])
    assert not config_file.exists()


def test_config_reports_a_broken_file_but_still_says_where_it_is(
        config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_file.write_text("volume = loud\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="line 1"):
        run(["config"])
    run(["config", "path"])
    assert capsys.readouterr().out == f"{config_file}\n"



# --- voicecoach config on the command line ---------------------------------------------------


def voicecoach(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "voicecoach", *argv], capture_output=True,
                          text=True, timeout=120, check=False)


def test_config_get_prints_a_value_set_in_the_file_and_which_file(config_file: Path) -> None:
    config_file.write_text("speech_rate = 120\n", encoding="utf-8")
    result = voicecoach("config", "get", "speech_rate")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"speech_rate = 120 in {config_file} ($VOICECOACH_CONFIG)\n"


def test_config_get_says_a_value_nobody_set_is_the_default() -> None:
    path = default_settings_path()  # the test's own config folder, from $XDG_CONFIG_HOME
    result = voicecoach("config", "get", "volume")
    assert result.stdout == f"volume = 1.0, the default: no settings file yet at {path}\n"
    path.parent.mkdir(parents=True)
    path.write_text("speech_rate = 120\n", encoding="utf-8")
    result = voicecoach("config", "get", "volume")
    assert result.stdout == f"volume = 1.0, the default: {path} does not set it\n"


def test_config_get_of_an_unknown_key_names_the_nearest_ones(config_file: Path) -> None:
    result = voicecoach("config", "get", "device")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(
        "voicecoach: config get device: no such setting (did you mean input_device, "
        "output_device or voice?); valid keys: voice_engine, voice, speech_rate,")
    assert result.stderr.endswith("Fix: voicecoach config get input_device.\n")


def test_a_value_typed_out_of_range_is_named_with_the_range_and_the_file_is_not_blamed(
        settings_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICECOACH_CONFIG", str(settings_file))
    result = voicecoach("config", "set", "speech_rate", "1000")
    assert result.returncode == 1
    assert result.stderr == (
        "voicecoach: config set speech_rate: must be at most 300 words a minute (got 1000); "
        "speech_rate takes a whole number from 80 to 300 words a minute. Nothing was saved. "
        "Fix: voicecoach config set speech_rate 150, or another from 80 to 300 words a "
        "minute.\n")
    assert settings_file.read_text(encoding="utf-8") == HAND_WRITTEN


SILENT = "a coach nobody hears cannot warn anyone; --mute prints the coach's lines instead"


def test_a_silent_coach_is_refused_typed_in_the_file_or_as_an_option(config_file: Path) -> None:
    for volume in ("0", "0.05"):
        typed = voicecoach("config", "set", "volume", volume)
        assert typed.returncode == 1 and not config_file.exists()
        assert typed.stderr.startswith(
            f"voicecoach: config set volume: must be at least 0.2 (got {volume}): ")
        assert SILENT in typed.stderr
    config_file.write_text("volume = 0\n", encoding="utf-8")
    in_file = voicecoach("config", "get", "volume")
    assert in_file.returncode == 1
    assert in_file.stderr.startswith(f"voicecoach: {config_file}: volume: must be at least 0.2 "
                                     "(got 0): ")
    assert SILENT in in_file.stderr
    config_file.unlink()
    option = voicecoach("demo", "--volume", "0")
    assert option.returncode == 2 and option.stdout == ""
    assert "argument --volume: must be at least 0.2 (got 0): " in option.stderr
    assert SILENT in option.stderr
    assert voicecoach("config", "set", "volume", "0.2").returncode == 0


@pytest.mark.parametrize(("wake_word", "says"), [
    ("stop", "must not be a command, and 'stop' is one"),
    ("hey stop", "must not hold a command, and 'stop' is one"),
    ("coach that hurts", "must not hold a command, and 'that hurts' is one"),
    ("pause", "must not be a command, and 'pause' is one"),
])
def test_a_command_as_the_wake_word_is_refused_typed_or_in_the_file(
        config_file: Path, wake_word: str, says: str) -> None:
    typed = voicecoach("config", "set", "wake_word", *wake_word.split())
    assert typed.returncode == 1 and not config_file.exists()
    assert typed.stderr.startswith(f"voicecoach: config set wake_word: {says}: the coach could "
                                   "hear the one for the other")
    config_file.write_text(f'wake_word = "{wake_word}"\n', encoding="utf-8")
    in_file = voicecoach("config", "get", "wake_word")
    assert in_file.returncode == 1
    assert in_file.stderr.startswith(f"voicecoach: {config_file}: wake_word: {says}: ")
    assert "Fix: voicecoach config set wake_word coach" in in_file.stderr
    # Words that only sound like a part of one are no command.
    for kept in ("coach", "hey coach", "okay coach", "stopwatch"):
        assert Settings(wake_word=kept).wake_word == kept
