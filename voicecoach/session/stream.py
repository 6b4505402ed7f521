"""A whole session on stream time: input audio in, the coach's voice out, no waiting.

Every 50 ms block of input advances the clock by 50 ms: the coach's queued speech is rendered
for that block (and, in a simulated room, leaks back into the microphone), the echo guard cleans
the input, the listener hears it, and the engine gets its events at the stream time they
happened. Nothing sleeps, so `voicecoach demo` and `voicecoach run --input` go as fast as the CPU.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..audio.source import SAMPLE_RATE, AudioSource, Samples
from ..core.engine import SessionEngine
from ..core.intents import Command
from ..core.messages import (
    Action,
    ChangeVoice,
    Event,
    Heard,
    Say,
    SessionFinished,
    SessionStarted,
    SessionState,
    SessionSummary,
    SpeechFinished,
    StateChanged,
    StopSpeaking,
    Tick,
)
from ..core.speaking_time import USUAL_WORDS_PER_MINUTE, seconds_to_say
from ..hearing.listener import CommandListener, Decision
from ..speaking.playback import Playback
from .transcript import Entry, left_alone

if TYPE_CHECKING:
    from .recorder import Recorder

BLOCK = SAMPLE_RATE // 20  # 50 ms


class Guard(Protocol):
    """Keeps the coach from hearing itself (see hearing/echo_guard.py)."""

    def played(self, samples: Samples, start_s: float) -> None: ...

    def clean(self, mic: Samples, start_s: float) -> Samples: ...

    def accepts(self, decision: Decision) -> bool: ...

    def stopped(self, at_s: float) -> None:
        """The coach was cut off at `at_s`: the rest of its line will not be heard."""


class CoachVoice(Protocol):
    """The coach's voice as the stream runner uses it: a line turned into audio (Piper or
    pyttsx3 with its cache, or a fake in tests). Not `audio.synthetic.Voice`, an espeak-ng voice
    that test speech is made with."""

    def audio_for(self, text: str) -> Samples: ...

    def change(self, change: str) -> None: ...


class StreamClock:
    """The time of day a moment of the stream stands for: the wall clock when the stream began,
    plus the stream's own seconds. A 147 s recording is played through in a second or two, and
    the history must keep the 147 s it took to say, not the second it took to read."""

    def __init__(self, began: float) -> None:
        self.began = began  # seconds since the epoch
        self.seconds = 0.0  # into the stream, as the session has reached

    def __call__(self) -> float:
        return self.began + self.seconds


class EchoPath:
    """The loudspeaker-to-microphone path of a simulated room: a delay and a gain."""

    def __init__(self, delay_s: float, gain_db: float) -> None:
        self.gain = 10 ** (gain_db / 20)
        self._line: deque[int] = deque([0] * round(delay_s * SAMPLE_RATE))

    def pass_through(self, played: Samples) -> Samples:
        self._line.extend(played.tolist())
        heard = [self._line.popleft() for _ in range(len(played))]
        return (np.asarray(heard, dtype=np.float64) * self.gain).astype(np.int16)


@dataclass
class StreamSession:
    engine: SessionEngine
    listener: CommandListener
    voice: CoachVoice | None  # None: print only
    guard: Guard | None = None
    room: EchoPath | None = None  # simulate the coach's voice leaking into the microphone
    on_entry: Callable[[Entry], None] = lambda entry: None
    playback: Playback = field(default_factory=Playback)
    entries: list[Entry] = field(default_factory=list)
    summaries: list[SessionSummary] = field(default_factory=list)
    # Each block of what a listener in the room hears, as it happens; nothing is kept here, so
    # memory does not grow with the length of the input.
    record: Callable[[Samples], None] | None = None
    recorder: Recorder | None = None  # the history, and what to say before a start
    # The recorder's clock, moved to each event's stream time before the recorder sees it.
    clock: StreamClock | None = None
    now: float = 0.0
    words_per_minute: float = USUAL_WORDS_PER_MINUTE  # how fast a printed line would be said
    stopped_by: str | None = None  # why the session was ended before its input, e.g. "SIGTERM"
    input_ended_at: float | None = None  # the stream time at which the input ran out
    commands_heard: int = 0  # commands acted on, so the end can say when there were none
    # The routine under way and the stream time it began, so the end can say where the input
    # left it; None between sessions.
    under_way: tuple[str, float] | None = None
    _line_number: int = 0

    def __post_init__(self) -> None:
        self.listener.listen_for(self.engine.listening)
        if self.recorder is not None:
            self._dispatch(self.recorder.precautions(), self.now)

    def start(self, command: Command) -> None:
        self._dispatch(Heard(command), self.now)

    def say(self, text: str) -> None:
        """A line of the coach's own, not the engine's (the greeting), queued as the engine's
        are: it takes the time to say it, and what the engine says next waits for it."""
        self._act(Say(text, interrupt=False), self.now)

    def stop(self, why: str) -> None:
        """End `run` after the block in hand (safe to call from a signal handler: it only sets
        a flag, which the loop reads between blocks of 50 ms)."""
        self.stopped_by = why

    def run(self, source: AudioSource, max_seconds: float | None = None) -> None:
        """Until the input ends and the coach has finished its sentence (or `max_seconds`, or
        `stop()`)."""
        ended = False
        while self.stopped_by is None and (max_seconds is None or self.now < max_seconds):
            chunk = None if ended else source.read()
            if chunk is None:
                if not ended:
                    self.input_ended_at = self.now
                ended = True
                if not self.playback.busy:
                    break
                chunk = np.zeros(BLOCK, dtype=np.int16)
            for start in range(0, len(chunk), BLOCK):
                if self.stopped_by is not None:
                    break
                self._block(chunk[start : start + BLOCK])
        self._tick_until(self.now)
        if self.clock is not None:  # what is written after the run (its end) is at its end
            self.clock.seconds = self.now

    # --- one block of stream time ---------------------------------------------------------------

    def _block(self, heard: Samples) -> None:
        start, count = self.now, len(heard)
        rendered = self.playback.render(count)
        for _, text in rendered.started:
            self._note(Entry(start, "coach", text))
        coach = rendered.audio
        mic = heard
        if self.room is not None:
            mic = np.clip(heard.astype(np.int32) + self.room.pass_through(coach), -32768, 32767)
            mic = mic.astype(np.int16)
        if self.record is not None:
            self.record(np.clip(heard.astype(np.int32) + coach, -32768, 32767).astype(np.int16))
        if self.guard is not None:
            self.guard.played(coach, start)
            mic = self.guard.clean(mic, start)
        self.now = start + count / SAMPLE_RATE
        for decision in self.listener.feed(mic):
            self._hear(decision)
        if rendered.now_idle and not self.playback.busy:  # not if a new line came meanwhile
            self._dispatch(SpeechFinished(), self.now)
        self._tick_until(self.now)

    def _hear(self, decision: Decision) -> None:
        allowed = self.guard is None or self.guard.accepts(decision)
        detail = {
            "intent": decision.command.intent.value if decision.command and allowed else None,
            "confidence": round(decision.confidence, 3),
        }
        if decision.command is not None and not allowed:
            detail["ignored"] = "heard while the coach was speaking, and not the user"
        elif (why := left_alone(decision.command, self.engine.listening,
                                self.listener.grammar.wake_word)) is not None:
            detail["intent"], detail["ignored"] = None, why
        if decision.woke:
            detail["woke"] = True
        self._note(Entry(self.now, "you", decision.text or "(not understood)", detail))
        if decision.command is not None and allowed:
            self.commands_heard += 1
            self._dispatch(Heard(decision.command, certain=decision.certain), self.now)

    def _tick_until(self, moment: float) -> None:
        while (due := self.engine.next_deadline()) is not None and due <= moment:
            self._dispatch(Tick(), due)

    # --- actions --------------------------------------------------------------------------------

    def _dispatch(self, event: Event, at: float) -> None:
        if self.clock is not None:
            self.clock.seconds = at
        for action in self.engine.handle(event, at):
            self._act(action, at)
        self.listener.listen_for(self.engine.listening)

    def _act(self, action: Action, at: float) -> None:
        match action:
            case Say(text, interrupt):
                if interrupt:
                    self._cut(at)
                self._line_number += 1
                self.playback.enqueue(self._line_number, text, self._audio_for(text))
            case StopSpeaking():
                self._cut(at)
            case ChangeVoice(change):
                if self.voice is not None:
                    self.voice.change(change)
            case StateChanged(state):
                self._note(Entry(at, "state", state.value))
            case SessionStarted(routine):
                self.under_way = (routine, at)
            case SessionFinished(summary):
                self.summaries.append(summary)
                self.under_way = None
        if self.recorder is not None and self.recorder.record(action):
            self._dispatch(self.recorder.precautions(), at)

    def _cut(self, at: float) -> None:
        if self.playback.interrupt() and self.guard is not None:
            self.guard.stopped(at)

    def _audio_for(self, text: str) -> Samples:
        if self.voice is not None:
            return self.voice.audio_for(text)
        # Printing only: the line still takes the time it would take to say.
        seconds = seconds_to_say(text, self.words_per_minute)
        return np.zeros(round(seconds * SAMPLE_RATE), dtype=np.int16)

    def _note(self, entry: Entry) -> None:
        self.entries.append(entry)
        self.on_entry(entry)

    @property
    def finished(self) -> bool:
        return self.engine.state is SessionState.FINISHED
