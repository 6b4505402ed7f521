"""The loudspeaker, through sounddevice: whole recordings (the demo) and the live line queue,
written in short blocks by one thread so that an interruption is heard within ~50 ms."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from ..audio.source import SAMPLE_RATE, AudioError, Samples
from ..origins import Origin
from .playback import Playback, Rendered

BLOCK_S = 0.02


def _output_device(sd: Any, device: int | str | None, instead: str = "use --mute",
                   origin: Origin | None = None) -> dict[str, Any]:
    """`instead`: the flag that does without a loudspeaker for this command."""
    try:
        info: dict[str, Any] = sd.query_devices(device, "output")
    except (ValueError, sd.PortAudioError) as exc:
        if device is None:
            raise AudioError(f"no output device ({exc}); connect a speaker or {instead}") from exc
        where = f"{origin}: " if origin is not None and origin.from_settings else ""
        fix = origin.fix if origin is not None else "pass another --output-device NAME-OR-INDEX"
        raise AudioError(f"{where}no output device {device!r} ({exc}); connect a speaker, "
                         f"{instead}, or {fix}") from exc
    return info


def _real_sounddevice() -> Any:
    import sounddevice

    return sounddevice


def play_blocking(audio: Samples, device: int | str | None = None,
                  instead: str = "use --mute") -> str | None:
    """Play to the end; returns why it could not be played, or None when it was. `instead`:
    the flag that does without playing, for the message."""
    try:
        import sounddevice as sd

        _output_device(sd, device, instead)
        sd.play(audio, SAMPLE_RATE, device=device, blocking=True)
    except (OSError, AudioError) as exc:
        return str(exc)
    except Exception as exc:  # PortAudio's errors: say them, lose nothing
        return f"the output device failed: {exc}"
    return None


class SpeakerOutput:
    """Renders the line queue to the sound card, block by block, from its own thread.

    `on_block(rendered, start_s)` is told what was played and when it becomes audible (for the
    echo guard and for noticing that speech has finished). Built, it holds what to open;
    `start()` opens the device and starts the thread; `close()` stops and joins it (also when
    never started, and again)."""

    def __init__(
        self,
        playback: Playback,
        on_block: Callable[[Rendered], None],
        device: int | str | None = None,
        sounddevice: Any = None,
        origin: Origin | None = None,
    ) -> None:
        self._sounddevice = sounddevice
        self._device, self._origin = device, origin
        self._playback = playback
        self._on_block = on_block
        self._stop = threading.Event()
        self.rate = 0  # the device's own, known once it is open
        self._resampler: Any = None
        self._stream: Any = None
        self.failure: str | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Open the device (AudioError when it is missing or refuses) and start writing."""
        sd = self._sounddevice if self._sounddevice is not None else _real_sounddevice()
        info = _output_device(sd, self._device, origin=self._origin)
        self.rate = int(info["default_samplerate"])
        if self.rate != SAMPLE_RATE:
            import soxr

            self._resampler = soxr.ResampleStream(SAMPLE_RATE, self.rate, 1, dtype="int16")
        try:
            self._stream = sd.OutputStream(samplerate=self.rate, channels=1, dtype="int16",
                                           device=self._device, latency="low")
            self._stream.start()
        except Exception as exc:  # PortAudio refuses in many ways
            raise AudioError(f"cannot open the output device: {exc}") from exc
        self._thread = threading.Thread(target=self._write, name="speaker", daemon=True)
        self._thread.start()

    def _write(self) -> None:
        block = round(SAMPLE_RATE * BLOCK_S)
        while not self._stop.is_set():
            rendered = self._playback.render(block)
            audio = rendered.audio
            if self._resampler is not None:
                audio = self._resampler.resample_chunk(audio)
            try:
                self._stream.write(np.ascontiguousarray(audio.reshape(-1, 1)))
            except Exception as exc:  # the device went away
                self.failure = f"the output device failed: {exc}"
                self._playback.interrupt()
                self._on_block(rendered)
                return
            self._on_block(rendered)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:  # closing a device that may be gone
                pass
