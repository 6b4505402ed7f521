"""The benchmark's columns: three ways to hear, built from the same parts the coach uses.

- plain: the recogniser alone, a bare grammar of every sentence, no rejection, final results
  only (the baseline).
- today: today's recogniser (`build_recognizer` + `CommandListener`, every sentence, rejection
  by a likelihood ratio), scored on the whole grammar, as the coach listened before it
  listened by state.
- verified: the coach's hearing (`build_listener`: input conditioning, the detector proposing,
  the speech-embedding verifier checking), without any voice profile, listening by state.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..core.grammar import CommandGrammar
from ..core.vocabulary import OTHER_SPEECH_STATES, VocabularyState
from ..hearing.backends import Backend, build_recognizer
from ..hearing.listener import CommandListener
from ..hearing.pipeline import HearingOptions, build_listener

CONFIGURATIONS = ("plain", "today", "verified")
BY_STATE = frozenset({"verified"})  # the columns that listen by state
# Ordinary sentences are heard in every state a session has, and between sessions (where the
# television plays all evening and "start ..." has a hundred sentences).
SENTENCE_STATES = (*OTHER_SPEECH_STATES, VocabularyState.IDLE)


def column_listener(column: str, backend: Backend, grammar: CommandGrammar,
                    model: Path | None, say: Callable[[str], None] = lambda message: None,
                    profile_folder: Path | None = None) -> CommandListener:
    """The listener of `column`; `profile_folder` (verified only): hear with that profile."""
    if column == "plain":
        recognizer = build_recognizer(backend, grammar, model, say=say, plain=True)
        return CommandListener(recognizer, grammar, early=False)
    if column == "today":
        return CommandListener(build_recognizer(backend, grammar, model, say=say), grammar)
    if column == "verified":
        options = HearingOptions(backend=backend, model=model, profile=profile_folder is not None,
                                 profile_folder=profile_folder)
        return build_listener(grammar, options, say=say)
    raise ValueError(f"{column!r}: no such column; choose one of {', '.join(CONFIGURATIONS)}")


def scored(column: str) -> str:
    return "by state" if column in BY_STATE else "whole grammar"
