"""Choosing and building a recogniser: `auto` takes Vosk when an English Vosk model is
installed, PocketSphinx (no download needed) otherwise, and says which it chose."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

from ..core.grammar import CommandGrammar
from ..origins import Origin
from .recognizer import Recognizer
from .vosk_models import ModelError, find_english_model


class Backend(StrEnum):
    AUTO = "auto"
    VOSK = "vosk"
    POCKETSPHINX = "pocketsphinx"


def choose_backend(backend: Backend, model: Path | None,
                   origin: Origin | None = None) -> tuple[Backend, Path | None]:
    """The backend `auto` means here, and the Vosk model it would use (`origin`: where
    `model` came from, for the message when it is not a model)."""
    if backend is Backend.POCKETSPHINX:
        return backend, None
    found = find_english_model(model, origin)
    if found is not None:
        return Backend.VOSK, found.path
    if backend is Backend.VOSK:
        raise ModelError(
            "no English Vosk model is installed: run `voicecoach model download`, or pass "
            "--model PATH (see models/README.md for offline machines)"
        )
    return Backend.POCKETSPHINX, None


def build_recognizer(
    backend: Backend,
    grammar: CommandGrammar,
    model: Path | None = None,
    say: Callable[[str], None] = lambda message: None,
    plain: bool = False,
    proposing: bool = False,
    mllr: Path | None = None,
    model_origin: Origin | None = None,
) -> Recognizer:
    """`plain=True`: the recogniser with no rejection at all, as a baseline to measure against.
    `proposing=True`: a verifier checks what it hears, so it need not reject by itself, and
    offers keyword-spotting alternatives. `mllr`: the user's PocketSphinx adaptation."""
    chosen, model_path = choose_backend(backend, model, model_origin)
    if chosen is Backend.VOSK and model_path is not None:
        from .vosk_backend import VoskRecognizer, load_model

        recognizer = VoskRecognizer(load_model(model_path), grammar.sentences, reject=not plain)
        say(f"recogniser: Vosk, model {model_path}")
        if recognizer.grammar.unknown_words:
            say("the Vosk model does not know these words, so commands using them are left "
                f"out: {', '.join(recognizer.grammar.unknown_words)}")
        if plain:
            return recognizer
        from .vad_gate import VadGate, detector

        # Vosk decodes every frame it is given, silence too: a voice-activity gate in front
        # of it cuts idle listening from ~2 % of a core to almost nothing (see vad_gate.py).
        return VadGate(recognizer, detector("pocketsphinx", mode=3))
    from .sphinx_backend import PROPOSING_VAD_MODE, PocketSphinxRecognizer

    if plain or proposing:
        sphinx = PocketSphinxRecognizer(
            grammar, min_likelihood_ratio=None, mllr=mllr, keywords=proposing,
            vad_mode=PROPOSING_VAD_MODE if proposing else None, noise_floor=proposing)
    else:
        sphinx = PocketSphinxRecognizer(grammar, mllr=mllr)
    reason = "" if backend is Backend.POCKETSPHINX else " (no English Vosk model installed)"
    say(f"recogniser: PocketSphinx with its built-in English model{reason}")
    if sphinx.setup.unknown_words:
        say(f"no pronunciation for: {', '.join(sphinx.setup.unknown_words)}")
    return sphinx
