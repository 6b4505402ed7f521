"""Spoken sessions: a scripted user speaks a whole glutes session, and the coach hears it as it
hears a recording (`voicecoach run --input`): the stream runner, the coach's hearing by state
(detector and verifier, no voice profile), the engine. The coach speaks in its own voice, which
leaks back into the microphone as in a room, through the echo guard as in a live session.

Every voice speaks in every room (quiet, and 15 and 10 dB over recorded noise, the noise taken
in turn so that each noisy room hears each noise once over four voices), scored per session
(spoken_score.py) and pooled by room, by noise and overall.

JSON: `spoken_sessions.plan` and `spoken_sessions.backends.<backend>.{rooms.<room>, noises.<noise>,
overall}` (each: `Pooled.as_json`), `.sessions` (each: `SessionScore.as_json`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..audio.source import Samples
from ..core.intents import Intent
from ..hearing.backends import Backend
from ..hearing.echo_guard import EchoGuard
from ..hearing.listener import CommandListener
from ..library import Library
from ..session.stream import CoachVoice, EchoPath, StreamSession
from ..session.wiring import greeting, make_engine
from .idle_run import Progress
from .measure import COACH_ENGINE
from .spoken_room import (
    LONGEST_SESSION_S,
    ROOMS,
    Noise,
    Room,
    RoomSound,
    SpokenMicrophone,
    room_noises,
)
from .spoken_score import SessionScore, pooled, score
from .spoken_user import QUICK_SCRIPT, SCRIPT, Acted, CoachView, Line, ScriptedUser
from .spoken_voices import Voices, kokoro_users, make_voices

# The coach's loudspeaker to the microphone, as `voicecoach demo` hears it: a metre or so away.
ECHO_DELAY_S, ECHO_GAIN_DB = 0.04, -12.0
VOICES, QUICK_VOICES = 4, 1
QUICK_ROOMS = (ROOMS[0], ROOMS[1])  # quiet and 15 dB: enough to see every part work


@dataclass(frozen=True)
class SessionPlan:
    voices: int
    rooms: tuple[Room, ...]
    script: tuple[Line, ...]
    # Kokoro speaks (about a second of CPU a line, and its model and voices fetched once);
    # False: espeak-ng's held-out voices, cheap enough for `make test`.
    kokoro: bool = True

    @classmethod
    def for_run(cls, quick: bool) -> SessionPlan:
        if quick:
            return cls(QUICK_VOICES, QUICK_ROOMS, QUICK_SCRIPT, kokoro=False)
        return cls(VOICES, ROOMS, SCRIPT)


class Watching:
    """What the user can tell about the coach of `session`: read from its transcript as it
    grows (the commands it acted on, the lines it began to say)."""

    def __init__(self, session: StreamSession) -> None:
        self._session = session
        self._seen = 0
        self.acted: list[Acted] = []
        self.coach_lines: list[tuple[float, str]] = []

    def __call__(self) -> CoachView:
        entries = self._session.entries
        for entry in entries[self._seen :]:
            if entry.who == "you" and entry.detail.get("intent"):
                # Which routine a "start" started: the words, as the grammar reads them.
                command = self._session.listener.grammar.parse(entry.text)
                routine = command.slots.get("routine") if command is not None else None
                self.acted.append(Acted(entry.t, Intent(entry.detail["intent"]), routine))
            elif entry.who == "coach":
                self.coach_lines.append((entry.t, entry.text))
        self._seen = len(entries)
        session = self._session
        return CoachView(session.engine.vocabulary, session.playback.busy, self.acted)


def spoken_session(library: Library, listener: CommandListener, coach_voice: CoachVoice | None,
                   speech: Mapping[str, Samples], room: Room, noise: Noise | None, *,
                   voice_name: str, seed: int = 0, script: Sequence[Line] = SCRIPT,
                   user: ScriptedUser | None = None) -> SessionScore:
    """One whole session, said by the scripted user in `room` (with `noise` under it), heard by
    `listener`; the coach speaks with `coach_voice` (None: silent, its lines take their time).
    `user`: one made beforehand (a test's recogniser reads what it says), else a new one."""
    listener.restart()
    # A silent coach has nothing to leak back, and nothing for the guard to remove.
    leaks = coach_voice is not None
    session = StreamSession(make_engine(library), listener, coach_voice,
                            guard=EchoGuard() if leaks else None,
                            room=EchoPath(ECHO_DELAY_S, ECHO_GAIN_DB) if leaks else None)
    watching = Watching(session)
    user = user or ScriptedUser(script)
    microphone = SpokenMicrophone(user, speech, RoomSound(noise, room.snr_db, seed), watching)
    session.say(greeting(library.grammar.wake_word))  # as `run --input` begins
    session.run(microphone, max_seconds=LONGEST_SESSION_S)
    watching()  # what came after the microphone's last block
    return score(user.script, user.said, watching.acted, watching.coach_lines, session.now,
                 voice=voice_name, room=room.name,
                 noise=noise.name if noise is not None and room.snr_db is not None else None,
                 gave_up_at=user.gave_up_at)


def noise_for(noises: Sequence[Noise], voice: int, noisy_room: int) -> Noise | None:
    """Each voice hears a different noise in each noisy room, and each noisy room every noise
    in turn (`noisy_room`: counted among the noisy rooms only)."""
    return noises[(voice + noisy_room) % len(noises)] if noises else None


def run_sessions(library: Library, listener: CommandListener, coach_voice: CoachVoice | None,
                 voices: Voices, noises: Sequence[Noise], plan: SessionPlan,
                 tick: Callable[[], None]) -> dict[str, Any]:
    """Every voice in every room of `plan`, pooled (see the module's JSON)."""
    scores: list[SessionScore] = []
    for v, user in enumerate(voices.users):
        speech = {line.text: voices.said[user.name, line.text] for line in plan.script}
        noisy = 0
        for r, room in enumerate(plan.rooms):
            noise = None
            if room.snr_db is not None:
                noise, noisy = noise_for(noises, v, noisy), noisy + 1
            scores.append(spoken_session(library, listener, coach_voice, speech, room, noise,
                                         voice_name=user.name, seed=v * 10 + r,
                                         script=plan.script))
            tick()
    by_noise = sorted({s.noise for s in scores if s.noise is not None})
    return {
        "rooms": {room.name: pooled(s for s in scores if s.room == room.name).as_json()
                  for room in plan.rooms},
        "noises": {name: pooled(s for s in scores if s.noise == name).as_json()
                   for name in by_noise},
        "overall": pooled(scores).as_json(),
        "sessions": [s.as_json() for s in scores],
    }


def described(plan: SessionPlan, voices: Voices, noises: Sequence[Noise],
              noise_folder: Path | None, coach_voice: str | None) -> dict[str, Any]:
    return {
        "voices": [user.name for user in voices.users],
        "voices_note": voices.note,
        "rooms": [room.name for room in plan.rooms],
        "noises": [noise.name for noise in noises],
        "noise_note": ("the measuring part (last 40%) of each recording, looped"
                       if noise_folder is not None else
                       "generated pink noise: no --noise folder was given"),
        "script": [line.text for line in plan.script],
        "coach_voice": coach_voice or "none (silent lines that take their time)",
        "echo": f"the coach's voice back into the microphone {ECHO_GAIN_DB:g} dB, "
                f"{ECHO_DELAY_S * 1000:g} ms late, through the echo guard",
    }


def spoken_sessions(library: Library, backends: Sequence[Backend],
                    listener_for: Callable[[Backend], CommandListener],
                    noise_folder: Path | None, plan: SessionPlan, progress: Progress,
                    note: Callable[[str], None]) -> dict[str, Any]:
    """The spoken sessions of `plan`, heard with each backend's `listener_for`, the coach
    speaking in its own voice (COACH_ENGINE, or what it falls back to, said); {} when no voice
    could say the user's lines (said through `note`)."""
    from ..speaking.engines import VoiceEngine, open_voice
    from ..speaking.tts import SpeechUnavailable, TextToSpeech, VoiceSettings

    texts = [line.text for line in plan.script]
    with progress("spoken sessions: the user's lines", plan.voices * len(texts)) as tick:
        voices = make_voices(texts, plan.voices, note, tick,
                             kokoro_users if plan.kokoro else None)
    if voices is None:
        return {}
    noises = room_noises(noise_folder)
    coach: TextToSpeech | None = None
    try:
        coach = open_voice(VoiceSettings(), VoiceEngine(COACH_ENGINE), note)
    except SpeechUnavailable as exc:
        note(f"spoken sessions: no coach voice ({exc}); its lines are silent and take their "
             "time")
    results: dict[str, Any] = {}
    try:
        for backend in backends:
            listener = listener_for(backend)
            with progress(f"{backend.value} spoken sessions",
                          plan.voices * len(plan.rooms)) as tick:
                results[backend.value] = run_sessions(library, listener, coach, voices, noises,
                                                      plan, tick)
    finally:
        if coach is not None:
            coach.close()
    coach_name = f"{coach.engine} {coach.voice_name}" if coach is not None else None
    return {"plan": described(plan, voices, noises, noise_folder, coach_name),
            "backends": results}
