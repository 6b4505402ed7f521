"""The coach must not obey itself, yet must obey "stop" said over its own voice.

    played(coach audio, t) ─► reference timeline ─┬─────────────────────┐
                                                  ▼                     ▼
    microphone chunk at t ─► speex echo canceller ─► double-talk gate ─► recogniser
                                                         │ near-end frames
                                  decision ─► accepts? ◄─┘

Three defences, because none is enough alone (measured in tests/test_echo_guard.py):

1. Cancellation. We know exactly what the loudspeaker plays and when, so the echo is removed
   before the recogniser hears it. Speex's adaptive filter needs a few seconds of the coach's
   voice to learn the room, and even then a residue of reverberation and loudspeaker
   distortion stays above a quiet room's noise: enough for the recogniser to find words in.
2. A double-talk gate. While the coach is audible, a 10 ms frame of cleaned audio passes
   only if it holds clearly more energy than the coach's echo can leave in it (someone else
   is speaking); every other frame becomes noise at the room's floor, so the recogniser hears
   the user's words and not the coach's residue.
3. A check on decisions taken while the coach was audible (`accepts`): only a command a user
   would say over the coach (`BARGE_IN_INTENTS`), with enough near-end frames under it (and,
   from the urgent-word spotter, over its stricter threshold for while the coach speaks).
   While the coach is silent every decision passes untouched.

Time is always given: stream seconds on the caller's clock. Nothing here reads a clock.
"""

from __future__ import annotations

import threading
from collections import deque

import numpy as np
import numpy.typing as npt

from ..audio.echo_canceller import EchoCanceller
from ..audio.source import SAMPLE_RATE, Samples
from ..core.intents import Intent
from .listener import Decision

FRAME = 160  # 10 ms: the canceller's frame and the gate's unit of evidence
# What a user says over the coach: to halt it, or because it hurts. Everything else can wait
# for the coach to finish, and each intent let through is one more the coach's own lines can
# trigger ("next: knead the glutes", "use light pressure", "left side first").
BARGE_IN_INTENTS = frozenset({Intent.PAUSE, Intent.STOP, Intent.PAIN})
TAIL_S = 0.3  # longest echo path: output latency + flight + reverberation
HISTORY_FRAMES = 2000  # 20 s: how far back decisions may look; bounds memory too
COMMAND_S = 1.2  # a spoken command is shorter ("say that again" takes about 0.9 s)
AUDIBLE_ENERGY = 10 ** (40 / 10)  # reference frames below 40 dB (int16 units) are silence

# The double-talk detector: a frame is near-end speech when its cleaned energy exceeds, by
# NEAR_END_MARGIN_DB, the most echo the canceller is known to let through, and the noise
# floor by NOISE_MARGIN_DB. "Known to let through": the LEAK_PERCENTILE of cleaned energy /
# reference envelope over LEAK_WINDOW_FRAMES of the coach's voice that ended COMMAND_S seconds
# ago, so that the user's own words do not raise it. It starts at 1 (the echo whole) and
# falls as the filter converges: strict while cancellation is poor, lenient once it works,
# and never told the room.
NEAR_END_MARGIN_DB = 3.0
NOISE_MARGIN_DB = 10.0
LEAK_PERCENTILE = 95.0
LEAK_WINDOW_FRAMES = 600
MIN_LEAK_FRAMES = 100  # a second of the coach's voice before the leakage is trusted
NOISE_PERCENTILE = 10.0  # the floor: the quietest tenth of recent frames
DEFAULT_NOISE_ENERGY = 20.0**2  # a quiet room (synthetic.NOISE_FLOOR_RMS) until measured
# The gate opens on OPEN_FRAMES near-end frames in a row (one stray frame of residue is not a
# voice), LOOKAHEAD_FRAMES early and HANGOVER_FRAMES late: the burst of a "p" and the
# hiss of an "s" are quieter than the echo, and without them "pause" and "stop" are not
# recognised (measured: most were lost). Looking ahead delays the audio by as much.
OPEN_FRAMES = 2
LOOKAHEAD_FRAMES = 5
HANGOVER_FRAMES = 10
MIN_NEAR_END_S = 0.15  # under a command taken over the coach; "stop" has ~0.3 s

Energies = npt.NDArray[np.float64]


def frame_energies(samples: Samples) -> Energies:
    """Mean power of each whole 10 ms frame."""
    whole = samples[: len(samples) - len(samples) % FRAME].astype(np.float64)
    return np.mean(whole.reshape(-1, FRAME) ** 2, axis=1) if len(whole) else np.zeros(0)


class _DoubleTalkGate:
    """Frame-by-frame near-end detection, and the gated stream it lets through. Frames are
    numbered from the last restart; the output runs `delay_samples` behind the input."""

    delay_samples = (LOOKAHEAD_FRAMES + 1) * FRAME

    def __init__(self, tail_frames: int, seed: int) -> None:
        self._tail_frames = tail_frames
        self._rng = np.random.default_rng(seed)  # comfort noise
        self.leak = 1.0
        self.noise = DEFAULT_NOISE_ENERGY
        self.restart()

    def restart(self) -> None:
        self.frames = 0  # frames analysed
        # Per frame: the cleaned energy, the loudest reference frame within the echo's tail
        # before it, and whether someone other than the coach was speaking.
        self.cleaned: deque[float] = deque(maxlen=HISTORY_FRAMES)
        self.envelope: deque[float] = deque(maxlen=HISTORY_FRAMES)
        self.near: deque[bool] = deque(maxlen=HISTORY_FRAMES)
        self._reference_tail: deque[float] = deque([0.0] * self._tail_frames, self._tail_frames)
        self._unanalysed = np.zeros(0, dtype=np.int16)
        self._unanalysed_reference = np.zeros(0, dtype=np.int16)
        # Output waits here until its gain is known; it starts with the delay's worth of noise.
        self._waiting = np.zeros(self.delay_samples)
        self._gains: deque[float] = deque([0.0] * (LOOKAHEAD_FRAMES + 1))
        self._emitted_in_frame = 0
        self._previous_gain = 0.0
        self._run = 0  # near-end frames in a row
        self._last_opening = -HANGOVER_FRAMES - 1  # the last frame that ended such a run

    def process(self, cleaned: Samples, reference: Samples) -> Samples:
        """`reference`: what played over the same microphone samples as `cleaned`."""
        self._update_thresholds()
        self._waiting = np.concatenate([self._waiting, cleaned])
        self._unanalysed = np.concatenate([self._unanalysed, cleaned])
        self._unanalysed_reference = np.concatenate([self._unanalysed_reference, reference])
        while len(self._unanalysed) >= FRAME:
            self._analyse(self._unanalysed[:FRAME], self._unanalysed_reference[:FRAME])
            self._unanalysed = self._unanalysed[FRAME:]
            self._unanalysed_reference = self._unanalysed_reference[FRAME:]
        return self._emit(len(cleaned))

    def near_end_frames(self, first: int, stop: int) -> list[int]:
        """The frames in [first, stop) that held someone other than the coach."""
        oldest = self.frames - len(self.near)
        first, stop = max(first, oldest), min(stop, self.frames)
        flags = list(self.near)[first - oldest : max(first, stop) - oldest]
        return [first + index for index, near in enumerate(flags) if near]

    def _update_thresholds(self) -> None:
        cleaned, envelope = np.asarray(self.cleaned), np.asarray(self.envelope)
        end = max(0, len(cleaned) - round(COMMAND_S * SAMPLE_RATE / FRAME))
        begin = max(0, end - LEAK_WINDOW_FRAMES)
        echoing = envelope[begin:end] > AUDIBLE_ENERGY
        if np.count_nonzero(echoing) >= MIN_LEAK_FRAMES:
            ratios = cleaned[begin:end][echoing] / envelope[begin:end][echoing]
            self.leak = float(np.percentile(ratios, LEAK_PERCENTILE))
        # Otherwise keep the last measure: 1 at first, or the room's before a restart.
        if len(cleaned) >= MIN_LEAK_FRAMES:
            self.noise = float(np.percentile(cleaned, NOISE_PERCENTILE))

    def _analyse(self, frame: Samples, reference: Samples) -> None:
        """Is this frame near-end speech? Then decide the gain of the frame LOOKAHEAD before."""
        energy = float(np.mean(frame.astype(np.float64) ** 2))
        self._reference_tail.append(float(np.mean(reference.astype(np.float64) ** 2)))
        envelope = max(self._reference_tail)
        limit = max(self.leak * envelope * 10 ** (NEAR_END_MARGIN_DB / 10),
                    self.noise * 10 ** (NOISE_MARGIN_DB / 10))
        near = energy > limit
        self.cleaned.append(energy)
        self.envelope.append(envelope)
        self.near.append(near)
        self._run = self._run + 1 if near else 0
        if self._run >= OPEN_FRAMES:
            self._last_opening = self.frames
        self.frames += 1
        decided = self.frames - 1 - LOOKAHEAD_FRAMES
        if decided >= 0:
            coach_silent = self.envelope[decided - self.frames] <= AUDIBLE_ENERGY
            is_open = coach_silent or self._last_opening >= decided - HANGOVER_FRAMES
            self._gains.append(1.0 if is_open else 0.0)

    def _emit(self, count: int) -> Samples:
        """The oldest `count` waiting samples, each frame's gain ramping from the previous
        frame's (no clicks) and the rest made up with noise at the room's floor."""
        out = self._waiting[:count].copy()
        self._waiting = self._waiting[count:]
        done = 0
        while done < count:
            take = min(FRAME - self._emitted_in_frame, count - done)
            position = (np.arange(self._emitted_in_frame, self._emitted_in_frame + take) + 1)
            gain = self._previous_gain + (self._gains[0] - self._previous_gain) * position / FRAME
            noise = self._rng.normal(0.0, np.sqrt(self.noise), take)
            out[done : done + take] = gain * out[done : done + take] + (1.0 - gain) * noise
            self._emitted_in_frame += take
            done += take
            if self._emitted_in_frame == FRAME:
                self._previous_gain = self._gains.popleft()
                self._emitted_in_frame = 0
        return np.clip(np.round(out), -32768, 32767).astype(np.int16)


class EchoGuard:
    def __init__(
        self,
        tail_seconds: float = TAIL_S,
        barge_in: frozenset[Intent] = BARGE_IN_INTENTS,
        seed: int = 0,
    ) -> None:
        self._canceller = EchoCanceller(FRAME, tail_seconds, SAMPLE_RATE)
        self._tail_frames = round(tail_seconds * SAMPLE_RATE / FRAME)
        self._seed = seed
        self._gate = _DoubleTalkGate(self._tail_frames, seed)
        self.barge_in = barge_in
        # The speaker's thread says what it plays while the listening thread cleans.
        self._played_lock = threading.Lock()
        self._played: list[tuple[int, Samples]] = []  # (first sample, audio), oldest first
        self._next_sample: int | None = None  # where the next microphone chunk should start
        self._origin = 0  # the microphone sample that gate frame 0 holds

    @property
    def delay_s(self) -> float:
        """How far `clean`'s output runs behind the microphone: always the same (80 ms)."""
        return (self._canceller.delay_samples + self._gate.delay_samples) / SAMPLE_RATE

    def played(self, samples: Samples, start_s: float) -> None:
        """The loudspeaker emits `samples` (16 kHz mono) from `start_s` on, on the clock the
        microphone's chunks are timed by. Output latency the caller cannot know is fine: the
        canceller's tail absorbs up to TAIL_S seconds of it, reverberation included."""
        if len(samples):
            with self._played_lock:
                self._played.append((round(start_s * SAMPLE_RATE), samples.astype(np.int16)))

    def stopped(self, at_s: float) -> None:
        """The loudspeaker fell silent at `at_s` (the coach was interrupted): forget what
        would have played after it, or the gate would go on guarding against a quiet coach
        and refuse what the user says next."""
        cut = round(at_s * SAMPLE_RATE)
        with self._played_lock:
            self._played = [(s, a[: cut - s]) for s, a in self._played if s < cut]

    def clean(self, mic: Samples, start_s: float) -> Samples:
        """The microphone chunk that begins at `start_s`, with the coach's echo removed;
        `delay_s` late, as many samples as given."""
        first = round(start_s * SAMPLE_RATE)
        if first != self._next_sample:
            # A new stream, or a jump in the old one. The canceller keeps what it learnt
            # of the room, which has not changed.
            self._origin = first - self._canceller.delay_samples
            self._gate.restart()
        self._next_sample = first + len(mic)
        cleaned = self._canceller.process(mic, self.reference(first, len(mic)))
        lag = self._canceller.delay_samples  # `cleaned` holds the microphone from first - lag
        gated = self._gate.process(cleaned, self.reference(first - lag, len(mic)))
        forget = first - HISTORY_FRAMES * FRAME
        with self._played_lock:
            self._played = [(s, a) for s, a in self._played if s + len(a) > forget]
        return gated

    def reference(self, first: int, count: int) -> Samples:
        """What the loudspeaker emitted over samples [first, first + count): zeros where
        nothing played, the sum where two sounds overlapped."""
        out = np.zeros(count, dtype=np.int32)
        with self._played_lock:
            played = list(self._played)
        for start, audio in played:
            lo, hi = max(first, start), min(first + count, start + len(audio))
            if lo < hi:
                out[lo - first : hi - first] += audio[lo - start : hi - start]
        return np.clip(out, -32768, 32767).astype(np.int16)

    def coach_audible(self, start_s: float, end_s: float) -> bool:
        """Could the coach's voice reach the microphone during [start_s, end_s)? Its echo
        trails the playback by up to the canceller's tail, so that much before counts too."""
        first = round(start_s * SAMPLE_RATE) - self._tail_frames * FRAME
        count = max(0, round(end_s * SAMPLE_RATE) - first)
        return bool(np.any(frame_energies(self.reference(first, count)) > AUDIBLE_ENERGY))

    def near_end_seconds(self, start_s: float, end_s: float) -> float:
        """How long, within [start_s, end_s), someone other than the coach was heard."""
        return len(self._near_end_frames(start_s, end_s)) * FRAME / SAMPLE_RATE

    def _near_end_frames(self, start_s: float, end_s: float) -> list[int]:
        first = (round(start_s * SAMPLE_RATE) - self._origin) // FRAME
        stop = (round(end_s * SAMPLE_RATE) - self._origin) // FRAME
        return self._gate.near_end_frames(first, stop)

    def accepts(
        self,
        decision: Decision,
        speech_start_s: float | None = None,
        speech_end_s: float | None = None,
    ) -> bool:
        """Whether to act on `decision`. Times are stream seconds; by default they come from
        the decision, whose clock is the recogniser's (fed this guard's output from stream
        time 0, so `delay_s` behind). Without a start, the speech began at the first voice
        heard in the COMMAND_S seconds before it ended: a command said just after the coach
        stopped is not a command said over it."""
        if decision.command is None:
            return True  # nothing will happen anyway
        if speech_end_s is None:
            heard = decision.speech_end_s
            speech_end_s = (decision.decided_s if heard is None else heard) - self.delay_s
        if speech_start_s is None:
            window = speech_end_s - COMMAND_S
            voice = self._near_end_frames(window, speech_end_s)
            speech_start_s = (self._origin + voice[0] * FRAME) / SAMPLE_RATE if voice else window
        if not self.coach_audible(speech_start_s, speech_end_s):
            return True
        # Over the coach: only what a user would interrupt it for, and only with a voice
        # under it that the coach's echo cannot explain.
        return (
            decision.command.intent in self.barge_in
            and decision.over_coach
            and self.near_end_seconds(speech_start_s, speech_end_s) >= MIN_NEAR_END_S
        )

    def reset(self) -> None:
        """A different room or device: forget the echo path and everything played."""
        self._canceller.reset()
        self._gate = _DoubleTalkGate(self._tail_frames, self._seed)
        with self._played_lock:
            self._played.clear()
        self._next_sample = None

    def close(self) -> None:
        self._canceller.close()
