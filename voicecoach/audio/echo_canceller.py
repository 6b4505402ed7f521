"""Acoustic echo cancellation with SpeexDSP (Debian's libspeexdsp1), through ctypes.

The microphone hears the loudspeaker. Given what was played (the reference), speex's adaptive
filter (MDF) learns the path from loudspeaker to microphone - delay, room, speaker colour - and
subtracts its estimate of the echo; the speex preprocessor then attenuates what the linear
filter left behind (residual echo suppression), using the canceller's own residual estimate.

Speex works on whole frames; `process` takes any length and returns as many samples, so its
output runs one frame behind its input, plus the preprocessor's own frame: `delay_samples`,
20 ms at the default frame size, the same from the first call to the last.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from .source import SAMPLE_RATE, AudioError, Samples

LIBRARY = "libspeexdsp.so.1"
INSTALL_HINT = "sudo apt-get install libspeexdsp1"

# Request numbers from speex_echo.h and speex_preprocess.h (not in the runtime package).
SPEEX_ECHO_SET_SAMPLING_RATE = 24
SPEEX_PREPROCESS_SET_DENOISE = 0
SPEEX_PREPROCESS_SET_AGC = 2
SPEEX_PREPROCESS_SET_DEREVERB = 8
SPEEX_PREPROCESS_SET_NOISE_SUPPRESS = 18
SPEEX_PREPROCESS_SET_ECHO_SUPPRESS = 20
SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE = 22
SPEEX_PREPROCESS_SET_ECHO_STATE = 24

# Residual echo attenuation (dB) while only the coach speaks, and while the user speaks too.
# Speex's defaults (-40, -15): deep when the echo is alone, gentle over the user's voice so a
# "stop" said over the coach survives. Deeper settings (-60/-30, -90/-45) left the residue
# where it was (measured): what remains is outside speex's residual estimate.
ECHO_SUPPRESS_DB = -40
ECHO_SUPPRESS_ACTIVE_DB = -15
# Speex applies residual echo suppression only with its denoiser switched on (preprocess.c
# resets every gain to 1 otherwise). A 0 dB noise floor keeps the echo suppression while
# leaving steady noise alone; speex's own -15 dB denoising did not measurably change how
# often "pause" and "stop" were understood over the coach, so it stays off.
NOISE_SUPPRESS_DB = 0

_loaded: dict[str, Any] = {}


def load_speexdsp(name: str = LIBRARY) -> Any:
    """The library, loaded once, with every function we call given its C signature."""
    if name in _loaded:
        return _loaded[name]
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        raise AudioError(
            f"cannot load {name} for echo cancellation; install it with `{INSTALL_HINT}`"
        ) from None
    state, pcm, c_int = ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16), ctypes.c_int
    signatures: dict[str, tuple[Any, list[Any]]] = {
        "speex_echo_state_init": (state, [c_int, c_int]),
        "speex_echo_state_destroy": (None, [state]),
        "speex_echo_state_reset": (None, [state]),
        "speex_echo_ctl": (c_int, [state, c_int, ctypes.c_void_p]),
        "speex_echo_cancellation": (None, [state, pcm, pcm, pcm]),
        "speex_preprocess_state_init": (state, [c_int, c_int]),
        "speex_preprocess_state_destroy": (None, [state]),
        "speex_preprocess_ctl": (c_int, [state, c_int, ctypes.c_void_p]),
        "speex_preprocess_run": (c_int, [state, pcm]),
    }
    for function_name, (result, arguments) in signatures.items():
        function = getattr(lib, function_name)
        function.restype = result
        function.argtypes = arguments
    _loaded[name] = lib
    return lib


def _pcm(frame: Samples) -> Any:
    return frame.ctypes.data_as(ctypes.POINTER(ctypes.c_int16))


class EchoCanceller:
    def __init__(
        self,
        frame_samples: int = 160,
        tail_seconds: float = 0.3,
        rate: int = SAMPLE_RATE,
        residual_suppression: bool = True,
    ) -> None:
        """`tail_seconds`: the longest echo path the filter can model - loudspeaker and
        microphone latency, the acoustic delay and the room's reverberation together.
        Speex advises a third of the room's reverberation time; longer adapts more slowly."""
        self._lib = load_speexdsp()
        self.frame_samples = frame_samples
        # Our buffering to whole frames puts the output one frame behind; the preprocessor's
        # overlapping analysis windows add one more (measured: tests/test_echo_guard.py).
        self.delay_samples = frame_samples * (2 if residual_suppression else 1)
        self._echo = self._lib.speex_echo_state_init(frame_samples, round(tail_seconds * rate))
        if not self._echo:
            raise AudioError("speex_echo_state_init failed")
        self._ctl(self._lib.speex_echo_ctl, self._echo, SPEEX_ECHO_SET_SAMPLING_RATE, rate)
        self._rate = rate
        self._preprocess: Any = None
        if residual_suppression:
            self._start_preprocessor()
        self._mic = np.zeros(0, dtype=np.int16)  # input waiting for a whole frame
        self._reference = np.zeros(0, dtype=np.int16)
        self._cleaned = np.zeros(frame_samples, dtype=np.int16)  # output not yet returned
        self._out = np.zeros(frame_samples, dtype=np.int16)

    @staticmethod
    def _ctl(function: Any, state: Any, request: int, value: int) -> None:
        argument = ctypes.c_int(value)
        function(state, request, ctypes.byref(argument))

    def _start_preprocessor(self) -> None:
        self._preprocess = self._lib.speex_preprocess_state_init(self.frame_samples, self._rate)
        if not self._preprocess:
            raise AudioError("speex_preprocess_state_init failed")
        ctl, state = self._lib.speex_preprocess_ctl, self._preprocess
        for request, value in (
            (SPEEX_PREPROCESS_SET_DENOISE, 1),  # needed for residual echo suppression, see top
            (SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, NOISE_SUPPRESS_DB),
            (SPEEX_PREPROCESS_SET_AGC, 0),  # gain changes would upset the echo gate's levels
            (SPEEX_PREPROCESS_SET_DEREVERB, 0),
            (SPEEX_PREPROCESS_SET_ECHO_SUPPRESS, ECHO_SUPPRESS_DB),
            (SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE, ECHO_SUPPRESS_ACTIVE_DB),
        ):
            self._ctl(ctl, state, request, value)
        # The echo state itself is the argument here, not a pointer to a value.
        ctl(state, SPEEX_PREPROCESS_SET_ECHO_STATE, self._echo)

    def process(self, mic: Samples, reference: Samples) -> Samples:
        """The microphone with the echo of `reference` removed; both cover the same span.
        Returns len(mic) samples, `delay_samples` behind the input."""
        if len(mic) != len(reference):
            raise ValueError(f"mic has {len(mic)} samples but reference {len(reference)}")
        if not self._echo:
            raise AudioError("the echo canceller is closed")
        self._mic = np.concatenate([self._mic, mic.astype(np.int16)])
        self._reference = np.concatenate([self._reference, reference.astype(np.int16)])
        whole = len(self._mic) - len(self._mic) % self.frame_samples
        cleaned = [self._cleaned]
        for start in range(0, whole, self.frame_samples):
            stop = start + self.frame_samples
            cleaned.append(self._frame(self._mic[start:stop], self._reference[start:stop]))
        self._mic, self._reference = self._mic[whole:], self._reference[whole:]
        out = np.concatenate(cleaned)
        self._cleaned = out[len(mic) :]
        return out[: len(mic)]

    def _frame(self, mic: Samples, reference: Samples) -> Samples:
        mic = np.ascontiguousarray(mic)
        reference = np.ascontiguousarray(reference)
        self._lib.speex_echo_cancellation(self._echo, _pcm(mic), _pcm(reference), _pcm(self._out))
        if self._preprocess:
            self._lib.speex_preprocess_run(self._preprocess, _pcm(self._out))
        return self._out.copy()

    def reset(self) -> None:
        """Forget the learnt echo path and any buffered audio (a new device, a new stream)."""
        if not self._echo:
            raise AudioError("the echo canceller is closed")
        self._lib.speex_echo_state_reset(self._echo)
        if self._preprocess:  # it has no reset of its own; its noise estimate is stale too
            self._lib.speex_preprocess_state_destroy(self._preprocess)
            self._start_preprocessor()
        self._mic = np.zeros(0, dtype=np.int16)
        self._reference = np.zeros(0, dtype=np.int16)
        self._cleaned = np.zeros(self.frame_samples, dtype=np.int16)

    def close(self) -> None:
        # The preprocessor points at the echo state: destroy it first.
        if getattr(self, "_preprocess", None):
            self._lib.speex_preprocess_state_destroy(self._preprocess)
            self._preprocess = None
        if getattr(self, "_echo", None):
            self._lib.speex_echo_state_destroy(self._echo)
            self._echo = None

    def __enter__(self) -> EchoCanceller:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()
