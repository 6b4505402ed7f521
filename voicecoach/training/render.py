"""Turning planned clips into feature vectors: synthesise, put in a room, embed.

`render_all` spreads the clips over worker processes (each loads the models once) and keeps
the plan's order, so the result does not depend on how many workers ran.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..audio.source import Samples
from ..hearing.command_classifier import utterance_frames
from ..hearing.embedding import SpeechEmbedder
from .augment import Scene, fragment, in_room, load_noises, room_only
from .dataset import ClipSpec
from .kokoro import KokoroSpeaker
from .voices import PiperSpeaker, VoiceSpec, espeak

# The coach speaks with Piper's joe: its voice is what leaks back into the microphone.
COACH_VOICE = VoiceSpec("piper", "joe")


@dataclass(frozen=True)
class Rendered:
    frames: npt.NDArray[np.float16]  # (frames kept, 96): a model uses the last few
    scene: Scene | None


class Renderer:
    """One process's models: the embedder, Piper and Kokoro (each loaded on first use) and the
    noise beds."""

    def __init__(self, context_frames: int, noise_folder: Path | None,
                 coach_texts: Sequence[str]) -> None:
        self.context_frames = context_frames
        self.embedder = SpeechEmbedder()
        self.noises, _ = load_noises(noise_folder)
        self._piper: PiperSpeaker | None = None
        self._kokoro: KokoroSpeaker | None = None
        # The coach's voice as the microphone hears it leak from the loudspeaker.
        self.coach = [self.speak(text, COACH_VOICE) for text in coach_texts]

    def speak(self, text: str, voice: VoiceSpec) -> Samples:
        if voice.engine == "kokoro":
            if self._kokoro is None:
                self._kokoro = KokoroSpeaker()
            return self._kokoro.speak(text, voice.name, voice.speed)
        if voice.engine == "piper":
            if self._piper is None:
                self._piper = PiperSpeaker()
            return self._piper.speak(text, voice)
        return espeak(text, voice)

    def audio(self, spec: ClipSpec) -> tuple[Samples, Scene | None]:
        rng = np.random.default_rng(spec.seed)
        if spec.kind == "room" or spec.voice is None:
            return room_only(rng, self.noises, self.coach), None
        speech = self.speak(spec.text, spec.voice)
        if spec.kind == "fragment":
            speech = fragment(speech, rng)
        return in_room(speech, rng, self.noises, self.coach)

    def render(self, spec: ClipSpec) -> Rendered:
        audio, scene = self.audio(spec)
        frames = utterance_frames(self.embedder, audio, self.context_frames)
        return Rendered(frames.astype(np.float16), scene)


_worker: Renderer | None = None


def _start_worker(context_frames: int, noise_folder: Path | None,
                  coach_texts: Sequence[str]) -> None:
    global _worker
    _worker = Renderer(context_frames, noise_folder, coach_texts)


def _render_in_worker(spec: ClipSpec) -> Rendered:
    assert _worker is not None
    return _worker.render(spec)


def render_all(
    specs: Sequence[ClipSpec],
    context_frames: int,
    noise_folder: Path | None,
    coach_texts: Sequence[str],
    workers: int,
    advance: Callable[[int], None] = lambda n: None,
) -> Iterator[Rendered]:
    """Every clip's features, in plan order, as each is done; `advance(n)` after each n clips
    (progress)."""
    if not specs:
        return
    if workers <= 1:
        renderer = Renderer(context_frames, noise_folder, coach_texts)
        yield from _counted((renderer.render(spec) for spec in specs), advance)
        return
    # fork: the workers inherit the imported modules; each loads its own ONNX sessions.
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, _start_worker,
                      (context_frames, noise_folder, list(coach_texts))) as pool:
        yield from _counted(pool.imap(_render_in_worker, specs, chunksize=8), advance)


def _counted(results: Iterator[Rendered], advance: Callable[[int], None]) -> Iterator[Rendered]:
    for result in results:
        advance(1)
        yield result
