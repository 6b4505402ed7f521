"""What the coach remembers between sessions: it writes what happens to the history, records an
accepted safety brief in the settings, and tells the engine what to say before the next start.

A failing history or settings file must never cost the user their session: a write that fails
is reported once, and the session goes on.
"""

from __future__ import annotations

import sqlite3
import time
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
)
from ..core.precautions import PAIN_WINDOW_SECONDS, PastPain, Precautions, persistent_pain
from ..history.store import HistoryError, HistoryStore
from ..settings import Settings, SettingsError, record_safety_brief_accepted


class Recorder(Protocol):
    """The session runners' view of it (tests use a fake)."""

    def precautions(self) -> Precautions: ...

    def record(self, action: Action) -> bool:
        """Write what `action` says happened; True when the precautions may have changed."""

    def close(self) -> None: ...


class SessionRecorder:
    def __init__(
        self,
        history: HistoryStore | None,
        settings: Settings,
        settings_path: Path | None,  # None: keep the brief's answer in memory only (the demo)
        note: Callable[[str], None],
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._history = history
        self._settings = settings
        self._settings_path = settings_path
        self._note = note
        self._wall_clock = wall_clock
        self._session: int | None = None
        self._complaints: set[str] = set()

    def precautions(self) -> Precautions:
        now = self._wall_clock()
        pattern = None
        if self._history is not None:
            try:
                since = datetime.fromtimestamp(now - PAIN_WINDOW_SECONDS, UTC)
                past = [PastPain(r.session_id, r.at.timestamp(), r.areas)
                        for r in self._history.pain_reports(since=since)]
                pattern = persistent_pain(past, now)
            except (HistoryError, sqlite3.Error) as exc:
                self._complain("history", f"past pain reports could not be read: {exc}")
        return Precautions(safety_brief=self._settings.safety_brief_due,
                           persistent_pain=pattern)

    def record(self, action: Action) -> bool:
        at = datetime.fromtimestamp(self._wall_clock(), UTC)
        if isinstance(action, SafetyBriefAnswered):
            if action.accepted:
                self._remember_brief(at)
            return True
        try:
            return self._write(action, at)
        except (HistoryError, sqlite3.Error, OSError) as exc:
            self._complain("history", f"the session history was not saved: {exc}")
            return isinstance(action, SessionFinished)

    def _write(self, action: Action, at: datetime) -> bool:
        history, session = self._history, self._session
        if history is None:
            return isinstance(action, SessionFinished)
        match action:
            case SessionStarted(routine, title, steps_total, pace):
                self._session = history.begin_session(routine, title, steps_total, pace, at)
            case StepCompleted(index, title) if session is not None:
                history.record_step_completed(session, index, title, at)
            case Adjusted(change, pace, offset) if session is not None:
                history.record_adjustment(session, change, pace, offset, at)
            case PainReported() if session is not None:
                history.record_pain(session, action.step_index, action.step_title, action.side,
                                    action.pressure, action.areas, at)
            case FaultNoted(device, detail, recovered):
                kind, words = ("recovered", f"{device} back") if recovered else (
                    "fault", f"{device}: {detail}")
                history.record_note(session, kind, words, at)
            case SessionFinished(summary) if session is not None:
                self._session = None
                history.finish_session(session, summary.reason.value, summary.steps_completed,
                                       summary.pace, summary.pressure_offset, at)
                return True
        return False

    def _remember_brief(self, at: datetime) -> None:
        # In memory at once, so it holds for this sitting even if the file cannot be written.
        self._settings = self._settings.model_copy(update={"safety_brief_accepted": at})
        if self._settings_path is None:
            return
        try:
            record_safety_brief_accepted(at, self._settings_path)
        except SettingsError as exc:
            self._complain("settings", f"{exc} (the safety brief will be read again next time)")

    def _complain(self, topic: str, message: str) -> None:
        if topic not in self._complaints:  # once: a broken disk must not flood the terminal
            self._complaints.add(topic)
            self._note(message)

    def close(self) -> None:
        """The process is ending (Ctrl-C, SIGTERM, end of input) with a session under way."""
        if self._history is not None and self._session is not None:
            at = datetime.fromtimestamp(self._wall_clock(), UTC)
            try:
                self._history.mark_unfinished_as_interrupted(self._session, at)
            except (HistoryError, sqlite3.Error) as exc:
                self._complain("history", f"the session's end was not saved: {exc}")
            self._session = None
