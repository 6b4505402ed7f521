"""Pronunciations (CMU ARPAbet) for words the PocketSphinx dictionary lacks.

Massage words the coach ships with are listed by hand; any other word (a user's own routine
alias) is spelled by espeak-ng, which is installed for speech anyway, and its phonemes are
mapped to ARPAbet.
"""

from __future__ import annotations

import shutil
import subprocess

KNOWN: dict[str, str] = {
    "glutes": "G L UW T S",
    "glute": "G L UW T",
    "piriformis": "P IH R IH F AO R M IH S",
    "adductors": "AH D AH K T ER Z",
    "adductor": "AH D AH K T ER",
    "flexors": "F L EH K S ER Z",
    "flexor": "F L EH K S ER",
    "quads": "K W AA D Z",
    "iliopsoas": "IH L IY OW S OW AH S",
    "tfl": "T IY EH F EH L",
}

# espeak-ng's English phoneme mnemonics (`espeak-ng -x`) -> ARPAbet, longest first when read.
_ESPEAK_TO_ARPABET: dict[str, str] = {
    "aI@": "AY ER", "aU@": "AW ER", "i@3": "IY ER",
    "A@": "AA R", "O@": "AO R", "o@": "AO R", "e@": "EH R", "I@": "IH R", "U@": "UH R",
    "i@": "IY AH", "aI": "AY", "aU": "AW", "eI": "EY", "OI": "OY", "oU": "OW",
    "A:": "AA", "O:": "AO", "u:": "UW", "i:": "IY", "3:": "ER", "a#": "AH", "@L": "AH L",
    "tS": "CH", "dZ": "JH", "@2": "AH", "@5": "AH", "I2": "IH", "I#": "IH", "i": "IY",
    "a": "AE", "A": "AA", "E": "EH", "I": "IH", "0": "AA", "O": "AO", "V": "AH", "U": "UH",
    "@": "AH", "3": "ER", "u": "UW", "e": "EH", "o": "OW",
    "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "g": "G", "f": "F", "v": "V",
    "T": "TH", "D": "DH", "s": "S", "z": "Z", "S": "SH", "Z": "ZH", "h": "HH", "m": "M",
    "n": "N", "N": "NG", "l": "L", "r": "R", "w": "W", "j": "Y", "x": "K", "?": "",
}
_IGNORED = set("'`,%=_!:;-| ")
_LONGEST = max(len(key) for key in _ESPEAK_TO_ARPABET)


def espeak_phonemes(word: str) -> str | None:
    """espeak-ng's phoneme string for `word`, or None without espeak-ng."""
    program = shutil.which("espeak-ng") or shutil.which("espeak")
    if program is None:
        return None
    result = subprocess.run(
        [program, "-q", "-x", "-v", "en-us", word],
        capture_output=True, text=True, timeout=10, check=False,
    )
    return result.stdout.strip() or None


def arpabet_from_espeak(phonemes: str) -> str:
    arpabet: list[str] = []
    position = 0
    while position < len(phonemes):
        if phonemes[position] in _IGNORED:
            position += 1
            continue
        for length in range(_LONGEST, 0, -1):
            piece = phonemes[position : position + length]
            if piece in _ESPEAK_TO_ARPABET:
                arpabet.extend(_ESPEAK_TO_ARPABET[piece].split())
                position += length
                break
        else:
            position += 1  # a mark we have no phone for: skip it rather than fail the word
    return " ".join(arpabet)


def pronounce(word: str) -> str | None:
    """ARPAbet for a word missing from the dictionary, or None if we cannot tell."""
    if word in KNOWN:
        return KNOWN[word]
    phonemes = espeak_phonemes(word.replace("'", ""))
    return arpabet_from_espeak(phonemes) if phonemes else None
