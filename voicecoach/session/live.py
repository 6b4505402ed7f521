"""The live session: real clock, real microphone (or keyboard: keyboard_input.py), real
loudspeaker.

One thread per blocking part, each with a stop event and a clean end:

    microphone thread ── Heard ──┐
    keyboard thread ──── Heard ──┼──► inbox ──► main loop: engine.handle(event, clock())
    speaker (output thread) ─ SpeechFinished ┘                │
                                  ▲                           ▼
    synthesis thread ◄── lines ───┴──────────── Say / StopSpeaking / ChangeVoice

The main loop waits on the inbox no longer than the engine's next deadline, so timing is exact
without polling; a signal puts QUIT in the inbox and everything is joined within a second.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..audio.signal_check import SignalMonitor
from ..audio.source import SAMPLE_RATE, AudioError, AudioSource, Samples
from ..core.engine import SessionEngine
from ..core.intents import Command
from ..core.messages import (
    Action,
    ChangeVoice,
    Device,
    DeviceFailed,
    DeviceRecovered,
    Event,
    FaultNoted,
    Heard,
    Say,
    SessionFinished,
    SessionSummary,
    SpeechFinished,
    StopSpeaking,
    Tick,
)
from ..core.vocabulary import Vocabulary
from ..hearing.listener import CommandListener
from ..speaking.playback import Playback, Rendered
from .loop import SessionLoop
from .stream import Guard
from .supervision import Backoff, Outage
from .transcript import Entry, heard_line, state_lines

if TYPE_CHECKING:
    from .recorder import Recorder

QUIT = object()  # put in the inbox to end the session
MAX_WAIT_S = 0.25  # the display refreshes at least this often
JOIN_S = 0.8  # every thread is gone within a second of the end
VOICE_RETRY_DELAYS_S = (30.0, 60.0, 120.0, 300.0)
RESYNC_S = 0.5  # the microphone's timeline and the clock may part by this much before a resync
PROBE, PROBE_TEXT = 0, "Okay."  # a line made, not played, to see whether the voice is back


class Speaking:
    """Say actions → a synthesis thread → the playback queue; the output thread plays it.

    Without a voice or a loudspeaker, lines are printed and count as said at once. Lines said
    before `start()` wait for it; `close()` joins the thread (also when never started)."""

    def __init__(self, voice: Any, playback: Playback, post: Callable[[object], None],
                 note: Callable[[Entry], None], clock: Callable[[], float],
                 guard: Guard | None = None, voice_backoff: Backoff | None = None) -> None:
        self.voice = voice
        self.guard = guard
        self.playback = playback
        self._post = post
        self._note = note
        self._clock = clock
        self._lines: queue.Queue[tuple[int, str] | None] = queue.Queue()
        self._requested = 0
        self._done = 0
        self._lock = threading.Lock()
        self.loudspeaker_down = False  # set by the loudspeaker's supervisor
        self._voice = Outage(
            lambda reason: self._post(DeviceFailed(Device.SPEECH_ENGINE, reason)),
            lambda: self._post(DeviceRecovered(Device.SPEECH_ENGINE)),
            voice_backoff or Backoff(VOICE_RETRY_DELAYS_S))
        self._probing = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._synthesize, name="synthesis", daemon=True)
        self._thread.start()

    @property
    def idle(self) -> bool:
        with self._lock:
            return self._done >= self._requested and not self.playback.busy

    def say(self, text: str, interrupt: bool) -> None:
        if interrupt:
            self.stop()
        with self._lock:
            self._requested += 1
            number = self._requested
        self._lines.put((number, text))

    def stop(self) -> None:
        # Cut what is playing now, from this thread: the output writes 20 ms blocks, so the
        # coach falls silent within a block or two of the decision.
        if self.playback.interrupt() and self.guard is not None:
            self.guard.stopped(self._clock())
        with self._lock:
            self._done = self._requested

    def change(self, change: str) -> None:
        if self.voice is not None:
            self.voice.change(change)

    def act(self, action: Action, at: float) -> None:
        """A session loop's sink: the engine's lines, its "stop speaking" and voice changes."""
        match action:
            case Say(text, interrupt):
                self.say(text, interrupt)
            case StopSpeaking():
                self.stop()
            case ChangeVoice(change):
                self.change(change)

    def played(self, rendered: Rendered) -> None:
        """Called by the output thread after each block."""
        for _, text in rendered.started:
            self._note(Entry(self._clock(), "coach", text))
        if rendered.finished:
            with self._lock:
                self._done = max(self._done, max(rendered.finished))
        if rendered.now_idle and self.idle:
            self._post(SpeechFinished())

    def check(self) -> None:
        """From the main loop: while the voice is down, try it again now and then, even when
        nothing is being said (a paused session waits for it to carry on)."""
        if self._voice.down and not self._probing and self._voice.backoff.due:
            self._probing = True
            self._lines.put((PROBE, PROBE_TEXT))

    def _probe(self) -> None:
        try:
            self.voice.audio_for(PROBE_TEXT)
        except Exception as exc:
            self._voice_failed(f"{exc}")
        else:
            self._voice.succeeded()
        finally:
            self._probing = False

    def _synthesize(self) -> None:
        while (item := self._lines.get()) is not None:
            number, text = item
            if number == PROBE:
                self._probe()
                continue
            with self._lock:
                cut = number <= self._done  # interrupted before it was even made
            if cut:
                continue
            retry = self._voice.down and self._voice.backoff.due  # try the voice for this line
            if self.printing and not (retry and not self.loudspeaker_down):
                self._print(number, text)
                continue
            try:
                audio = self.voice.audio_for(text)
            except Exception as exc:  # AudioError, a timeout, or pyttsx3 failing its own way
                self._voice_failed(f"{exc}")
                self._print(number, text)
                continue
            self._voice.succeeded()
            self.playback.enqueue(number, text, audio)

    def _print(self, number: int, text: str) -> None:
        """The line counts as said once printed."""
        self._note(Entry(self._clock(), "coach", text))
        with self._lock:
            self._done = max(self._done, number)
        if self.idle:
            self._post(SpeechFinished())

    @property
    def printing(self) -> bool:
        """No voice, no loudspeaker, or a voice that failed: the lines are printed."""
        return self.voice is None or self.loudspeaker_down or self._voice.down

    def _voice_failed(self, reason: str) -> None:
        """The speech engine failed or hung (its own timeout): print, say so once, and try it
        again for a line later, with growing pauses (a dead engine costs one late line)."""
        self._voice.failed(reason)

    def close(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._lines.put(None)
            thread.join(timeout=JOIN_S)


class MicrophoneInput:
    """Reads the microphone, cleans it of the coach's voice, and posts what it understood, on
    a thread of its own from `start()` until `close()`, which closes the source too."""

    def __init__(self, source: AudioSource, listener: CommandListener, guard: Guard | None,
                 post: Callable[[object], None], note: Callable[[Entry], None],
                 clock: Callable[[], float],
                 rebuild_listener: Callable[[], CommandListener] | None = None,
                 backoff: Backoff | None = None) -> None:
        """`rebuild_listener`: when the recogniser fails, report it and build a new one
        (later, with growing pauses) instead of ending the session."""
        self._source, self._listener, self._guard = source, listener, guard
        self._post, self._note, self._clock = post, note, clock
        self._rebuild = rebuild_listener
        self._recogniser = Outage(
            lambda reason: self._post(DeviceFailed(Device.RECOGNISER, reason)),
            lambda: self._post(DeviceRecovered(Device.RECOGNISER)), backoff)
        self._signal = SignalMonitor()
        # What the engine listens for, set from the main loop and applied here, on the thread
        # that owns the listener (its recogniser must not switch in the middle of a chunk).
        self._wanted: Vocabulary | None = None
        self._anchor: float | None = None  # session time of the current stream's first sample
        self._samples = 0  # samples read since then
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="microphone", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                chunk = self._source.read(timeout=0.1)
                if chunk is None:
                    break
                if len(chunk) == 0:
                    continue
                self._hear(chunk)
        except AudioError as exc:
            self._note(Entry(self._clock(), "note", str(exc)))
        self._post(QUIT)

    def _hear(self, chunk: Samples) -> None:
        match self._signal.update(chunk):
            case "failed":
                self._post(DeviceFailed(Device.MICROPHONE, self._signal.problem or ""))
            case "recovered":
                self._post(DeviceRecovered(Device.MICROPHONE))
        start = self._chunk_start(len(chunk))
        if self._guard is not None:
            chunk = self._guard.clean(chunk, start)
        if self._recogniser.down and not self._try_rebuild():
            return  # nobody to understand it: the audio is dropped until the recogniser is back
        try:
            self._listener.listen_for(self._wanted)
            decisions = self._listener.feed(chunk)
        except Exception as exc:  # recognisers fail inside C code in many ways
            if self._rebuild is None:
                raise
            self._recogniser_failed(f"{type(exc).__name__}: {exc}")
            return
        for decision in decisions:
            line = heard_line(decision, self._clock(), self._wanted,
                              self._listener.grammar.wake_word,
                              accepted=self._guard is None or self._guard.accepts(decision))
            self._note(line.entry)
            if line.command is not None:
                self._post(Heard(line.command, certain=decision.certain))

    def listen_for(self, vocabulary: Vocabulary) -> None:
        self._wanted = vocabulary

    def _chunk_start(self, count: int) -> float:
        """When this chunk began, counted in samples from the stream's start: the echo guard
        needs a gapless timeline, and the clock read as chunks arrive jitters by milliseconds
        (each jitter looked to it like a new stream, and mangled what it passed on). A gap
        longer than RESYNC_S (a device reopened, a stall) starts a new timeline."""
        by_clock = self._clock() - count / SAMPLE_RATE
        by_count = None if self._anchor is None else self._anchor + self._samples / SAMPLE_RATE
        if by_count is None or abs(by_count - by_clock) > RESYNC_S:
            self._anchor, self._samples = by_clock, 0
        assert self._anchor is not None
        start = self._anchor + self._samples / SAMPLE_RATE
        self._samples += count
        return start

    def _recogniser_failed(self, reason: str) -> None:
        self._recogniser.failed(reason)

    def _try_rebuild(self) -> bool:
        if self._rebuild is None or not self._recogniser.backoff.due:
            return False
        try:
            self._listener = self._rebuild()
        except Exception as exc:
            self._recogniser_failed(f"{type(exc).__name__}: {exc}")
            return False
        self._recogniser.succeeded()
        return True

    def close(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=JOIN_S)
        self._source.close()


@dataclass
class LiveSession:
    engine: SessionEngine
    speaking: Speaking
    inbox: queue.Queue[object]
    clock: Callable[[], float]
    note: Callable[[Entry], None]
    # Told the engine's snapshot, whether the coach is talking, and whether it only prints.
    show: Callable[[Any, bool, bool], None] = lambda snapshot, speaking, printing: None
    summaries: list[SessionSummary] = field(default_factory=list)
    recorder: Recorder | None = None  # the history, and what to say before a start
    supervise: Callable[[], None] = lambda: None  # checks on devices, every turn of the loop
    # Told what the engine listens for after each event (the microphone's listener narrows).
    listen_for: Callable[[Vocabulary], None] = lambda vocabulary: None
    # Told why a device failed and what fixes it, and when it is back: the coach's spoken line
    # ("I can't hear you") has no room for a cause, and the terminal and the service's log do.
    warn: Callable[[str], None] = lambda message: None

    def run(self, start: Command | None = None) -> None:
        """Until QUIT arrives (Ctrl-C, SIGTERM, the input ended)."""
        loop = SessionLoop(self.engine, self.clock,
                           [self.speaking.act, state_lines(self.note), self._follow_sessions],
                           recorder=self.recorder, listen_for=self.listen_for)
        if self.recorder is not None:
            loop.dispatch(self.recorder.precautions())
        if start is not None:
            loop.dispatch(Heard(start))
        loop.run(self._events())

    def _events(self) -> Iterator[Event]:
        """What the inbox brings, or a Tick when the engine's next deadline comes first. After
        each (once the loop has handled it), the devices are checked and the view redrawn."""
        while True:
            due = self.engine.next_deadline()
            wait = MAX_WAIT_S if due is None else min(MAX_WAIT_S, max(0.0, due - self.clock()))
            try:
                item = self.inbox.get(timeout=wait)
            except queue.Empty:
                item = Tick()
            if item is QUIT:
                return
            if isinstance(item, SpeechFinished) and not self.speaking.idle:
                continue  # stale: something new was said since
            if isinstance(item, (Heard, Tick, SpeechFinished, DeviceFailed, DeviceRecovered)):
                yield item
            self.supervise()
            self.show(self.engine.snapshot(self.clock()), not self.speaking.idle,
                      self.speaking.printing)

    def _follow_sessions(self, action: Action, at: float) -> None:
        match action:
            case SessionFinished(summary):
                self.summaries.append(summary)
            case FaultNoted(device, detail, recovered):
                self.warn(f"the {device} is back" if recovered
                          else f"the {device} isn't working: {detail or 'no cause given'}")
