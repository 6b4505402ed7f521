"""What the coach remembers between sessions: it writes what happens to the history, records an
accepted safety brief in the settings, and tells the engine what to say before the next start.

A failing history or settings file must never cost the user their session, nor hold up its
answers: every write goes to a `HistoryWriter`, a thread of its own, and a write that fails is
reported once while the session goes on. What to say before a start is decided in memory: the
pain reports read once at start-up, and those of this sitting.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from ..core.messages import (
    Action,
    Adjusted,
    FaultNoted,
    PainReported,
    SafetyBriefAnswered,
    SessionFinished,
    SessionStarted,
    StepCompleted,
    StepSkipped,
)
from ..core.precautions import (
    PAIN_WINDOW_S,
    PastPain,
    PastSession,
    Precautions,
    persistent_pain,
    sessions_so_far,
)
from ..history.journal import Record
from ..history.records import NOT_A_PERSON, SessionSource
from ..history.store import INTERRUPTED, HistoryStore
from ..settings import Settings, record_safety_brief_accepted
from .history_writer import Fact, HistoryWriter, history_fact

STARTUP_READ_S = 1.0  # how long the first start waits for past pain reports
# Sources whose "yes" to the safety brief is kept for the sessions to come: a person who has
# just heard the warnings. Anything else (a recording) accepts it for its own sitting only, or
# the next live session would skip warnings nobody heard.
A_PERSON_LISTENING = (SessionSource.MICROPHONE, SessionSource.KEYBOARD)
RECORDED_CONSENT = ('a recording\'s "yes" to the safety brief holds for this recording only: '
                    "the brief is read again at your next live session")
KEPT_ALWAYS = ("session start", "pain report", "session end")


class Recorder(Protocol):
    """The session runners' view of it (tests use a fake)."""

    def precautions(self) -> Precautions: ...

    def record(self, action: Action) -> bool:
        """Write what `action` says happened; True when the precautions may have changed."""

    def close(self, reason: str = INTERRUPTED) -> None:
        """The process is ending: a session under way ends as `reason`."""


class SessionRecorder:
    def __init__(
        self,
        history: HistoryStore | Callable[[], HistoryStore | None] | None,
        settings: Settings,
        settings_path: Path | None,  # None: keep the brief's answer in memory only (the demo)
        note: Callable[[str], None],
        wall_clock: Callable[[], float] = time.time,
        *,
        source: SessionSource = SessionSource.MICROPHONE,
        writes: bool = True,
        writer: Callable[..., HistoryWriter] = HistoryWriter,
        journal: Path | None = None,
    ) -> None:
        """`history`: the store, or how to open it (on the writer's thread), or None.
        `source`: where this sitting's audio comes from. `writes` False (`--no-history`): read
        the past pain reports, but write nothing to the history. `journal`: where to keep what
        could not be written by the end, for the next time (history/journal.py)."""
        self._settings = settings
        self._settings_path = settings_path
        self._note = note
        self._wall_clock = wall_clock
        self._source = source
        self._writes = writes and history is not None
        self._token = 0  # this sitting's sessions, numbered for the writer
        self._sitting = uuid.uuid4().hex  # with the number, a session's key in the journal
        self._session: int | None = None
        self._closed = False
        # This sitting's pain, in memory: the writer may be far behind the user.
        self._sitting_pain: list[PastPain] = []
        self._past_pain: list[PastPain] | None = None
        # The person's sessions, for the line of progress at the end of one: those the history
        # held at the start, and this sitting's, finished. None: not read (yet).
        self._past_sessions: list[PastSession] | None = None
        self._sitting_sessions: list[PastSession] = []
        self._under_way: PastSession | None = None
        self._waited_for_past = False
        self._started = False
        opener = history if callable(history) or history is None else (lambda: history)
        since = datetime.fromtimestamp(wall_clock() - PAIN_WINDOW_S, UTC)
        self._writer = writer(opener or (lambda: None), note, past_pain_since=since,
                              close_store=callable(history), journal=journal)

    def start(self) -> None:
        """Start the history's writer: it opens the store and reads the past pain reports."""
        self._writer.start()
        self._started = True

    def precautions(self) -> Precautions:
        if not self._started:  # else the past pain would go unread, and its warning unsaid
            raise RuntimeError("the recorder is asked for precautions before start()")
        now = self._wall_clock()
        self._take_past_pain(STARTUP_READ_S if not self._waited_for_past else 0.0)
        self._waited_for_past = True
        pattern = persistent_pain([*(self._past_pain or ()), *self._sitting_pain], now)
        known = self._past_sessions is not None and self._source not in NOT_A_PERSON
        so_far = sessions_so_far([*(self._past_sessions or ()), *self._sitting_sessions],
                                 now) if known else None
        return Precautions(safety_brief=self._settings.safety_brief_due,
                           persistent_pain=pattern, so_far=so_far)

    def _take_past_pain(self, timeout: float) -> bool:
        """True when the start-up read has just arrived."""
        if self._past_pain is not None:
            return False
        read = self._writer.past_pain(timeout)
        if read is None:
            return False
        self._past_pain = [PastPain(r.session_id, r.at.timestamp(), r.areas) for r in read]
        sessions = self._writer.past_sessions()
        if sessions is not None:
            self._past_sessions = [PastSession(r.started_at.timestamp(), bool(r.pain))
                                   for r in sessions]
        return True

    def record(self, action: Action) -> bool:
        """Hands the fact to the writer (never waits on the disk); True when the precautions
        may have changed."""
        at = datetime.fromtimestamp(self._wall_clock(), UTC)
        arrived = self._waited_for_past and self._take_past_pain(0.0)
        if isinstance(action, SafetyBriefAnswered):
            if action.accepted:
                self._remember_brief(at)
            return True
        if isinstance(action, PainReported) and self._source not in NOT_A_PERSON:
            # Negative: this sitting's sessions are not yet numbered by the history.
            self._sitting_pain.append(PastPain(-self._token, at.timestamp(), action.areas))
        if isinstance(action, PainReported) and self._under_way is not None:
            self._under_way = PastSession(self._under_way.at, pain=True)
        if isinstance(action, SessionStarted):
            self._token += 1
            self._session = self._token
            self._under_way = PastSession(at.timestamp(), pain=False)
        fact = self._fact(action, at)
        if fact is not None and self._writes:
            self._writer.submit(fact)
        if isinstance(action, SessionFinished):
            self._session = None
            if self._under_way is not None:
                self._sitting_sessions.append(self._under_way)
            self._under_way = None
            return True
        # Fresh at each start: "in seven days" counts back from now, not from the last end.
        return arrived or isinstance(action, SessionStarted)

    def _fact(self, action: Action, at: datetime) -> Fact | None:
        """The history's fact for `action`, as data (history/journal.py), if it is one."""
        session = self._key(self._session)
        fact: tuple[str, Record] | None = None
        match action:
            case SessionStarted(routine, title, steps_total, pace):
                fact = "session start", {"fact": "start", "routine": routine, "title": title,
                                         "steps_total": steps_total, "pace": pace,
                                         "source": str(self._source)}
            case StepCompleted(index, title) if session is not None:
                fact = "finished step", {"fact": "step finished", "index": index,
                                         "title": title}
            case StepSkipped(index, title) if session is not None:
                fact = "skipped step", {"fact": "step skipped", "index": index, "title": title}
            case Adjusted(change, pace, offset) if session is not None:
                fact = "change", {"fact": "change", "change": change, "pace": pace,
                                  "pressure_offset": offset}
            case PainReported() if session is not None:
                fact = "pain report", {"fact": "pain", "step_index": action.step_index,
                                       "step_title": action.step_title, "side": action.side,
                                       "pressure": action.pressure,
                                       "areas": list(action.areas)}
            case FaultNoted(device, detail, recovered):
                kind, words = ("recovered", f"{device} back") if recovered else (
                    "fault", f"{device}: {detail}")
                fact = "device note", {"fact": "note", "kind": kind, "detail": words}
            case SessionFinished(summary) if session is not None:
                fact = "session end", {"fact": "end", "reason": summary.reason.value,
                                       "steps_completed": summary.steps_completed,
                                       "pace": summary.pace,
                                       "pressure_offset": summary.pressure_offset,
                                       "steps_skipped": summary.steps_skipped}
        if fact is None:
            return None
        what, record = fact
        # The session's start, its end and pain reports are never left out for room.
        return history_fact(what, {**record, "session": session, "at": at.isoformat()},
                            keep=what in KEPT_ALWAYS)

    def _key(self, token: int | None) -> str | None:
        """The session's name in its records: unique beyond this process, for the journal."""
        return None if token is None else f"{self._sitting}-{token}"

    def _remember_brief(self, at: datetime) -> None:
        # In memory at once, so it holds for this sitting even if the file cannot be written.
        self._settings = self._settings.model_copy(update={"safety_brief_accepted": at})
        path = self._settings_path
        if path is None:
            return
        if self._source not in A_PERSON_LISTENING:
            self._note(RECORDED_CONSENT)
            self._settings_path = None  # said once; nothing of this sitting is kept
            return
        self._writer.submit(Fact("safety brief answer",
                                 lambda w: record_safety_brief_accepted(at, path),
                                 keep=True, needs_store=False))

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything recorded so far is written (tests); True if it was."""
        return self._writer.flush(timeout)

    def close(self, reason: str = INTERRUPTED) -> None:
        """The process is ending (Ctrl-C, SIGTERM, end of input), perhaps with a session under
        way: it ends as `reason` (a recording that ran out: "unfinished"), and what is pending
        is written (a bounded wait) or named. Safe to call twice, and from a signal handler."""
        if self._closed:
            return
        self._closed = True
        session = self._key(self._session)
        if self._writes and session is not None:
            at = datetime.fromtimestamp(self._wall_clock(), UTC)
            self._writer.submit(history_fact("session end", {
                "fact": "end unfinished", "reason": reason, "session": session,
                "at": at.isoformat()}, keep=True))
        self._session = None
        self._writer.close()

