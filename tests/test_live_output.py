"""The live loudspeaker path with a recording stand-in for sounddevice: interruption timing,
and the panel a person reads from across the room."""

from __future__ import annotations

import io
import threading
import time
from typing import Any

import numpy as np

from voicecoach.core import Pressure, SessionState, Snapshot
from voicecoach.session.terminal import PanelView
from voicecoach.speaking.output import BLOCK_S, SpeakerOutput
from voicecoach.speaking.playback import Playback, Rendered

from .fakes import running_threads


class RecordingOutput:
    """Stands in for sounddevice: an output stream that keeps every block written to it and
    takes as long to accept a block as a sound card would."""

    class PortAudioError(Exception):
        pass

    def __init__(self) -> None:
        self.blocks: list[tuple[float, np.ndarray]] = []

    def query_devices(self, device: Any = None, kind: str | None = None) -> dict[str, Any]:
        return {"name": "speaker", "default_samplerate": 16_000.0}

    def OutputStream(self, **settings: Any) -> Any:  # sounddevice's name
        blocks = self.blocks

        class Stream:
            def start(self) -> None:
                pass

            def write(self, data: np.ndarray) -> None:
                time.sleep(len(data) / 16_000)  # the card's pace: this is the device's thread
                blocks.append((time.monotonic(), data.copy()))

            def stop(self) -> None:
                pass

            def close(self) -> None:
                pass

        return Stream()


def test_an_interrupted_line_stops_sounding_within_100_ms():
    device = RecordingOutput()
    playback = Playback()
    playback.enqueue(1, "a long instruction", np.full(16_000 * 5, 7000, dtype=np.int16))
    finished = threading.Event()

    def on_block(rendered: Rendered) -> None:
        if rendered.finished:
            finished.set()

    output = SpeakerOutput(playback, on_block, sounddevice=device)
    try:
        output.start()
        time.sleep(0.3)  # the real device thread is playing the line now
        cut_at = time.monotonic()
        playback.interrupt()
        time.sleep(0.3)
    finally:
        output.close()
    loud_after_cut = [t for t, block in device.blocks if t > cut_at and np.abs(block).max() > 0]
    assert loud_after_cut, "nothing was playing before the cut"
    assert max(loud_after_cut) - cut_at <= 0.1
    assert len(loud_after_cut) <= round(0.1 / BLOCK_S)


def test_building_a_speaker_output_starts_no_thread_start_does_and_close_joins_it():
    device = RecordingOutput()
    output = SpeakerOutput(Playback(), lambda rendered: None, sounddevice=device)
    assert running_threads("speaker") == [] and device.blocks == []
    output.start()
    assert len(running_threads("speaker")) == 1
    output.close()
    assert running_threads("speaker") == []
    output.close()  # a second close finds nothing left to do


def test_a_speaker_output_never_started_closes_quietly():
    SpeakerOutput(Playback(), lambda rendered: None, sounddevice=RecordingOutput()).close()


def test_the_panel_shows_step_pressure_time_and_what_was_heard():
    out = io.StringIO()
    view = PanelView(out)
    view.start()
    try:
        view.show(Snapshot(state=SessionState.HOLDING, routine_title="Glutes by hand",
                           step_number=2, step_count=4, step_title="Knead the glutes",
                           instruction="Squeeze and release.", side="left",
                           pressure=Pressure.MEDIUM, step_seconds_left=42.0,
                           step_seconds_total=90.0, routine_seconds_left=400.0), True)
    finally:
        view.close()
    text = out.getvalue()
    for expected in ("Step 2 of 4: Knead the glutes — left side", "pressure: medium",
                     "42 seconds left", "speaking"):
        assert expected in text
