"""A whole session on stream time: input audio in, the coach's voice out, no waiting.

Every 50 ms block of input advances the clock by 50 ms: the coach's queued speech is rendered
for that block (and, in a simulated room, leaks back into the microphone), the echo guard cleans
the input, the listener hears it, and the engine gets its events at the stream time they
happened. Nothing sleeps, so `voicecoach demo` and `voicecoach run --input` go as fast as the CPU.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
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
    StopSpeaking,
    Tick,
)
from ..core.speaking_time import USUAL_WORDS_PER_MINUTE, seconds_to_say
from ..hearing.listener import CommandListener, Decision
from ..speaking.playback import Playback
from .loop import SessionLoop
from .transcript import Entry, heard_line, state_lines

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
    _moment: float = field(default=0.0, init=False)  # the stream time of the event in hand
    _loop: SessionLoop = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._loop = SessionLoop(
            self.engine, self._stream_time,
            [self._speak, state_lines(self._note), self._follow_sessions],
            recorder=self.recorder, listen_for=self.listener.listen_for)
        self.listener.listen_for(self.engine.vocabulary)
        if self.recorder is not None:
            self._dispatch(self.recorder.precautions(), self.now)

    def start(self, command: Command) -> None:
        self._dispatch(Heard(command), self.now)

    def say(self, text: str) -> None:
        """A line of the coach's own, not the engine's (the greeting), queued as the engine's
        are: it takes the time to say it, and what the engine says next waits for it."""
        self._moment = self.now  # precautions the history changes meanwhile are handed over now
        self._loop.act(Say(text, interrupt=False), self.now)

    def stop(self, why: str) -> None:
        """End `run` after the block in hand (safe to call from a signal handler: it only sets
        a flag, which the loop reads between blocks of 50 ms)."""
        self.stopped_by = why

    def run(self, source: AudioSource, max_seconds: float | None = None) -> None:
        """Until the input ends and the coach has finished its sentence (or `max_seconds`, or
        `stop()`)."""
        self._loop.run(self._events(source, max_seconds))
        if self.clock is not None:  # what is written after the run (its end) is at its end
            self.clock.seconds = self.now

    # --- the stream's events, block by block of stream time -------------------------------------
    # Each generator moves `_moment` to an event's stream time before handing the event over; it
    # resumes once the loop has handled it, so the next block sees what the event changed.

    def _events(self, source: AudioSource, max_seconds: float | None) -> Iterator[Event]:
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
                yield from self._block(chunk[start : start + BLOCK])
        yield from self._ticks_until(self.now)

    def _block(self, heard: Samples) -> Iterator[Event]:
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
            yield from self._hear(decision)
        if rendered.now_idle and not self.playback.busy:  # not if a new line came meanwhile
            self._moment = self.now
            yield SpeechFinished()
        yield from self._ticks_until(self.now)

    def _hear(self, decision: Decision) -> Iterator[Event]:
        line = heard_line(decision, self.now, self.engine.vocabulary,
                          self.listener.grammar.wake_word,
                          accepted=self.guard is None or self.guard.accepts(decision),
                          with_confidence=True, refusal_named=True)
        self._note(line.entry)
        if line.command is not None:
            self.commands_heard += 1
            self._moment = self.now
            yield Heard(line.command, certain=decision.certain)

    def _ticks_until(self, moment: float) -> Iterator[Event]:
        while (due := self.engine.next_deadline()) is not None and due <= moment:
            self._moment = due
            yield Tick()

    # --- time and actions -----------------------------------------------------------------------

    def _dispatch(self, event: Event, at: float) -> None:
        self._moment = at
        self._loop.dispatch(event)

    def _stream_time(self) -> float:
        """The loop's clock. The history's clock is moved with it as the engine is told the
        time, so that what the engine's actions write is dated by the recording."""
        if self.clock is not None:
            self.clock.seconds = self._moment
        return self._moment

    def _speak(self, action: Action, at: float) -> None:
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

    def _follow_sessions(self, action: Action, at: float) -> None:
        match action:
            case SessionStarted(routine):
                self.under_way = (routine, at)
            case SessionFinished(summary):
                self.summaries.append(summary)
                self.under_way = None

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
