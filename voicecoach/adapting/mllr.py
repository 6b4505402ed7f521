"""Speaker adaptation: an MLLR transform of PocketSphinx's en-us model from a few of the user's
clips, estimated with Debian's sphinxtrain (`bw` counts, `mllr_solve` solves).

One global transform (one regression class) of the Gaussian means per feature stream: with a
few seconds of speech there is too little to estimate more, and a ~5 KB text file is all a
profile keeps. PocketSphinx loads it with `mllr=`.

Features are PocketSphinx's own cepstra (its `mfclogdir`), computed with the same front end,
dither and seed as the recogniser, so the transform is learnt on exactly what decoding sees.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..audio.source import SAMPLE_RATE, Samples
from ..audio.synthetic import NOISE_FLOOR_RMS
from ..core.errors import VoicecoachError
from ..hearing.mllr_file import read_mllr
from ..hearing.pronunciations import pronounce
from .sphinx_model import ModelConversionError, SphinxModel, adaptable_model

DITHER_SEED = 20_260_101  # the recogniser's: the same audio gives the same features
MIN_CLIP_S = 0.2  # shorter than a word: nothing to align
TOOL_TIMEOUT_S = 120
# Where Debian, Fedora and a source build put sphinxtrain's programs (they are not on PATH).
TOOL_DIRS = (
    Path("/usr/lib/sphinxtrain"),
    Path("/usr/libexec/sphinxtrain"),
    Path("/usr/local/lib/sphinxtrain"),
    Path("/usr/local/libexec/sphinxtrain"),
)
INSTALL_HINT = "sudo apt-get install sphinxtrain"
_WORD = re.compile(r"^[a-z][a-z']*$")
# feat.params settings bw understands; the rest (front end, model type) are not its business.
_FEATURE_SETTINGS = ("feat", "svspec", "cmn", "agc", "varnorm", "ceplen", "lda", "ldadim")
_TS2CB = {"ptm": ".ptm.", "semi": ".semi.", "cont": ".cont."}


class AdaptationError(VoicecoachError):
    """Adaptation that cannot be done; the message names the cause and the fix, in one line."""


def sphinxtrain_tool(name: str) -> Path:
    for folder in TOOL_DIRS:
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    if found:
        return Path(found)
    raise AdaptationError(f"sphinxtrain's `{name}` is missing, so voicecoach cannot learn your "
                          f"voice: {INSTALL_HINT}")


def sphinxtrain_available() -> bool:
    try:
        sphinxtrain_tool("bw")
        sphinxtrain_tool("mllr_solve")
    except AdaptationError:
        return False
    return True


def transcript_words(transcript: str) -> list[str]:
    """The words of a transcript as the dictionary spells them (lower case)."""
    return transcript.lower().split()


def estimate_mllr(
    examples: Sequence[tuple[str, Samples]], out: Path, model_cache: Path | None = None
) -> Path:
    """Learns the speaker of `examples` (transcript, 16 kHz int16 audio) and writes the
    transform to `out` (replaced whole, never half-written). Returns `out`."""
    if not examples:
        raise AdaptationError("no clips to learn from: record a few words first")
    bw, solve = sphinxtrain_tool("bw"), sphinxtrain_tool("mllr_solve")
    _check_clips(examples)
    try:
        model = adaptable_model(cache=model_cache)
    except (OSError, ModelConversionError) as exc:
        raise AdaptationError(f"cannot prepare the speech model for adaptation: {exc}") from exc
    with tempfile.TemporaryDirectory(prefix="voicecoach-mllr-") as scratch:
        work = Path(scratch)
        ids = _write_corpus(examples, work)
        _run(_bw_command(bw, model, work), "bw", work)
        frames = _aligned_frames(work / "bw.log")
        if frames == 0:
            clips = "the clip" if len(ids) == 1 else f"none of the {len(ids)} clips"
            raise AdaptationError(f"{clips} matched its transcript (check that each clip says "
                                  "its words), so nothing was learnt")
        matrix = work / "mllr_matrix"
        _run([str(solve), "-meanfn", str(model.means), "-varfn", str(model.variances),
              "-outmllrfn", str(matrix), "-accumdir", str(work / "counts")], "mllr_solve", work)
        try:
            read_mllr(matrix)
        except ValueError as exc:
            raise AdaptationError(f"mllr_solve wrote no usable transform ({exc}); record the "
                                  "words again, a little louder") from exc
        out.parent.mkdir(parents=True, exist_ok=True)
        staged = out.with_name(f".{out.name}.partial")
        shutil.copyfile(matrix, staged)
        staged.replace(out)
    return out


def _check_clips(examples: Sequence[tuple[str, Samples]]) -> None:
    for number, (transcript, audio) in enumerate(examples, start=1):
        words = transcript_words(transcript)
        if not words:
            raise AdaptationError(f"clip {number} has an empty transcript: give it its words")
        bad = [word for word in words if not _WORD.match(word)]
        if bad:
            raise AdaptationError(f"clip {number}: {bad[0]!r} is not a word (letters and "
                                  "apostrophes only); spell numbers out, drop punctuation")
        if len(audio) < MIN_CLIP_S * SAMPLE_RATE:
            seconds = len(audio) / SAMPLE_RATE
            raise AdaptationError(f"clip {number} ({transcript!r}) is {seconds:.2f} s long, too "
                                  f"short to learn from; record at least {MIN_CLIP_S} s")


def with_noise_floor(audio: Samples, seed: int) -> Samples:
    """Digital silence (zeros from a file or a muted stretch) has no spectrum, and its log
    energies derail the front end: a room's quiet noise floor under everything avoids it."""
    rng = np.random.default_rng(seed)
    signal = audio.astype(np.float64) + rng.normal(0.0, NOISE_FLOOR_RMS, len(audio))
    return np.clip(signal, -32768, 32767).astype(np.int16)


def _decoder(log_features_to: Path) -> Any:
    import pocketsphinx

    decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL", dither=True, seed=DITHER_SEED,
                                   mfclogdir=str(log_features_to))
    # A search is needed to run the front end at all; the smallest will do.
    decoder.add_jsgf_string("features", "#JSGF V1.0;\ngrammar f;\npublic <f> = yes;\n")
    decoder.activate_search("features")
    return decoder


def _write_corpus(examples: Sequence[tuple[str, Samples]], work: Path) -> list[str]:
    """Features, control file, transcripts and dictionary for bw. Returns the clip ids."""
    features = work / "features"
    features.mkdir()
    decoder = _decoder(features)
    ids: list[str] = []
    words: set[str] = set()
    transcripts: list[str] = []
    for number, (transcript, audio) in enumerate(examples):
        before = set(features.iterdir())
        decoder.start_utt()
        decoder.process_raw(with_noise_floor(audio, seed=number).tobytes(), False, True)
        decoder.end_utt()
        written = sorted(set(features.iterdir()) - before)
        if len(written) != 1:
            raise AdaptationError("PocketSphinx wrote no features for a clip; reinstall "
                                  "pocketsphinx (`pip install --force-reinstall pocketsphinx`)")
        clip_id = f"clip{number:04d}"
        written[0].rename(features / f"{clip_id}.mfc")
        ids.append(clip_id)
        clip_words = transcript_words(transcript)
        words.update(clip_words)
        transcripts.append(f"<s> {' '.join(clip_words)} </s> ({clip_id})")
    (work / "clips.fileids").write_text("\n".join(ids) + "\n", encoding="ascii")
    (work / "clips.transcription").write_text("\n".join(transcripts) + "\n", encoding="ascii")
    (work / "words.dict").write_text(
        "".join(f"{word} {phones}\n" for word, phones in _pronunciations(words, decoder)),
        encoding="ascii")
    return ids


def _pronunciations(words: Iterable[str], decoder: Any) -> list[tuple[str, str]]:
    entries = []
    for word in sorted(words):
        phones = decoder.lookup_word(word) or pronounce(word)
        if not phones:
            raise AdaptationError(f"no pronunciation for {word!r}: the dictionary lacks it and "
                                  "espeak-ng could not spell it (sudo apt-get install espeak-ng)")
        entries.append((word, phones))
    return entries


def _feature_settings(model: SphinxModel) -> dict[str, str]:
    settings: dict[str, str] = {}
    params = model.folder / "feat.params"
    if params.is_file():
        for line in params.read_text(encoding="ascii").splitlines():
            key, _, value = line.strip().partition(" ")
            if key.startswith("-") and value:
                settings[key[1:]] = value.strip()
    return settings


def _bw_command(bw: Path, model: SphinxModel, work: Path) -> list[str]:
    settings = _feature_settings(model)
    (work / "counts").mkdir()
    command = [
        str(bw),
        "-moddeffn", str(model.mdef),
        "-ts2cbfn", _TS2CB.get(settings.get("model", "ptm"), ".ptm."),
        "-meanfn", str(model.means), "-varfn", str(model.variances),
        "-mixwfn", str(model.mixture_weights), "-tmatfn", str(model.transition_matrices),
        "-dictfn", str(work / "words.dict"), "-fdictfn", str(model.noise_dictionary),
        "-ctlfn", str(work / "clips.fileids"), "-lsnfn", str(work / "clips.transcription"),
        "-cepdir", str(work / "features"), "-accumdir", str(work / "counts"),
        # MLLR needs the Gaussians' counts only: mixture weights and transitions (8 MB of
        # counts) are left alone.
        "-mixwreest", "no", "-tmatreest", "no", "-timing", "no",
    ]
    for key in _FEATURE_SETTINGS:
        if key in settings:
            command += [f"-{key}", settings[key]]
    return command


def _run(command: list[str], name: str, work: Path) -> None:
    log = work / f"{name}.log"
    try:
        with log.open("w", encoding="utf-8") as output:
            result = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT,
                                    timeout=TOOL_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AdaptationError(f"sphinxtrain's {name} could not run ({exc}); reinstall it: "
                              f"{INSTALL_HINT} --reinstall") from exc
    if result.returncode != 0:
        raise AdaptationError(f"sphinxtrain's {name} failed: {_last_problem(log)}")


def _last_problem(log: Path) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    problems = [line.strip() for line in lines if "ERROR" in line or "FATAL" in line]
    return (problems or [line.strip() for line in lines if line.strip()] or ["no output"])[-1]


def _aligned_frames(log: Path) -> int:
    """Frames bw aligned to the transcripts ("overall> stats N ..."), 0 if none."""
    match = re.search(r"overall>\s+stats\s+(\d+)", log.read_text("utf-8", errors="replace"))
    return int(match.group(1)) if match else 0
