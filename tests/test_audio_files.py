"""Audio files as people have them: every encoding libsndfile reads is heard, and a file that
cannot be used (empty, cut short, not audio) or will be misheard (telephone band) is named with
its full path, its real cause and a fix that helps."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from voicecoach.audio.source import SAMPLE_RATE, AudioError
from voicecoach.audio.wav_file import WavFileSource, read_all

TONE_HZ = 440.0


def _tone(rate: int, seconds: float = 1.0, channels: int = 1) -> np.ndarray:
    t = np.arange(round(rate * seconds)) / rate
    mono = 0.5 * np.sin(2 * np.pi * TONE_HZ * t)
    return np.repeat(mono[:, None], channels, axis=1)


def _listen(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voicecoach", "listen", "--no-verify", "--no-profile", *argv],
        capture_output=True, text=True, timeout=120, check=False)


def _problems(stderr: str) -> list[str]:
    """The lines about files, not the recogniser's greeting."""
    return [line for line in stderr.splitlines() if not line.startswith("voicecoach: recogniser")]


@pytest.mark.parametrize(("name", "extension", "file_format", "subtype", "channels"), [
    ("24-bit", "wav", "WAVEX", "PCM_24", 1),
    ("float32", "wav", "WAV", "FLOAT", 1),
    ("A-law", "wav", "WAV", "ALAW", 1),
    ("mu-law", "wav", "WAV", "ULAW", 1),
    ("6-channel extensible", "wav", "WAVEX", "PCM_16", 6),
    ("8-bit", "wav", "WAV", "PCM_U8", 1),
    ("FLAC", "flac", "FLAC", "PCM_16", 1),
    ("OGG Vorbis", "ogg", "OGG", "VORBIS", 1),
])
def test_every_encoding_libsndfile_reads_becomes_16_khz_mono(
        tmp_path: Path, name: str, extension: str, file_format: str, subtype: str,
        channels: int) -> None:
    path = tmp_path / f"tone.{extension}"
    soundfile.write(path, _tone(22_050, channels=channels), 22_050, subtype=subtype,
                    format=file_format)
    audio = read_all(path)
    assert abs(len(audio) - SAMPLE_RATE) <= 2, name
    expected = _tone(SAMPLE_RATE)[:, 0] * 32768
    middle = slice(1000, 15000)  # away from the resampler's edges
    error = np.sqrt(np.mean((audio[middle] - expected[middle]) ** 2))
    assert error < 0.05 * 32768 * 0.5, f"{name}: rms error {error:.0f}"


def test_a_multichannel_wav_is_the_extensible_format_the_old_reader_refused(
        tmp_path: Path) -> None:
    path = tmp_path / "six.wav"
    soundfile.write(path, _tone(SAMPLE_RATE, channels=6), SAMPLE_RATE, format="WAVEX")
    assert struct.unpack_from("<H", path.read_bytes(), 20)[0] == 65534
    result = _listen("--input", str(path))
    assert result.returncode == 0, result.stderr
    assert _problems(result.stderr) == []


def test_a_file_is_streamed_in_chunks_of_the_asked_length(tmp_path: Path) -> None:
    path = tmp_path / "tone.flac"
    soundfile.write(path, _tone(SAMPLE_RATE), SAMPLE_RATE)
    with WavFileSource(path, chunk_seconds=0.05) as source:
        sizes = []
        while (chunk := source.read()) is not None:
            sizes.append(len(chunk))
    assert sizes == [800] * 20


def test_an_empty_file_is_named_with_its_full_path_and_no_useless_sox_tip(tmp_path: Path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    result = _listen("--input", str(empty))
    assert result.returncode == 1
    assert _problems(result.stderr) == [
        f"voicecoach: {empty}: the file is empty (0 bytes); record or copy it again"]


def test_a_wav_cut_off_in_its_header_says_so(tmp_path: Path) -> None:
    whole = tmp_path / "whole.wav"
    soundfile.write(whole, _tone(SAMPLE_RATE), SAMPLE_RATE, subtype="PCM_16")
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole.read_bytes()[:20])
    result = _listen("--input", str(cut))
    assert result.returncode == 1
    (line,) = _problems(result.stderr)
    assert line.startswith(f"voicecoach: {cut}: ends in the middle of its header (20 bytes")
    assert "sox" not in line and "Traceback" not in result.stderr


def test_a_wav_cut_off_in_its_sound_is_used_with_a_note(tmp_path: Path) -> None:
    whole = tmp_path / "whole.wav"
    soundfile.write(whole, _tone(SAMPLE_RATE, seconds=2.0), SAMPLE_RATE, subtype="PCM_16")
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole.read_bytes()[:44 + SAMPLE_RATE])  # half a second of 16-bit sound
    notes: list[str] = []
    audio = read_all(cut, on_note=notes.append)
    assert len(audio) == SAMPLE_RATE // 2
    assert notes == [f"{cut}: ends early: it holds 0.5 s of the 2.0 s its header promises "
                     "(the rest was cut off); using what is there"]


def test_text_saved_as_wav_is_called_text(tmp_path: Path) -> None:
    text = tmp_path / "notes.wav"
    text.write_text("stop\nstart glutes\n")
    with pytest.raises(AudioError, match=r"notes\.wav: is text, not a recording"):
        read_all(text)


def test_a_format_libsndfile_lacks_gets_a_conversion_that_helps(tmp_path: Path) -> None:
    phone = tmp_path / "voice memo.m4a"
    phone.write_bytes(b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00" + bytes(64))
    with pytest.raises(AudioError) as raised:
        read_all(phone)
    assert str(raised.value) == (
        f"{phone}: .m4a files cannot be read; convert it to WAV first, e.g. "
        f"`ffmpeg -i '{phone}' -ar 16000 -ac 1 '{tmp_path / 'voice memo.wav'}'`")


def test_a_folder_and_a_missing_file_are_told_apart(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="is a folder"):
        read_all(tmp_path)
    with pytest.raises(AudioError, match=r"missing\.wav: no such file"):
        read_all(tmp_path / "missing.wav")


def test_telephone_band_audio_is_warned_about_once_per_file(tmp_path: Path) -> None:
    telephone = tmp_path / "call.wav"
    soundfile.write(telephone, _tone(8000), 8000, subtype="PCM_16")
    wideband = tmp_path / "room.wav"
    soundfile.write(wideband, _tone(SAMPLE_RATE), SAMPLE_RATE, subtype="PCM_16")
    result = _listen("--input", str(telephone), str(wideband))
    assert result.returncode == 0, result.stderr
    assert _problems(result.stderr) == [
        f"voicecoach: {telephone}: recorded at 8000 Hz, narrow band like a telephone: commands "
        "in it will be misheard, because the speech models expect 16 kHz wideband speech and "
        "it has no sound above 4 kHz; record again at 16 kHz or more"]


def test_a_session_from_telephone_band_audio_warns_before_it_starts(tmp_path: Path) -> None:
    telephone = tmp_path / "call.wav"
    soundfile.write(telephone, _tone(11_025, seconds=0.5) * 0, 11_025, subtype="PCM_16")
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "run", "--input", str(telephone), "--mute",
         "--no-history", "--no-verify", "--no-profile"],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "will be misheard" in line]
    assert warnings == [
        f"voicecoach: {telephone}: recorded at 11025 Hz, narrow band like a telephone: "
        "commands in it will be misheard, because the speech models expect 16 kHz wideband "
        "speech and it has no sound above 5.5 kHz; record again at 16 kHz or more"]


def test_a_wideband_file_gets_no_warning(tmp_path: Path) -> None:
    path = tmp_path / "room.wav"
    soundfile.write(path, _tone(44_100), 44_100, subtype="PCM_16")
    notes: list[str] = []
    read_all(path, on_note=notes.append)
    assert notes == []


def test_enrolling_from_telephone_band_clips_warns_for_each_clip(tmp_path: Path) -> None:
    clips = tmp_path / "clips"
    clips.mkdir()
    soundfile.write(clips / "stop.wav", _tone(8000), 8000, subtype="PCM_16")
    (clips / "labels.csv").write_text("path,transcript\nstop.wav,stop\n")
    result = subprocess.run(
        [sys.executable, "-m", "voicecoach", "enroll", "--input", str(clips), "--profile",
         str(tmp_path / "profile")], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1  # one clip is too few: said after the warning
    warnings = [line for line in result.stderr.splitlines() if "will be misheard" in line]
    assert len(warnings) == 1 and f"{clips / 'stop.wav'}: recorded at 8000 Hz" in warnings[0]
