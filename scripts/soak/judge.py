"""The judge: each command heard as meant and acted on in time, the same audio heard offline as a
control, the figures summed up, and every threshold that was not met, in words."""

from __future__ import annotations

import json
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from voicecoach.audio.source import SAMPLE_RATE, Samples
from voicecoach.audio.synthetic import write_wav

from .coach import Sample, Seen
from .home import private_env
from .scripted_user import Command, Utterance

# What a pass means.
# Memory is judged on RssAnon (heap, stacks), where a leak grows; VmRSS is reported too, but
# its file-backed part (libraries, the acoustic model) is page cache the kernel drops and reads
# back at will: it fell by 37 MB in one soak while the process did nothing new.
MAX_RSS_GROWTH_MB = 10.0  # from the end of the warm-up to the end
MIN_OBEYED_SHARE = 0.95
MAX_EXIT_S = 1.0  # SIGTERM to exit, as the README promises
# What serve exits with after SIGTERM: 128 + the signal, as a shell reports it, and what its
# systemd unit takes for a clean stop (SuccessExitStatus=143).
EXIT_CODE_AFTER_SIGTERM = 128 + signal.SIGTERM
PACING_TOLERANCE = 0.02  # the virtual microphone's delivery rate, against 16 000 samples/s

HEAR_WITHIN_S = 4.0  # from the end of the user's speech to the coach's "you" line
ACT_WITHIN_S = 2.0  # from hearing to the state it enters, or its answer

# As the report states them.
THRESHOLDS = {"anon_rss_growth_mb_below": MAX_RSS_GROWTH_MB,
              "threads": "end <= start (after warm-up)",
              "obeyed_share_at_least": MIN_OBEYED_SHARE,
              "exit_s_at_most": MAX_EXIT_S, "exit_code": EXIT_CODE_AFTER_SIGTERM,
              "pacing_tolerance": PACING_TOLERANCE,
              "audio_blocks_unread": 0}


def judge(said: list[Utterance], seen: list[Seen], began: float) -> list[dict[str, Any]]:
    """For each command: heard as meant within HEAR_WITHIN_S of its end, and acted on."""
    outcomes = []
    for index, utterance in enumerate(said):
        assert utterance.started is not None and utterance.ended is not None
        end = utterance.ended + HEAR_WITHIN_S
        if index + 1 < len(said) and said[index + 1].started is not None:
            end = min(end, said[index + 1].started or end)
        heard = [s for s in seen
                 if s.entry.get("who") == "you" and utterance.started <= s.at < end]
        match = next((s for s in heard if s.entry.get("intent") == utterance.command.intent),
                     None)
        acted = match is not None and any(
            match.at <= s.at <= match.at + ACT_WITHIN_S and acts_on(utterance.command, s.entry)
            for s in seen)
        outcomes.append({
            "t": round(utterance.started - began, 2),
            "stream_s": round(utterance.stream_s, 2),
            "said": utterance.command.text,
            "expected": utterance.command.intent,
            "heard": [{"text": s.entry.get("text"), "intent": s.entry.get("intent")}
                      for s in heard],
            "latency_s": round(match.at - utterance.ended, 3) if match else None,
            "obeyed": acted,
        })
    return outcomes


def acts_on(command: Command, entry: dict[str, Any]) -> bool:
    if command.states:
        return entry.get("who") == "state" and entry.get("text") in command.states
    return entry.get("who") == "coach"


def summarise(outcomes: list[dict[str, Any]], samples: list[Sample], warmup_s: float,
              exit_report: dict[str, Any]) -> dict[str, Any]:
    obeyed = sum(1 for o in outcomes if o["obeyed"])
    warm = [s for s in samples if s.t >= warmup_s] or samples
    latencies = sorted(o["latency_s"] for o in outcomes if o["latency_s"] is not None)
    return {
        "commands": {
            "spoken": len(outcomes),
            "obeyed": obeyed,
            "obeyed_share": round(obeyed / len(outcomes), 4) if outcomes else 0.0,
            # The same audio through `voicecoach listen` on stream time: the recogniser alone.
            "heard_offline": sum(1 for o in outcomes if o.get("heard_offline")),
            "not_heard_offline": [{"t": o["t"], "stream_s": o["stream_s"], "said": o["said"]}
                                  for o in outcomes if not o.get("heard_offline")],
            "missed": [o for o in outcomes if not o["obeyed"]],
        },
        "latency_s": {  # end of the spoken clip to the coach's "you" line, wall clock
            "median": statistics.median(latencies) if latencies else None,
            "p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else None,
            "max": latencies[-1] if latencies else None,
        },
        "rss_mb": {"start": warm[0].rss_mb, "end": warm[-1].rss_mb,
                   "max": max(s.rss_mb for s in samples),
                   "growth": round(warm[-1].rss_mb - warm[0].rss_mb, 2),
                   "start_at_s": warm[0].t},
        "anon_mb": {"start": warm[0].anon_mb, "end": warm[-1].anon_mb,
                    "max": max(s.anon_mb for s in samples),
                    "growth": round(warm[-1].anon_mb - warm[0].anon_mb, 2)},
        "threads": {"start": warm[0].threads, "end": warm[-1].threads,
                    "max": max(s.threads for s in samples)},
        "exit": exit_report,
    }


def verdict(report: dict[str, Any]) -> list[str]:
    """Every threshold that was not met, in words."""
    failures = []
    pacing = report.get("pacing")
    if pacing and (abs(pacing["real_time_factor"] - 1) > PACING_TOLERANCE or pacing["breaks"]):
        failures.append(f"virtual microphone not real time: {pacing}")
    commands, rss, threads = report["commands"], report["rss_mb"], report["threads"]
    if commands["obeyed_share"] < MIN_OBEYED_SHARE:
        failures.append(f"obeyed {commands['obeyed']} of {commands['spoken']} commands")
    if report["anon_mb"]["growth"] >= MAX_RSS_GROWTH_MB:
        failures.append(f"anonymous memory grew {report['anon_mb']['growth']} MB "
                        f"(VmRSS {rss['start']} -> {rss['end']} MB)")
    if threads["end"] > threads["start"]:
        failures.append(f"threads grew from {threads['start']} to {threads['end']}")
    exit_report = report["exit"]
    if (exit_report["killed"] or exit_report["code"] != EXIT_CODE_AFTER_SIGTERM
            or exit_report["seconds"] is None or exit_report["seconds"] > MAX_EXIT_S):
        failures.append(f"exit after SIGTERM: {exit_report}")
    if report["audio"]["dropped_during_soak"]:
        failures.append(f"{report['audio']['dropped_during_soak']} audio blocks not read")
    if report["tracebacks"]:
        failures.append(f"{report['tracebacks']} traceback(s) on stderr")
    if report.get("aborted"):
        failures.append(f"the soak ended early: {report['aborted']}")
    return failures


def offline_control(audio: Samples, said: list[Utterance]) -> list[bool]:
    """Whether `voicecoach listen` hears each command in the very audio the microphone got,
    on stream time: a command missed live but heard here was lost by the live path, not by
    the recogniser."""
    with tempfile.TemporaryDirectory(prefix="voicecoach-control-") as folder:
        wav = Path(folder) / "heard.wav"
        write_wav(wav, audio)
        result = subprocess.run(
            [sys.executable, "-m", "voicecoach", "listen", "--backend", "pocketsphinx",
             "--json", "--input", str(wav)],
            env=private_env(Path(folder)), capture_output=True, text=True, timeout=900,
            check=False)
    decisions = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    heard = []
    for index, utterance in enumerate(said):
        start = utterance.stream_s
        end = start + len(utterance.speech) / SAMPLE_RATE + HEAR_WITHIN_S
        if index + 1 < len(said):
            end = min(end, said[index + 1].stream_s)
        heard.append(any(d["intent"] == utterance.command.intent
                         and start <= (d["decided_s"] or 0.0) < end for d in decisions))
    return heard
