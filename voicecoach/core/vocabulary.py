"""What the coach listens for: the intents it would act on, as a pure function of its state.

A recogniser that listens for every command at every moment mistakes far more: "go" means
nothing while a step runs, "left" only when a side can be chosen, and while a yes/no question
waits only yes, no, stop and "that hurts" count. Each state names a vocabulary; the listener
narrows its detector and its verifier to it, and switches as the state changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .intents import Command, Intent


class VocabularyState(StrEnum):
    """The states with a vocabulary of their own (`voicecoach listen --state STATE`)."""

    IDLE = "idle"  # no session: start one, list, help, safety
    STARTING = "starting"  # the introduction: "go" skips it, a side can be chosen
    RUNNING = "running"  # a step is being done
    SIDE = "side"  # a both-sided step's first side is being set up: "left" / "right" too
    PAUSED = "paused"  # "go" / "resume" carries on
    ASKED = "asked"  # a yes/no question is waiting


# Said at any moment of a session, running or paused: the words that protect the user, and
# the ones that steer the routine. Not "start <routine>": its hundred-odd sentences would crowd
# out "stop" and "next", and switching routines is one "stop" away (typed, it still works).
_SESSION = frozenset({
    Intent.NEXT, Intent.BACK, Intent.REPEAT, Intent.RESTART, Intent.STOP, Intent.SLOWER,
    Intent.FASTER, Intent.LIGHTER, Intent.FIRMER, Intent.MORE_TIME, Intent.STATUS, Intent.HELP,
    Intent.PAIN, Intent.VOICE, Intent.SAFETY,
})

INTENTS: dict[VocabularyState, frozenset[Intent]] = {
    VocabularyState.IDLE: frozenset({
        Intent.START, Intent.LIST, Intent.HELP, Intent.SAFETY, Intent.PAIN, Intent.VOICE,
    }),
    VocabularyState.STARTING: _SESSION | {Intent.PAUSE, Intent.RESUME, Intent.SIDE},
    VocabularyState.RUNNING: _SESSION | {Intent.PAUSE},
    VocabularyState.SIDE: _SESSION | {Intent.PAUSE, Intent.SIDE},
    VocabularyState.PAUSED: _SESSION | {Intent.RESUME},
    # Anything else said to a question only makes the coach ask again, briefly; "repeat" asks
    # the whole question on purpose, and "safety" reads the safety brief again.
    VocabularyState.ASKED: frozenset({
        Intent.YES, Intent.NO, Intent.STOP, Intent.PAIN, Intent.REPEAT, Intent.SAFETY,
    }),
}

# With a wake word set, between sessions only what follows it counts ("coach, start glutes").
WAKE_STATES = frozenset({VocabularyState.IDLE})

# While a question is still being said, only these act: the words that protect the user, and
# the ones that ask to hear it (again). A "yes" five seconds into the safety brief answers
# nothing the user has heard yet, and nothing else may cut the brief off.
ACTS_WHILE_ASKING = frozenset({Intent.STOP, Intent.PAIN, Intent.REPEAT, Intent.SAFETY})


@dataclass(frozen=True)
class Vocabulary:
    state: VocabularyState
    # Only commands said after the wake word count (the engine's rule; the grammar keeps the
    # others too, so that they are heard as what they are and left alone).
    addressed_only: bool = False
    # A question not yet said to its end: its answers wait for it (the engine's rule; they are
    # still heard, so that they are logged as what they are and left alone).
    answers_wait: bool = False

    @property
    def intents(self) -> frozenset[Intent]:
        return INTENTS[self.state]

    def ignores(self, command: Command) -> bool:
        """The engine's rules for what it leaves alone here: a command not said after the wake
        word, and an answer to a question that has not been said to its end."""
        return self.ignores_unaddressed(command) or (
            self.answers_wait and command.intent not in ACTS_WHILE_ASKING)

    def ignores_unaddressed(self, command: Command) -> bool:
        """The wake-word rule: here, a command not said after the wake word is left alone."""
        return self.addressed_only and not command.addressed


def vocabulary_for(state: VocabularyState, wake_word: bool = False, *,
                   answers_wait: bool = False) -> Vocabulary:
    return Vocabulary(state, addressed_only=wake_word and state in WAKE_STATES,
                      answers_wait=answers_wait and state is VocabularyState.ASKED)


# Where commands are scored when the coach listens by state: each in the first of these states
# that would act on it (stop while a step runs, go while paused, yes/no when asked, left/right
# when a side can be chosen); other speech is scored in every one of them.
OTHER_SPEECH_STATES = (VocabularyState.RUNNING, VocabularyState.PAUSED, VocabularyState.ASKED,
                       VocabularyState.SIDE)
SCORED_STATES = (*OTHER_SPEECH_STATES, VocabularyState.IDLE)


def state_for(intent: Intent) -> VocabularyState:
    """The state in which a command is scored: the first of SCORED_STATES that acts on it."""
    return next(state for state in SCORED_STATES if intent in INTENTS[state])
