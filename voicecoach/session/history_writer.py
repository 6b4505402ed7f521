"""The history's writer: one thread that owns the history file, so that a slow, locked or full
disk never holds up the loop that answers the user.

    loop ──submit(fact)──► pending (bounded) ──► writer thread ──► HistoryStore (SQLite)
                                                   │ locked / full / I/O error
                                                   └─ said once, the fact kept, tried again

Facts are written in the order they happened, each with the time it happened (stamped by the
caller), however late. When too many wait (a lock held for hours), the oldest facts that can be
spared (steps, adjustments, device notes) make room; a session's start and end, pain reports and
the safety brief's answer are always kept. `close()` waits a bounded time for what is pending;
what still could not be written goes to the journal beside the history (history/journal.py),
merged into it the next time it is opened here, and the end says so.
"""

from __future__ import annotations

import errno
import sqlite3
import threading
from collections import Counter, deque
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..history.journal import Journal, Record, SessionLost, apply
from ..history.records import NOT_A_PERSON, PainRecord, SessionRecord
from ..history.store import HistoryError, HistoryStore, UnknownSession
from ..settings import SettingsError

CAPACITY = 1000  # facts waiting; a session writes a few dozen
DRAIN_S = 3.0  # at the end, how long to wait for a disk to come back
JOIN_S = 10.0  # then for the write under way (a slow disk) to return
RETRY_S = (0.1, 0.2, 0.5, 1.0)  # then every second
WRITER_BUSY_TIMEOUT = 0.25  # short waits on another program's lock, so close() is not held up
TRANSIENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EAGAIN, errno.EBUSY,
                    errno.EINTR, errno.ETIMEDOUT}


@dataclass(frozen=True)
class Fact:
    """One thing to write. `write` gets the writer (its store and session ids)."""

    what: str  # in the user's words, for "could not be written": "pain report"
    write: Callable[[HistoryWriter], None]
    keep: bool = False  # never left out when the queue is full
    needs_store: bool = True  # False: the settings file
    # The fact as data (history/journal.py), for the journal when it cannot be written.
    record: Record | None = None


def history_fact(what: str, record: Record, *, keep: bool = False) -> Fact:
    """A fact for the history, written by `apply`: the same now or, from the journal, later."""
    return Fact(what, lambda writer: writer.apply(record), keep=keep, record=record)


def _transient(exc: BaseException) -> bool:
    """Worth trying again: the lock may be released, the disk freed, the device back."""
    if isinstance(exc, HistoryError):
        return exc.transient
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        return any(word in text for word in ("locked", "busy", "full", "disk i/o"))
    if isinstance(exc, OSError):
        return exc.errno in TRANSIENT_ERRNOS
    return False


def _cause(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        name = f"{exc.filename}: " if exc.filename else ""
        return f"{name}{exc.strerror}"
    return str(exc)


class HistoryWriter:
    """Facts may be submitted as soon as it is built; `start()` starts the thread that opens
    the store and writes them; `close()` ends it (also when never started: then nothing waits
    for a writer, and what was submitted goes to the journal)."""

    def __init__(self, open_store: Callable[[], HistoryStore | None],
                 note: Callable[[str], None], *, past_pain_since: datetime | None = None,
                 capacity: int = CAPACITY, retry_seconds: tuple[float, ...] = RETRY_S,
                 drain_seconds: float = DRAIN_S, close_store: bool = True,
                 journal: Path | None = None) -> None:
        """`open_store` runs on the writer's thread (opening may migrate, which needs the
        lock); it returns None when there is no history to use. `past_pain_since`: read the
        people's pain reports since then once the store is open (see `past_pain`).
        `close_store` False: the caller owns the store and closes it. `journal`: where to keep
        what cannot be written by the end (None: it is only named), merged in once open."""
        self._close_store = close_store
        self._journal = Journal(journal) if journal is not None else None
        self._open_store = open_store
        self._note = note
        self._capacity = capacity
        self._retry = retry_seconds
        self._drain_seconds = drain_seconds
        self._pain_since = past_pain_since
        self._pending: deque[Fact] = deque()
        # Re-entrant: close() may be reached from a signal handler on the thread that submits.
        self._changed = threading.Condition(threading.RLock())
        self._stopping = False
        self._closed = False
        self._said: set[str] = set()
        self._trouble: str | None = None  # why facts wait, while they do
        self._dropped: Counter[str] = Counter()
        self._past_pain: list[PainRecord] | None = None
        self._past_sessions: list[SessionRecord] | None = None
        self._past_pain_read = threading.Event()
        self.store: HistoryStore | None = None
        self._sessions: dict[str, int] = {}  # a record's session key -> the history's id
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="history-writer", daemon=True)
        self._thread.start()

    # --- the loop's side: never waits on the disk ----------------------------------------------

    def submit(self, fact: Fact) -> None:
        with self._changed:
            if self._closed:
                return
            if len(self._pending) >= self._capacity and not self._make_room():
                pass  # only facts that must be kept wait: they are few (one per user act)
            self._pending.append(fact)
            self._changed.notify_all()

    def _make_room(self) -> bool:
        # The first fact may be the one being written: leave it.
        for index in range(1, len(self._pending)):
            if not self._pending[index].keep:
                dropped = self._pending[index]
                del self._pending[index]
                self._dropped[dropped.what] += 1
                self._say_once("full", f"the history is far behind ({self._capacity} facts "
                               "waiting): some steps, changes and device notes are left out; "
                               "pain reports and each session's start and end are kept")
                return True
        return False

    def past_pain(self, timeout: float) -> list[PainRecord] | None:
        """The pain reports read at start-up, waiting at most `timeout` seconds; None if they
        are not read (yet)."""
        self._past_pain_read.wait(timeout)
        return self._past_pain

    def past_sessions(self) -> list[SessionRecord] | None:
        """A person's sessions started since `past_pain_since`, read with the pain reports
        (ask `past_pain` first); None if they are not read (yet)."""
        return self._past_sessions if self._past_pain_read.is_set() else None

    def flush(self, timeout: float) -> bool:
        """Wait until every submitted fact is written (tests, and the end); True if so."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._pending, timeout)

    def apply(self, record: Record) -> None:
        """Write `record` to the store (on the writer's thread)."""
        assert self.store is not None
        apply(self.store, record, self)

    def id_of(self, record: Record) -> int:
        """The history's id of the session `record` names."""
        if record["session"] not in self._sessions:
            raise SessionLost(record["session"])
        return self._sessions[record["session"]]

    def started(self, record: Record, session_id: int) -> None:
        self._sessions[record["session"]] = session_id

    def close(self) -> None:
        """Write what is pending (waiting at most `drain_seconds`), stop, and say what could
        not be written. Safe to call twice, and from a signal handler."""
        thread = self._thread
        with self._changed:
            if self._closed:
                return
            self._closed = True
            if thread is not None:
                self._changed.wait_for(lambda: not self._pending, self._drain_seconds)
            self._stopping = True
            self._changed.notify_all()
        if thread is not None and threading.current_thread() is not thread:
            thread.join(JOIN_S)
        writing = thread is not None and thread.is_alive()
        with self._changed:
            pending, why, self._pending = list(self._pending), self._trouble, deque()
        # Unless a disk hangs: the write under way may still land, and must not land twice.
        kept = {id(fact) for fact in (self._keep_in_journal(pending) if not writing else [])}
        left = Counter(fact.what for fact in pending if id(fact) not in kept) + self._dropped
        if left:
            self._note(f"not written to the history: {_listed(left)}" +
                       (f" ({why})" if why else ""))
        # Unless a disk hangs: then the write under way still holds the store.
        if self._close_store and self.store is not None and not writing:
            with suppress(HistoryError, sqlite3.Error):
                self.store.close()

    def _keep_in_journal(self, pending: list[Fact]) -> list[Fact]:
        """The facts of `pending` kept in the journal (none if it could not be written)."""
        kept = [fact for fact in pending if fact.record is not None]
        if self._journal is None or not kept:
            return []
        try:
            self._journal.append([self._for_journal(fact.record) for fact in kept
                                  if fact.record is not None])
        except OSError as exc:
            self._note(f"{self._journal.path}: cannot keep what was not written ({_cause(exc)})")
            return []
        # Why was said when the trouble began; now, that nothing is lost.
        self._note(f"the history could not be written by the end: "
                   f"{_listed(Counter(fact.what for fact in kept))} kept in "
                   f"{self._journal.path}, merged into it next time")
        return kept

    def _for_journal(self, record: Record) -> Record:
        """`record`, naming its session by the history's id as well once its start is in."""
        session = self._sessions.get(record["session"]) if record["session"] else None
        return {**record, "session_id": session} if session is not None else record

    # --- the writer's thread -------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._open()
            while (fact := self._next()) is not None:
                self._write(fact)
        finally:
            self._past_pain_read.set()

    def _open(self) -> None:
        attempt = 0
        while not self._stopping:
            try:
                self.store = self._open_store()
            except HistoryError as exc:
                if not exc.transient:
                    self._say_once("open", f"{exc} This session will not be recorded.")
                    break
                self._trouble = str(exc)
                self._say_once("open", f"{exc} Until then, what happens is kept and written "
                               "later.")
                self._pause(attempt)
                attempt += 1
                continue
            if self.store is not None:
                self._merge_journal(self.store)
            if self.store is not None and self._pain_since is not None:
                self._read_past_pain(self.store, self._pain_since)
            break
        self._past_pain_read.set()

    def _merge_journal(self, store: HistoryStore) -> None:
        """What an earlier session kept in the journal, into the history now (before the past
        pain is read: the journal may hold some)."""
        if self._journal is None or not self._journal.path.exists():
            return
        try:
            merged = self._journal.merge_into(store)
        except (HistoryError, sqlite3.Error, OSError) as exc:
            self._say_once("journal", f"{self._journal.path}: not merged into the history yet "
                           f"({_cause(exc)}); it is kept for next time")
            return
        if merged:
            self._note(f"{self._journal.path}: {merged} record{'s' if merged > 1 else ''} "
                       "kept by an earlier session are now in the history")

    def _read_past_pain(self, store: HistoryStore, since: datetime) -> None:
        try:
            self._past_pain = store.pain_reports(since=since, from_recordings=False)
            self._past_sessions = [record for record in store.sessions(since)
                                   if record.source not in NOT_A_PERSON]
        except (HistoryError, sqlite3.Error) as exc:
            self._say_once("history", f"past pain reports could not be read: {exc}")

    def _next(self) -> Fact | None:
        with self._changed:
            self._changed.wait_for(lambda: self._pending or self._stopping)
            if self._stopping or not self._pending:
                return None
            return self._pending[0]

    def _write(self, fact: Fact) -> None:
        attempt = 0
        while True:
            try:
                if fact.needs_store and self.store is None:
                    pass  # no history (it could not be opened): nothing to write to
                else:
                    fact.write(self)
            except SessionLost:
                pass  # its session's start was not written; that was said already
            except SettingsError as exc:
                self._say_once("settings", f"{exc} (the safety brief will be read again next "
                               "time)")
            except (HistoryError, sqlite3.Error, OSError, UnknownSession) as exc:
                if _transient(exc) and not self._stopping:
                    self._waiting(exc)
                    self._pause(attempt)
                    attempt += 1
                    continue
                if self._stopping:
                    return  # left pending: close() says it was not written
                self._say_once("history", f"the session history was not saved: {_cause(exc)}")
            self._done(fact)
            return

    def _waiting(self, exc: BaseException) -> None:
        cause = _cause(exc)
        self._trouble = cause
        self._say_once(f"waiting: {cause}", f"{cause} The session goes on; what happens is "
                       "kept and written to the history once it can be.")

    def _done(self, fact: Fact) -> None:
        with self._changed:
            if self._pending and self._pending[0] is fact:
                self._pending.popleft()
            if self._trouble is not None and not self._pending:
                self._trouble = None
                self._say_once("written again",
                               "the history is written again: nothing that waited was lost")
            self._changed.notify_all()

    def _pause(self, attempt: int) -> None:
        delay = self._retry[min(attempt, len(self._retry) - 1)]
        with self._changed:
            self._changed.wait_for(lambda: self._stopping, delay)

    def _say_once(self, topic: str, message: str) -> None:
        if topic not in self._said:  # a broken disk must not flood the terminal
            self._said.add(topic)
            self._note(message)


def _listed(counts: Counter[str]) -> str:
    return ", ".join(f"{n} {what}{'s' if n > 1 else ''}" for what, n in counts.items())
