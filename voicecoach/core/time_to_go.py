"""How long a session has to go if nobody says another word: a copy of its course run on to
its end on a virtual clock, the coach speaking at the user's rate. Pure: no I/O, no threads,
no clock.

In the introduction it is the whole session, the figure `voicecoach list` shows
(rehearsal.routine_seconds is this run from the start), so that the coach and the list say
the same minutes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .messages import Action
from .speaking_time import VirtualSpeaker

if TYPE_CHECKING:
    from .course import SessionCourse

MAX_EVENTS_TO_THE_END = 1_000_000  # a session left alone that needs more is a bug


def seconds_to_go(course: SessionCourse, now: float) -> float:
    """From `now` to the end of `course`'s session (a pause as if resumed now, a question as
    if answered with "carry on"); 0 when no session runs."""
    if not course.running:
        return 0.0
    probe = course.left_alone(now)
    speaker = VirtualSpeaker(course.words_per_minute, course.words_end(now))
    return _run_unheard(probe, now, speaker) - now


def _run_unheard(course: SessionCourse, now: float, speaker: VirtualSpeaker) -> float:
    """Run on from `now`, nobody saying a word, until the session ends: when it does. The
    clock jumps from the end of the coach's words to the next deadline, as a rehearsal's
    does."""
    for _ in range(MAX_EVENTS_TO_THE_END):
        due = [m for m in (speaker.silent_at, course.next_deadline()) if m is not None]
        if not course.running or not due:
            return now
        now = max(now, min(due))
        out: list[Action] = []
        course.catch_up(now, out)
        if speaker.silent_at is not None and speaker.silent_at <= now:
            speaker.silent_at = None
            course.speech_finished(now, out)
            course.catch_up(now, out)
        for action in out:
            speaker.hear(action, now)
    raise RuntimeError(f"a session left alone did not end by {now}s")  # a bug, not input
