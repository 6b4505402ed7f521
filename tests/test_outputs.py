"""What voicecoach writes for the user (`--save`, `bench --json`) and how sessions on a file end:
output paths are checked before any work, recordings are written as the session goes, and
Ctrl-C or SIGTERM ends a session within a second with its history and its recording kept."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import tracemalloc
import wave
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio.recording import WavRecording
from voicecoach.audio.synthetic import synthesize, with_room, write_wav
from voicecoach.core import Command, Intent
from voicecoach.hearing.listener import CommandListener
from voicecoach.history.store import HistoryStore, default_history_path
from voicecoach.output_files import OutputError, check_output_file
from voicecoach.session.stream import StreamSession
from voicecoach.session.wiring import make_engine
from voicecoach.settings import record_safety_brief_accepted

from .audio_helpers import needs_espeak
from .fakes import ScriptedRecognizer

VOICECOACH = [sys.executable, "-m", "voicecoach"]
LONG_S = 1800  # half an hour of input: several seconds of work, time to send a signal


def voicecoach(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*VOICECOACH, *argv], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, check=False)


def one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """The last line of stderr, after checking it is the one error the user sees."""
    assert "Traceback" not in result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("voicecoach: ") and all(w in last for w in words), result.stderr
    return last


@pytest.fixture(scope="module")
def short_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("input") / "short.wav"
    write_wav(path, with_room(np.zeros(16_000, dtype=np.int16), 0.5, 0.5))
    return path


@pytest.fixture(scope="module")
def spoken_long_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """"start full hip", then half an hour of a quiet room."""
    path = tmp_path_factory.mktemp("input") / "long.wav"
    start = with_room(synthesize("start full hip"), 0.5, 1.0)
    rng = np.random.default_rng(0)
    room = rng.normal(0.0, 20.0, LONG_S * 16_000).astype(np.int16)
    write_wav(path, np.concatenate([start, room]))
    return path


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as wav:
        frames, rate = wav.getnframes(), wav.getframerate()
    # The header agrees with the data: the file was finished, not cut off.
    assert path.stat().st_size == 44 + 2 * frames
    return frames / rate


# --- output paths, before any work ----------------------------------------------------------


@pytest.mark.parametrize("command", [["run", "--input"], ["serve", "--input"]])
def test_save_into_a_missing_folder_is_refused_before_the_session(
        command: list[str], short_input: Path, tmp_path: Path):
    result = voicecoach(*command, str(short_input), "--mute", "--no-history",
                        "--save", str(tmp_path / "missing" / "x.wav"))
    assert result.returncode == 1
    one_line_error(result, "--save", "does not exist", "create it")
    assert "coach:" not in result.stdout and "--" not in result.stdout  # no session ran


def test_demo_save_into_a_missing_folder_is_refused_before_the_demo(tmp_path: Path):
    started = time.monotonic()
    result = voicecoach("demo", "--mute", "--no-play", "--save", str(tmp_path / "no" / "x.wav"))
    assert result.returncode == 1 and result.stdout == ""
    one_line_error(result, "--save", "does not exist")
    assert time.monotonic() - started < 20  # refused at once, not after the demo's session


def test_save_as_mp3_is_refused_naming_what_can_be_written(short_input: Path, tmp_path: Path):
    result = voicecoach("run", "--input", str(short_input), "--mute", "--no-history",
                        "--save", str(tmp_path / "talk.mp3"))
    assert result.returncode == 1
    one_line_error(result, "only .wav", "talk.wav")
    assert list(tmp_path.iterdir()) == []  # no WAV data under an .mp3 name


@pytest.mark.parametrize("command", [["run", "--keyboard", "glutes"], ["serve"]])
def test_save_on_a_live_session_is_refused_not_ignored(command: list[str], tmp_path: Path):
    result = voicecoach(*command, "--mute", "--save", str(tmp_path / "x.wav"))
    assert result.returncode == 2
    one_line_error(result, "--save", "drop --save")
    assert not (tmp_path / "x.wav").exists()


def test_bench_json_into_a_missing_folder_is_refused_before_the_benchmark(tmp_path: Path):
    result = voicecoach("bench", "--quick", "--json", str(tmp_path / "no" / "figures.json"),
                        timeout=30)
    assert result.returncode == 1 and result.stdout == ""
    one_line_error(result, "--json", "does not exist")


def test_train_out_that_cannot_be_written_is_refused_before_training():
    result = voicecoach("train", "--quick", "--out", "/proc/verifier.npz", timeout=60)
    assert result.returncode == 1
    one_line_error(result, "--out", "cannot write in /proc")


def test_an_output_folder_that_cannot_be_written_is_named_with_the_fix():
    # /proc refuses new files even to root, as a read-only or full disk would.
    with pytest.raises(OutputError, match=r"cannot write in /proc .*choose a folder"):
        check_output_file(Path("/proc/x.json"), "--json")


def test_an_output_path_that_is_a_folder_is_refused(tmp_path: Path):
    with pytest.raises(OutputError, match="that is a folder"):
        check_output_file(tmp_path, "--save", (".wav",))


# --- the recording is written as the session goes ------------------------------------------


def test_a_recording_appears_only_when_finished_and_whole(tmp_path: Path):
    target = tmp_path / "talk.wav"
    recording = WavRecording(target)
    recording.write(np.ones(8000, dtype=np.int16))
    recording.write(np.ones(8000, dtype=np.int16))
    assert not target.exists()  # until the end, the target is untouched
    (hidden,) = tmp_path.iterdir()
    assert hidden.name.startswith(".talk.wav.") and hidden.stat().st_size >= 2 * 16_000
    recording.close()
    recording.close()  # twice is harmless
    assert wav_seconds(target) == 1.0 and list(tmp_path.iterdir()) == [target]


def _quiet_room(seconds: int) -> Iterator[np.ndarray]:
    for _ in range(seconds * 20):
        yield np.zeros(800, dtype=np.int16)


class QuietRoom:
    """A source of digital silence, made as it is read (it holds no audio of its own)."""

    def __init__(self, seconds: int) -> None:
        self._blocks = _quiet_room(seconds)

    def read(self, timeout: float | None = None) -> np.ndarray | None:
        return next(self._blocks, None)

    def close(self) -> None:
        pass


def _peak_memory_of_a_session(library, seconds: int, record=None) -> int:  # type: ignore[no-untyped-def]
    listener = CommandListener(ScriptedRecognizer([]), library.grammar)
    session = StreamSession(make_engine(library), listener, None, record=record)
    session.start(Command(Intent.START, {"routine": "full-hip"}, "start full hip"))
    tracemalloc.start()
    try:
        session.run(QuietRoom(seconds))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_session_on_a_file_keeps_no_audio_however_long(library, tmp_path: Path):  # type: ignore[no-untyped-def]
    short = _peak_memory_of_a_session(library, 20)
    long = _peak_memory_of_a_session(library, 200)
    # Keeping the audio would take 180 s x 32 kB/s = 5.8 MB more.
    assert long - short < 1_000_000, (short, long)
    with WavRecording(tmp_path / "long.wav") as recording:
        recorded = _peak_memory_of_a_session(library, 200, record=recording.write)
    assert recorded - short < 1_000_000, (short, recorded)
    assert wav_seconds(tmp_path / "long.wav") == 200


# --- signals: ended within a second, history and recording kept -----------------------------


def _sessions() -> list:  # type: ignore[type-arg]
    path = default_history_path()
    if not path.exists():
        return []
    with HistoryStore(path) as history:
        return history.sessions()


def _wait_until(condition, process: subprocess.Popen[str], what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 60
    while not condition():
        assert process.poll() is None, f"ended before {what}: {process.communicate()}"
        assert time.monotonic() < deadline, f"no {what}"
        time.sleep(0.05)


def _stop(process: subprocess.Popen[str], sig: signal.Signals) -> float:
    sent = time.monotonic()
    process.send_signal(sig)
    process.wait(timeout=10)
    return time.monotonic() - sent


@needs_espeak
@pytest.mark.parametrize("command", ["run", "serve"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_ends_a_session_on_a_file_with_its_history_and_recording(
        command: str, sig: signal.Signals, spoken_long_input: Path, tmp_path: Path):
    record_safety_brief_accepted(datetime.now(UTC))  # the session starts at "start full hip"
    saved = tmp_path / "session.wav"
    process = subprocess.Popen(
        [*VOICECOACH, command, "--input", str(spoken_long_input), "--mute", "--plain",
         "--save", str(saved)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_until(lambda: len(_sessions()) == 1, process, "session in the history")
    time.sleep(0.3)
    assert _stop(process, sig) < 1.0
    out, err = process.communicate()
    assert process.returncode == 128 + sig.value and "Traceback" not in err, err
    (session,) = _sessions()
    assert session.how_it_ended == "interrupted" and session.ended_at is not None
    assert f"ended by {sig.name}" in out
    assert 2 < wav_seconds(saved) < LONG_S  # what was heard until the signal, finished


def test_sigterm_during_the_demo_keeps_its_recording_until_then(tmp_path: Path):
    saved = tmp_path / "demo.wav"
    process = subprocess.Popen(
        [*VOICECOACH, "demo", "--mute", "--no-play", "--save", str(saved)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:  # the scripted user has been heard: the session is under way
        if "you:" in line:
            break
    assert _stop(process, signal.SIGTERM) < 1.0
    _, err = process.communicate()
    assert process.returncode == 143 and "Traceback" not in err, err
    # What was heard until the signal: at least the scripted user's "start glutes" (said from
    # 0.5 s, about 0.9 s long), which is decided about 0.3 s after it ends.
    assert wav_seconds(saved) > 1.5


@needs_espeak
def test_a_signal_ends_listen_on_files_within_a_second(spoken_long_input: Path):
    process = subprocess.Popen(
        [*VOICECOACH, "listen", "--json", "--input", str(spoken_long_input)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    first = process.stdout.readline()  # "start full hip" decided: well into the file
    assert '"intent": "start"' in first, first
    assert _stop(process, signal.SIGTERM) < 1.0
    _, err = process.communicate()
    assert process.returncode == 143 and "stopped by SIGTERM" in err and "Traceback" not in err
