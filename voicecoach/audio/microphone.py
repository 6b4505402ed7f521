"""The microphone, through sounddevice (PortAudio).

Opened at the device's own rate and channel count, because many USB microphones refuse 16 kHz;
the audio callback only copies the block into a queue (it must never block or allocate much),
and a decoding thread downmixes and resamples to 16 kHz mono. Input overflows are counted and
reported, and a device that stops delivering (unplugged) ends `read` with an AudioError.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.wording import counted
from ..origins import Origin
from .resampling import MonoResampler, to_float
from .source import AudioError, Samples

BLOCK_S = 0.05
QUEUE_BLOCKS = 400  # 20 s of audio: far more than a decoder falls behind by, yet bounded
STALL_S = 3.0  # no audio for this long from a running stream: the device is gone
REPORT_EVERY_S = 10.0


def _sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as exc:  # PortAudio's shared library is missing
        raise AudioError(
            "cannot load PortAudio for the microphone; install it with "
            "`sudo apt-get install libportaudio2`"
        ) from exc
    return sounddevice


def _input_device(sd: Any, device: int | str | None,
                  origin: Origin | None = None) -> dict[str, Any]:
    try:
        info: dict[str, Any] = sd.query_devices(device, "input")
    except (ValueError, sd.PortAudioError) as exc:
        if device is None:
            raise AudioError(
                f"no default input device ({exc}); plug in a microphone, or see `voicecoach "
                "devices` and pass --device NAME-OR-INDEX") from exc
        # Named where the user would change it: the flag they typed, or their settings file.
        where = f"{origin}: " if origin is not None and origin.from_settings else ""
        fix = origin.fix if origin is not None else "pass another --device NAME-OR-INDEX"
        raise AudioError(
            f"{where}no input device {device!r} ({exc}); plug in a microphone, or see "
            f"`voicecoach devices` and {fix}"
        ) from exc
    return info


def rescan_devices(sounddevice: Any = None) -> None:
    """Make PortAudio look for devices again. It lists them once, when it starts, so a USB
    microphone plugged back in stays invisible until PortAudio restarts; restarting closes every
    open stream, so the caller closes its own first."""
    sd = sounddevice or _sounddevice()
    sd._terminate()
    sd._initialize()


def list_devices() -> list[dict[str, Any]]:
    """Every device with its index, name, channel counts and default rate."""
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
    except sd.PortAudioError as exc:
        raise AudioError(f"cannot list audio devices: {exc}") from exc
    default_in, default_out = sd.default.device
    return [
        {
            "index": index,
            "name": device["name"],
            "inputs": device["max_input_channels"],
            "outputs": device["max_output_channels"],
            "rate": device["default_samplerate"],
            "default_input": index == default_in,
            "default_output": index == default_out,
        }
        for index, device in enumerate(devices)
    ]


class MicrophoneSource:
    """Built, it holds what to open; `start()` opens the device and starts the decoding thread;
    `close()` stops and joins it (also when never started, and again)."""

    def __init__(
        self,
        device: int | str | None = None,
        rate: int | None = None,
        channels: int | None = None,
        block_seconds: float = BLOCK_S,
        on_problem: Callable[[str], None] | None = None,
        stall_seconds: float = STALL_S,
        sounddevice: Any = None,
        origin: Origin | None = None,
    ) -> None:
        """`rate` and `channels` default to the device's own; downmixing and resampling to
        16 kHz mono happen here, whatever they are. `sounddevice` replaces the real module
        (tests inject faults through it). `origin`: where `device` came from, for messages."""
        self._sounddevice = sounddevice
        self._device, self._origin = device, origin
        self._wanted_rate, self._wanted_channels = rate, channels
        self._block_seconds = block_seconds
        self._stall_seconds = stall_seconds
        # The device's name, rate and channels are known once it is open (start()).
        self.device_name = ""
        self.rate = 0
        self.channels = 0
        self.overflows = 0  # PortAudio said input was lost before we got it
        self.dropped_blocks = 0  # our queue was full: decoding fell far behind
        self._on_problem = on_problem or (lambda message: None)
        self._raw: queue.Queue[np.ndarray] = queue.Queue(maxsize=QUEUE_BLOCKS)
        self._chunks: queue.Queue[Samples | None] = queue.Queue(maxsize=QUEUE_BLOCKS)
        self._stop = threading.Event()
        self._failure: str | None = None
        self._last_report = -REPORT_EVERY_S  # the first loss is said at once
        self._stream: Any = None
        self._decoder: threading.Thread | None = None

    def start(self) -> None:
        """Open the device (AudioError when it is missing or refuses) and start decoding."""
        sd = self._sounddevice or _sounddevice()
        info = _input_device(sd, self._device, self._origin)
        self.device_name = info["name"]
        self.rate = self._wanted_rate or int(info["default_samplerate"])
        self.channels = self._wanted_channels or max(1, min(int(info["max_input_channels"]), 2))
        self._resampler = MonoResampler(self.rate)
        try:
            self._stream = sd.InputStream(
                device=self._device,
                samplerate=self.rate,
                channels=self.channels,
                dtype="int16",
                blocksize=max(1, round(self.rate * self._block_seconds)),
                callback=self._callback,
            )
            self._stream.start()
        except sd.PortAudioError as exc:
            raise AudioError(
                f"cannot open the microphone {self.device_name!r} at {self.rate} Hz: {exc}"
            ) from exc
        self._decoder = threading.Thread(target=self._decode, name="mic-decoder", daemon=True)
        self._decoder.start()

    def _callback(self, block: np.ndarray, frames: int, time: Any, status: Any) -> None:
        if status.input_overflow:
            self.overflows += 1
        try:
            self._raw.put_nowait(block.copy())
        except queue.Full:
            self.dropped_blocks += 1

    def _decode(self) -> None:
        while not self._stop.is_set():
            try:
                block = self._raw.get(timeout=self._stall_seconds)
            except queue.Empty:
                if not self._stop.is_set():
                    self._failure = (
                        f"the microphone {self.device_name!r} stopped sending audio "
                        "(unplugged?); plug it back in and start again"
                    )
                    self._chunks.put(None)
                return
            self._chunks.put(self._resampler.convert(to_float(block)))
            self._report_losses()

    def _report_losses(self) -> None:
        # Said at most once every REPORT_EVERY_S of wall time: a struggling device (or one that
        # delivers faster than real time) must not flood the log.
        now = time.monotonic()
        if now - self._last_report < REPORT_EVERY_S:
            return
        if self.overflows or self.dropped_blocks:
            self._last_report = now
            lost = self.overflows + self.dropped_blocks
            self.overflows = self.dropped_blocks = 0
            self._on_problem(f"audio input overflowed {counted(lost, 'time')}: some sound was "
                             "lost")

    def read(self, timeout: float | None = None) -> Samples | None:
        """The next chunk; None after close(); AudioError when the device has gone."""
        if self._stop.is_set():
            return None
        try:
            chunk = self._chunks.get(timeout=timeout)
        except queue.Empty:
            return np.zeros(0, dtype=np.int16)  # nothing yet: not the end
        if chunk is None:
            if self._failure:
                raise AudioError(self._failure)
            return None
        return chunk

    def close(self) -> None:
        self._stop.set()
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:  # a vanished device may refuse to close; we are done with it
                pass
        self._chunks.put(None) if not self._chunks.full() else None
        if self._decoder is not None:
            self._decoder.join(timeout=self._stall_seconds + 1)

    def __enter__(self) -> MicrophoneSource:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
