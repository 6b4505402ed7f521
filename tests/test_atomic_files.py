"""Every file voicecoach writes over is the old file or the whole new one: written beside it,
on disk before the rename, the rename flushed, a symlink written through, permissions kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from voicecoach.atomic_files import NEW_FILE_MODE, copy_atomically, write_text_atomically


class RecordingDisk:
    """Records the order of flushes and renames, doing them for real."""

    def __init__(self, fail_rename: bool = False) -> None:
        self.steps: list[str] = []
        self.fail_rename = fail_rename
        self._fsync, self._replace = os.fsync, os.replace

    def fsync(self, descriptor: int) -> None:
        kind = "folder" if os.path.isdir(f"/proc/self/fd/{descriptor}") else "file"
        self.steps.append(f"flush {kind}")
        self._fsync(descriptor)

    def replace(self, source: str, target: Path) -> None:
        if self.fail_rename:
            raise OSError(28, "No space left on device")
        self.steps.append("rename")
        self._replace(source, target)


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> RecordingDisk:
    recording = RecordingDisk()
    monkeypatch.setattr(os, "fsync", recording.fsync)
    monkeypatch.setattr(os, "replace", recording.replace)
    return recording


def test_the_new_text_is_on_disk_before_it_takes_the_old_ones_place(
        tmp_path: Path, disk: RecordingDisk) -> None:
    target = tmp_path / "settings.toml"
    target.write_text("old\n")
    write_text_atomically(target, "new\n")
    assert target.read_text() == "new\n"
    assert disk.steps == ["flush file", "rename", "flush folder"]
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]  # nothing hidden left


def test_a_write_that_fails_leaves_the_old_file_whole_and_nothing_beside_it(
        tmp_path: Path, disk: RecordingDisk) -> None:
    target = tmp_path / "voicecoach.service"
    target.write_text("the unit that works\n")
    disk.fail_rename = True
    with pytest.raises(OSError):
        write_text_atomically(target, "half a unit")
    assert target.read_text() == "the unit that works\n"
    assert [p.name for p in tmp_path.iterdir()] == ["voicecoach.service"]


def test_a_symlinked_file_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "voicecoach.toml"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "voicecoach.toml"
    link.symlink_to(real)
    write_text_atomically(link, "new\n")
    assert link.is_symlink() and real.read_text() == "new\n"


def test_a_file_keeps_its_permissions_and_a_new_one_gets_a_new_files(tmp_path: Path) -> None:
    kept = tmp_path / "private.toml"
    kept.write_text("old\n")
    kept.chmod(0o640)
    write_text_atomically(kept, "new\n")
    assert kept.stat().st_mode & 0o777 == 0o640
    fresh = tmp_path / "folder" / "figures.json"  # its folder is made too
    write_text_atomically(fresh, "{}\n")
    assert fresh.stat().st_mode & 0o777 == NEW_FILE_MODE


def test_a_copied_voice_is_whole_and_readable_as_a_new_file(tmp_path: Path) -> None:
    source = tmp_path / "voice.onnx"
    source.write_bytes(bytes(range(256)) * 1000)
    target = tmp_path / "voices" / "en_US-joe-medium.onnx"
    copy_atomically(source, target)
    assert target.read_bytes() == source.read_bytes()
    assert target.stat().st_mode & 0o777 == NEW_FILE_MODE
