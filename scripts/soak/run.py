"""The soak from end to end: its options, the conductor that has the user speak on the wall
clock while the coach is sampled, and the report with its verdict."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.audio.source import SAMPLE_RATE, Samples
from voicecoach.audio.synthetic import Voice, espeak_available, write_wav

from . import __doc__ as soak_doc
from .coach import Coach, Sample, Seen, serve_command
from .home import log
from .judge import HEAR_WITHIN_S, THRESHOLDS, judge, offline_control, summarise, verdict
from .scripted_user import CYCLE, DEFAULT_NOISE, STOP, Command, Room, Utterance, noise_bed, voiced
from .virtual_mic import ALSA_CONFIG, BLOCK_FRAMES, PacedPipe, check_pacing, virtual_mic_env

READY_TIMEOUT_S = 60.0


@dataclass
class Options:
    minutes: float = 10.0
    gap_s: float = 7.5
    snr_db: float = 20.0
    noise: Path | None = DEFAULT_NOISE
    voice: Voice = field(default_factory=Voice)
    warmup_s: float = 30.0
    sample_every_s: float = 10.0
    pacing_s: float = 10.0
    save_input: Path | None = None
    alsa_config: Path = ALSA_CONFIG


class Conductor:
    """Says the commands on the wall clock and samples the coach meanwhile."""

    def __init__(self, room: Room, coach: Coach, options: Options,
                 speech: dict[Command, Samples]) -> None:
        self.room, self.coach, self.options, self.speech = room, coach, options, speech
        self.began = time.monotonic()
        self.said: list[Utterance] = []
        self.samples: list[Sample] = []
        self.aborted: str | None = None  # why the soak ended early
        self._next_sample = 0.0

    def wait_until(self, t: float) -> None:
        while (left := self.began + t - time.monotonic()) > 0:
            if not self.coach.running:
                raise RuntimeError("serve ended by itself")
            if time.monotonic() - self.began >= self._next_sample:
                self.samples.append(self.coach.sample(time.monotonic() - self.began))
                self._next_sample += self.options.sample_every_s
                sample = self.samples[-1]
                log(f"{sample.t:6.1f} s  RSS {sample.rss_mb:.1f} MB (anonymous "
                    f"{sample.anon_mb:.1f}), {sample.threads} threads")
            time.sleep(min(left, 0.05))

    def run(self) -> None:
        try:
            self._run()
        except RuntimeError as exc:
            self.aborted = str(exc)
            log(f"aborted: {exc}")

    def _run(self) -> None:
        duration, gap = self.options.minutes * 60, self.options.gap_s
        longest = max(len(speech) for speech in self.speech.values()) / SAMPLE_RATE
        at, step, recovering = 2.0, 0, False
        while at + longest + HEAR_WITHIN_S <= duration:
            self.wait_until(at)
            command = CYCLE[step % len(CYCLE)]
            if command is CYCLE[0] and self.coach.in_session and not recovering:
                command, recovering = STOP, True  # the last stop was missed: end that session
            else:
                step, recovering = step + 1, False
            self.said.append(self.room.say(Utterance(command, self.speech[command])))
            log(f"{at:6.1f} s  says {command.text!r}")
            at += gap if command is not STOP else 2 * gap  # a longer break between sessions
        self.wait_until(duration)
        self.samples.append(self.coach.sample(duration))


def wait_until_listening(coach: Coach, pipe: PacedPipe) -> None:
    """Until the coach has greeted and its microphone has drained the pipe for a second."""
    deadline, drained_since = time.monotonic() + READY_TIMEOUT_S, None
    while time.monotonic() < deadline:
        if not coach.running:
            raise RuntimeError("serve ended before listening:\n" + "\n".join(coach.stderr))
        now = time.monotonic()
        if coach.seen and pipe.backlog_bytes() < 4 * BLOCK_FRAMES * 2:
            drained_since = drained_since or now
            if now - drained_since >= 1.0:
                return
        else:
            drained_since = None
        time.sleep(0.05)
    raise RuntimeError("serve was not listening within a minute:\n" + "\n".join(coach.stderr))


# --- the soak ---------------------------------------------------------------------------------


@dataclass
class LiveRun:
    """What happened to the `serve` child."""

    said: list[Utterance]
    seen: list[Seen]
    samples: list[Sample]
    began: float
    exit: dict[str, Any]
    audio: dict[str, Any]
    stderr: list[str]
    aborted: str | None


def run_live(room: Room, options: Options, speech: dict[Command, Samples]) -> LiveRun:
    with tempfile.TemporaryDirectory(prefix="voicecoach-soak-") as folder:
        home = Path(folder)
        pipe = PacedPipe(home / "mic.pcm", lambda index, at: room.block(at))
        coach: Coach | None = None
        try:
            coach = Coach(serve_command(), virtual_mic_env(pipe.path, home, options.alsa_config))
            wait_until_listening(coach, pipe)
            dropped_before = pipe.dropped
            conductor = Conductor(room, coach, options, speech)
            log("listening; the soak begins")
            conductor.run()
            dropped_during = pipe.dropped - dropped_before
            exit_report = coach.terminate() if coach.running else {
                "seconds": None, "code": coach.process.wait(), "killed": False}
        finally:
            if coach is not None:
                coach.kill()
            pipe.close()
    audio = {"blocks_written": pipe.written, "dropped_during_soak": dropped_during,
             "max_writer_lag_ms": round(pipe.max_lag_s * 1000, 1)}
    return LiveRun(conductor.said, coach.seen, conductor.samples, conductor.began, exit_report,
                   audio, list(coach.stderr), conductor.aborted)


def soak(options: Options) -> dict[str, Any]:
    report: dict[str, Any] = {"minutes": options.minutes, "machine": machine()}
    if options.pacing_s > 0:
        report["pacing"] = check_pacing(options.pacing_s, options.alsa_config)
        log(f"pacing: {report['pacing']}")
    speech = {command: voiced(command, options.voice) for command in CYCLE}
    bed, noise_name = noise_bed(options.noise, options.snr_db)
    report["setup"] = {
        "command": serve_command()[1:], "voice": options.voice.name,
        "words_per_minute": options.voice.words_per_minute, "noise": noise_name,
        "snr_db": options.snr_db, "gap_s": options.gap_s, "warmup_s": options.warmup_s,
        "cycle": [{"say": c.text, "intent": c.intent} for c in CYCLE],
        "pacing": f"named pipe, {BLOCK_FRAMES}-frame blocks on a monotonic schedule",
    }
    room = Room(bed, keep=True)
    live = run_live(room, options, speech)
    heard_audio = np.concatenate(room.kept or [np.zeros(0, dtype=np.int16)])
    if options.save_input is not None:
        write_wav(options.save_input, heard_audio)
    outcomes = judge(live.said, live.seen, live.began)
    for outcome, heard in zip(outcomes, offline_control(heard_audio, live.said), strict=True):
        outcome["heard_offline"] = heard
    report.update(summarise(outcomes, live.samples, options.warmup_s, live.exit))
    report["audio"] = live.audio
    report["samples"] = [vars(s) for s in live.samples]
    report["notes"] = [s.entry for s in live.seen if s.entry.get("who") == "note"]
    report["stderr_tail"] = live.stderr[-20:]
    report["tracebacks"] = sum("Traceback" in line for line in live.stderr)
    report["aborted"] = live.aborted
    report["thresholds"] = dict(THRESHOLDS)
    report["failures"] = verdict(report)
    report["verdict"] = "fail" if report["failures"] else "pass"
    return report


def machine() -> dict[str, Any]:
    return {"platform": platform.platform(), "python": platform.python_version(),
            "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


@contextlib.contextmanager
def terminated_as_error() -> Iterator[None]:
    """SIGTERM to the harness unwinds it (the child is killed in `finally`)."""
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def parse(argv: list[str] | None) -> tuple[Options, Path | None]:
    parser = argparse.ArgumentParser(description=soak_doc.split("\n\n")[0] if soak_doc else None)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--json", type=Path, help="write the report here")
    parser.add_argument("--gap", type=float, default=7.5, help="seconds between commands")
    parser.add_argument("--snr", type=float, default=20.0, help="voice above the noise, dB")
    parser.add_argument("--noise", type=Path, default=DEFAULT_NOISE,
                        help="a WAV of room noise (generated pink noise if it is missing)")
    parser.add_argument("--voice", default=Voice().name, help="the user's espeak-ng voice")
    parser.add_argument("--wpm", type=int, default=Voice().words_per_minute)
    parser.add_argument("--warmup", type=float, help="seconds before the first RSS counted "
                        "(default: 30, or half the soak if shorter)")
    parser.add_argument("--pacing-seconds", type=float, default=10.0,
                        help="measure the virtual microphone's rate first (0: skip)")
    parser.add_argument("--save-input", type=Path, help="write what the microphone heard")
    args = parser.parse_args(argv)
    warmup = args.warmup if args.warmup is not None else min(30.0, args.minutes * 30)
    options = Options(minutes=args.minutes, gap_s=args.gap, snr_db=args.snr, noise=args.noise,
                      voice=Voice(args.voice, args.wpm), warmup_s=warmup,
                      pacing_s=args.pacing_seconds, save_input=args.save_input)
    return options, args.json


def main(argv: list[str] | None = None) -> int:
    options, json_path = parse(argv)
    if not espeak_available() or not options.alsa_config.exists():
        log("needs espeak-ng and the virtual microphone's ALSA configuration")
        return 2
    try:
        with terminated_as_error():
            report = soak(options)
    except RuntimeError as exc:
        log(f"could not run: {exc}")
        return 1
    except KeyboardInterrupt:
        log("interrupted; serve was stopped and the temporary files removed")
        return 130
    text = json.dumps(report, indent=2)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(text + "\n", encoding="utf-8")
    commands = report["commands"]
    log(f"{report['verdict']}: obeyed {commands['obeyed']} of {commands['spoken']}, "
        f"RSS {report['rss_mb']['start']} -> {report['rss_mb']['end']} MB (anonymous "
        f"{report['anon_mb']['start']} -> {report['anon_mb']['end']}), threads "
        f"{report['threads']['start']} -> {report['threads']['end']}, exit "
        f"{report['exit']['seconds']} s" + "".join(f"\n  - {f}" for f in report["failures"]))
    return 0 if report["verdict"] == "pass" else 1

