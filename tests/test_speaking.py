"""Speaking: Piper or pyttsx3 to WAV in one thread, the disk cache, and playback that stops at
once. What both engines must do is tested on both."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from voicecoach.cli.session import RECORDING_ENDED_EARLY
from voicecoach.session.terminal import protected_stdout
from voicecoach.speaking.playback import Playback
from voicecoach.speaking.tts import TextToSpeech, VoiceEngine, VoiceSettings

ENGINES = [VoiceEngine.PIPER, VoiceEngine.PYTTSX3]


@pytest.fixture(params=ENGINES, ids=str)
def tts(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    voice = TextToSpeech(cache_dir=tmp_path / "cache", engine=request.param)
    voice.start()
    yield voice
    voice.close()


@pytest.fixture
def espeak(tmp_path: Path):  # type: ignore[no-untyped-def]
    voice = TextToSpeech(cache_dir=tmp_path / "cache", engine=VoiceEngine.PYTTSX3)
    voice.start()
    yield voice
    voice.close()


def _rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))


def test_each_engine_says_which_engine_and_voice_it_is(tts: TextToSpeech):
    assert tts.engine in ENGINES
    if tts.engine is VoiceEngine.PIPER:
        assert tts.voice_name == "en_US-joe-medium"
    else:
        assert tts.voice_name  # e.g. "English (Great Britain)", the engine's default


def test_a_line_becomes_16khz_audio_of_plausible_length(tts: TextToSpeech):
    audio = tts.audio_for("Press a little deeper now, as the muscle relaxes.")
    assert audio.dtype == np.int16
    assert 1.5 < len(audio) / 16_000 < 6.0
    assert np.abs(audio).max() > 1000


def test_long_lines_are_whole_although_pyttsx3_returns_before_writing_them(
        espeak: TextToSpeech):
    line = "Work slowly and breathe out as you press. " * 12  # ~500 characters
    audio = espeak.audio_for(line)
    assert len(audio) / 16_000 > 20


def test_the_cache_answers_repeated_lines_without_synthesising(tts: TextToSpeech):
    first = tts.audio_for("Rest for 20 seconds.")
    made = tts.synthesized
    again = tts.audio_for("Rest for 20 seconds.")
    assert tts.synthesized == made and np.array_equal(first, again)


def test_prefetched_lines_are_ready_before_they_are_needed(tts: TextToSpeech):
    tts.prefetch(["Switch to your right side.", "Ten seconds left."])
    tts.audio_for("Something urgent comes first.")  # the queue serves urgent lines first
    tts.drain()
    cached = TextToSpeech(cache_dir=tts.cache_dir, engine=tts.engine)
    cached.start()
    try:
        cached.audio_for("Switch to your right side.")
        cached.audio_for("Ten seconds left.")
        assert cached.synthesized == 0
    finally:
        cached.close()


def test_speak_slower_makes_longer_audio_and_is_cached_apart(tts: TextToSpeech):
    line = "Use medium pressure, and breathe out slowly as you press."
    normal = tts.audio_for(line)
    tts.change("slower")
    slower = tts.audio_for(line)
    assert tts.settings.words_per_minute == 130
    assert len(slower) > len(normal) * 1.08  # 150 -> 130 words a minute: 15 % longer
    tts.change("faster")
    tts.change("faster")
    assert len(tts.audio_for(line)) < len(normal) * 0.95  # 170 words a minute


def test_speak_quieter_makes_lower_audio_and_louder_brings_it_back(tts: TextToSpeech):
    line = "Use medium pressure, and breathe out slowly as you press."
    normal = tts.audio_for(line)
    tts.change("quieter")
    tts.change("quieter")
    quieter = tts.audio_for(line)
    assert tts.settings.volume == pytest.approx(0.6)
    assert _rms(quieter) < _rms(normal) * 0.75
    tts.change("louder")
    tts.change("louder")
    assert _rms(tts.audio_for(line)) > _rms(quieter) * 1.3


COACHING = (  # lines of every length, as a routine has them
    "Ten seconds left.",
    "Switch to your right side. Use light pressure.",
    "Place your palm flat on the top of your buttock, just below your waistline.",
    "Glide it slowly down and out toward the side of your thigh, then lift it and start again "
    "at the top. Breathe slowly and let the muscle soften.",
)


@pytest.mark.parametrize("wanted", [120, 180])
def test_piper_speaks_about_the_words_per_minute_asked(tmp_path: Path, wanted: int):
    """Its length scale comes from joe's own pace over a routine's lines (the stretchable and
    the fixed part of a word): lines said at 120 words a minute are near 120, within a fifth."""
    voice = TextToSpeech(VoiceSettings(words_per_minute=wanted), tmp_path,
                         engine=VoiceEngine.PIPER)
    voice.start()
    try:
        seconds = sum(len(voice.audio_for(line)) for line in COACHING) / 16_000
    finally:
        voice.close()
    words = sum(len(line.split()) for line in COACHING)
    assert wanted * 0.8 < words / seconds * 60 < wanted * 1.2


def test_the_cache_keeps_each_engine_voice_rate_and_volume_apart(tmp_path: Path):
    line = "Rest for 20 seconds."
    made: dict[tuple[str, str], bytes] = {}
    for engine, voice in ((VoiceEngine.PIPER, None), (VoiceEngine.PYTTSX3, None),
                          (VoiceEngine.PYTTSX3, "English (Scotland)")):
        for settings in (VoiceSettings(voice=voice), VoiceSettings(voice=voice).changed("slower"),
                         VoiceSettings(voice=voice).changed("quieter")):
            tts = TextToSpeech(settings, tmp_path, engine=engine)
            tts.start()
            try:
                before = tts.synthesized
                audio = tts.audio_for(line)
                assert tts.synthesized == before + 1, (engine, settings)  # none was reused
            finally:
                tts.close()
            made[(f"{engine} {tts.voice_name}", repr(settings))] = audio.tobytes()
    assert len(set(made.values())) == len(made) == 9
    assert len(list(tmp_path.glob("*.wav"))) == 9


def test_the_cache_key_names_the_voice_found_not_the_words_typed(tmp_path: Path):
    """'english' and 'English (America)' are one voice: one line in the cache, made once."""
    first = TextToSpeech(VoiceSettings(voice="english"), tmp_path, engine=VoiceEngine.PYTTSX3)
    first.start()
    try:
        first.audio_for("Rest for 20 seconds.")
    finally:
        first.close()
    again = TextToSpeech(VoiceSettings(voice="English (America)"), tmp_path,
                         engine=VoiceEngine.PYTTSX3)
    again.start()
    try:
        again.audio_for("Rest for 20 seconds.")
        assert again.synthesized == 0
    finally:
        again.close()


def test_voice_settings_stay_within_bounds():
    settings = VoiceSettings()
    for _ in range(20):
        settings = settings.changed("quieter").changed("faster")
    assert settings.volume == 0.2 and settings.words_per_minute == 240


def test_pyttsx3_prints_do_not_reach_the_terminal(tmp_path: Path):
    script = (
        "from pathlib import Path\n"
        "from voicecoach.session.terminal import protected_stdout\n"
        "from voicecoach.speaking.tts import TextToSpeech\n"
        "with protected_stdout() as terminal:\n"
        f"    tts = TextToSpeech(cache_dir=Path({str(tmp_path)!r}))\n"
        "    tts.start()\n"
        "    tts.audio_for('Hello there.')\n"
        "    tts.close()\n"
        "    print('only this', file=terminal)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout == "only this\n"


def test_protected_stdout_restores_the_terminal(capfd: pytest.CaptureFixture[str]):
    with protected_stdout() as terminal:
        print("hidden")
        print("shown", file=terminal)
    print("after")
    out = capfd.readouterr().out
    assert "hidden" not in out and "shown" in out and "after" in out


def test_interrupting_playback_drops_every_queued_line_at_once():
    playback = Playback()
    playback.enqueue(1, "first", np.ones(16_000, dtype=np.int16))
    playback.enqueue(2, "second", np.ones(16_000, dtype=np.int16))
    started = playback.render(800)
    assert started.started == [(1, "first")] and playback.busy
    assert playback.interrupt() == [1, 2]
    after = playback.render(800)
    assert not after.audio.any() and not playback.busy


def test_playback_reports_lines_starting_finishing_and_going_idle():
    playback = Playback()
    playback.enqueue(1, "short", np.ones(500, dtype=np.int16))
    playback.enqueue(2, "next", np.ones(500, dtype=np.int16))
    block = playback.render(800)
    assert block.started == [(1, "short"), (2, "next")] and block.finished == [1]
    assert not block.now_idle
    block = playback.render(800)
    assert block.finished == [2] and block.now_idle
    assert block.audio[:200].all() and not block.audio[200:].any()


# --- the speech cache is ours: it may be missing or damaged, the coach speaks anyway -----------


def test_a_cache_folder_that_cannot_be_made_falls_back_to_a_temporary_one_said_once(
        tmp_path: Path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should go")
    notes: list[str] = []
    voice = TextToSpeech(cache_dir=blocker / "speech", note=notes.append)
    voice.start()
    try:
        audio = voice.audio_for("Rest for 20 seconds.")
        voice.audio_for("Ten seconds left.")
        temporary = voice.cache_dir
        assert len(audio) > 16_000 and temporary.is_dir()
    finally:
        voice.close()
    assert len(notes) == 1 and "cannot be used" in notes[0] and str(blocker) in notes[0]
    assert "XDG_CACHE_HOME" in notes[0]
    assert not temporary.exists()  # a temporary cache leaves nothing behind


def test_a_damaged_line_in_the_cache_is_thrown_away_and_made_again(tmp_path: Path):
    notes: list[str] = []
    voice = TextToSpeech(cache_dir=tmp_path / "cache", note=notes.append)
    voice.start()
    try:
        good = voice.audio_for("Use medium pressure.")
        (entry,) = list((tmp_path / "cache").glob("*.wav"))
        entry.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")  # a truncated header
        again = voice.audio_for("Use medium pressure.")
    finally:
        voice.close()
    assert np.array_equal(good, again) or abs(len(good) - len(again)) < 1600
    assert voice.synthesized == 2
    assert len(notes) == 1 and "damaged" in notes[0]


def _silence_wav(path: Path, seconds: float = 2.0) -> Path:
    from voicecoach.audio.synthetic import write_wav

    write_wav(path, np.zeros(int(16_000 * seconds), dtype=np.int16))
    return path


def _run_cli(tmp_path: Path, cache_home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(cache_home), "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    return subprocess.run([sys.executable, "-m", "voicecoach", *argv], capture_output=True,
                          text=True, timeout=180, env=env, check=False)


def test_run_starts_although_the_cache_folder_cannot_be_created(tmp_path: Path):
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_text("")
    recording = _silence_wav(tmp_path / "quiet.wav")
    result = _run_cli(tmp_path, blocker, "run", "--input", str(recording),
                      "glutes", "--no-history")
    # A second of silence ends in the glutes session: unfinished (3), not failed (1).
    assert result.returncode == RECORDING_ENDED_EARLY, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("cannot be used") == 1


def test_run_carries_on_past_a_damaged_cache_entry(tmp_path: Path):
    cache = tmp_path / "cache"
    recording = _silence_wav(tmp_path / "quiet.wav")
    first = _run_cli(tmp_path, cache, "run", "--input", str(recording), "glutes", "--no-history")
    assert first.returncode == RECORDING_ENDED_EARLY, first.stderr
    entries = list(cache.glob("voicecoach/speech/*.wav"))
    assert entries
    for entry in entries:  # as a full disk or a power cut would leave them
        entry.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")
    result = _run_cli(tmp_path, cache, "run", "--input", str(recording), "glutes",
                      "--no-history")
    assert result.returncode == RECORDING_ENDED_EARLY, result.stderr
    assert "sox" not in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("damaged") == 1


def test_run_starts_with_a_home_folder_that_is_not_there(tmp_path: Path):
    (tmp_path / "file").write_text("")
    home = tmp_path / "file" / "home"  # can be neither read nor made, even by root
    recording = _silence_wav(tmp_path / "quiet.wav")
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "run", "--input", str(recording), "glutes"],
        capture_output=True, text=True, timeout=180, check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home)})
    assert result.returncode == RECORDING_ENDED_EARLY, result.stderr
    assert "Traceback" not in result.stderr
    assert "speech cache" in result.stderr and "will not be recorded" in result.stderr


def test_faster_and_slower_never_go_the_wrong_way_from_a_rate_set_outside_their_range():
    assert VoiceSettings(words_per_minute=300).changed("faster").words_per_minute == 300
    assert VoiceSettings(words_per_minute=80).changed("slower").words_per_minute == 80
    assert VoiceSettings(words_per_minute=300).changed("slower").words_per_minute == 280
