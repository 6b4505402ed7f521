"""Building the coach's hearing: input conditioning, a detector that proposes, a verifier that
checks, and the user's voice profile when there is one.

    audio ─► conditioner (noise floor, level, clipping notice) ─► detector ─► proposals
                                                                      │
                      verifier (speech embeddings, this state's commands) ◄─┘ ─► decision

`build_listener` is the one place that knows how the parts fit; `run`, `serve`, `listen`,
`demo` and the benchmark all hear through it, so what is measured is what the user gets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..audio.conditioning import InputConditioner
from ..core.grammar import CommandGrammar
from ..core.wording import counted
from ..origins import Origin
from .backends import Backend, build_recognizer
from .listener import CommandListener, Spotter
from .verification import OTHER_CEILINGS, EmbeddingVerifier, Verifier, ceilings_of, leads_of
from .voice_profile import ADD_SENTENCES, VoiceProfile, load_profile


@dataclass(frozen=True)
class HearingOptions:
    backend: Backend = Backend.AUTO
    model: Path | None = None  # a Vosk model
    verify: bool = True  # False: the detector decides alone (its own rejection)
    profile: bool = True  # False (--no-profile): hear without the user's voice profile
    profile_folder: Path | None = None  # None: the user data folder's
    condition: bool = True  # the noise floor, level control and clipping notice
    model_origin: Origin | None = None  # where `model` came from: a flag or the settings
    spot: bool = True  # the urgent-word spotter beside the recogniser (with the verifier only)


def build_listener(grammar: CommandGrammar, options: HearingOptions = HearingOptions(),
                   say: Callable[[str], None] = lambda message: None) -> CommandListener:
    profile = load_profile(options.profile_folder, say) if options.profile else None
    if profile is not None:
        # A profile from before enrollment asked for sentences still serves, as it is.
        lacking = "" if profile.sentences else f"; {ADD_SENTENCES}"
        say(f"voice profile: {profile.folder} ({counted(len(profile.clips), 'clip')}){lacking}")
    verifier = _verifier(grammar, profile, say) if options.verify else None
    recognizer = build_recognizer(
        options.backend, grammar, options.model, say=say,
        proposing=verifier is not None,
        mllr=profile.mllr_path if profile is not None else None,
        model_origin=options.model_origin,
    )
    conditioner = InputConditioner(on_clipping=say) if options.condition else None
    spotter = _spotter(say) if verifier is not None and options.spot else None
    return CommandListener(recognizer, grammar, verifier=verifier, conditioner=conditioner,
                           spotter=spotter)


def _spotter(say: Callable[[str], None]) -> Spotter | None:
    """The shipped urgent-word spotter; None (said once) when it cannot run here: the
    recogniser and verifier still hear every command, urgent ones included."""
    from .command_classifier import ClassifierError
    from .embedding import EmbeddingError
    from .urgent_spotter import load_spotter

    try:
        return load_spotter()
    except (ClassifierError, EmbeddingError) as exc:
        say(f"{exc}; \"that hurts\" and \"stop\" are heard only once an utterance ends")
        return None


def _verifier(grammar: CommandGrammar, profile: VoiceProfile | None,
              say: Callable[[str], None]) -> Verifier | None:
    """The user's adapted verifier, their own trained one, or the shipped one; None (the
    detector alone, said once) when none can run here."""
    from .command_classifier import (
        ClassifierError,
        CommandClassifier,
        find_classifier,
        refuse_missing_labels,
    )
    from .embedding import EmbeddingError

    try:
        found = find_classifier(grammar)
        classifier = found.classifier
        described = found.describe()
        if profile is not None and profile.verifier_path is not None:
            adapted = CommandClassifier.load(profile.verifier_path)
            try:
                refuse_missing_labels(adapted, grammar, profile.verifier_path,
                                      fix="`voicecoach enroll` again adapts the shipped model")
            except ClassifierError as exc:  # deaf to a command: the verifier found serves
                described = f"{described}; {exc}"
            else:
                classifier = adapted
                described = f"command verifier: adapted to your voice ({profile.verifier_path})"
        say(described)
        return EmbeddingVerifier(classifier, ceilings_of(classifier.card) or OTHER_CEILINGS,
                                 leads=leads_of(classifier.card))
    except (ClassifierError, EmbeddingError) as exc:
        say(f"{exc}; the recogniser decides alone, and takes more ordinary talk for commands")
        return None
