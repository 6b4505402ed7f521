"""A real-time soak of `voicecoach serve` on the virtual ALSA microphone.

    .venv/bin/python scripts/soak.py --minutes 10 --json reliability-results/soak.json

A user (espeak-ng) says a cycle of commands — start, pause, resume, slower, next, status, stop —
over a steady room noise, for the whole duration, to a `serve` child process. The harness reads
the child's JSON lines as they come and checks that each command was heard and acted on; it
samples the child's memory (VmRSS, RssAnon) and threads every few seconds; at the end it sends
SIGTERM and times the exit. The same audio then goes through `voicecoach listen` on stream time,
to tell what the live path lost from what the recogniser cannot hear. The JSON report ends with
a verdict against the thresholds below.

Pacing the virtual microphone. Its capture device (ALSA's `file` plugin over a `null` slave) has
no clock: fed from a regular file it delivers as fast as it is read. Here its input file is a
named pipe that this harness writes in real time, one block on a monotonic schedule, so the
capture blocks on the pipe and runs at the writer's pace. Two details make that exact:

- each write is one microphone period (800 frames: MicrophoneSource's 50 ms block at 16 kHz).
  The plugin fills a period with a single read() and leaves the rest of a short read stale, so
  20 ms writes came out padded with old audio, at 2.5 times real time;
- the harness holds the pipe open read-write and never blocks on it: PortAudio's device probing
  never waits for a writer, the capture never sees end-of-file, and a block nobody reads (the
  pipe, shrunk to half a second, is full) is dropped, as a real microphone's would be.

The writer feeds room noise until the child has exited, so a capture thread blocked in read()
always wakes up to shut down; the child is killed if it outlives its timeout.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from voicecoach.audio.source import SAMPLE_RATE, Samples
from voicecoach.audio.synthetic import (
    NOISE_FLOOR_RMS,
    Voice,
    espeak_available,
    synthesize,
    with_room,
    write_wav,
)
from voicecoach.audio.wav_file import read_all

REPO = Path(__file__).resolve().parent.parent
ALSA_CONFIG = REPO / "tests" / "data" / "asound-virtual-mic.conf"
SHARED_NOISE = Path(os.environ.get("VOICECOACH_SHARED", REPO.parent / "shared")) / "audio" / "noise"
DEFAULT_NOISE = SHARED_NOISE / "running_tap.wav"  # a minute of steady, broadband room noise

BLOCK_FRAMES = 800  # one microphone period: voicecoach.audio.microphone.BLOCK_SECONDS at 16 kHz
PIPE_BYTES = 16_384  # half a second: the most stale audio a late reader is handed at once
SPEECH_RMS = 2500.0  # the loud parts of the user's voice, int16 units (about -22 dBFS)

# What a pass means.
# Memory is judged on RssAnon (heap, stacks), where a leak grows; VmRSS is reported too, but
# its file-backed part (libraries, the acoustic model) is page cache the kernel drops and reads
# back at will: it fell by 37 MB in one soak while the process did nothing new.
MAX_RSS_GROWTH_MB = 10.0  # from the end of the warm-up to the end
MIN_OBEYED_SHARE = 0.95
MAX_EXIT_S = 1.0  # SIGTERM to exit, as the README promises
PACING_TOLERANCE = 0.02  # the virtual microphone's delivery rate, against 16 000 samples/s

HEAR_WITHIN_S = 4.0  # from the end of the user's speech to the coach's "you" line
ACT_WITHIN_S = 2.0  # from hearing to the state it enters, or its answer
READY_TIMEOUT_S = 60.0
EXIT_TIMEOUT_S = 10.0

Audio = npt.NDArray[np.float64]


# --- what the user says ------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    text: str  # what the user says
    intent: str  # what the coach must understand
    states: tuple[str, ...] = ()  # it must enter one of these; none: it must answer aloud


RUNNING = ("introducing", "instructing", "holding", "resting")
# Phrasings PocketSphinx hears in noise with the default voice: 28 of 28 through `voicecoach
# listen` at 20 dB SNR over a tap, a fridge and pink noise. "start quick", "next", "status" and
# "stop" were heard 0 of 4 times each over the tap, "pause" 0 of 4 over the fridge; the voice
# en-us+f2 at 140 wpm lost "hold on" and "pause" in most noises.
CYCLE = (
    Command("begin quick", "start", ("introducing",)),
    Command("hold on", "pause", ("paused",)),
    Command("resume", "resume", RUNNING),
    Command("slower", "slower"),
    Command("move on", "next"),
    Command("how long left", "status"),
    Command("i'm done", "stop", ("closing", "finished")),
)
STOP = CYCLE[-1]


@dataclass
class Utterance:
    command: Command
    speech: Samples
    started: float | None = None  # monotonic time its first block went into the pipe
    ended: float | None = None
    stream_s: float = 0.0  # where it starts in the microphone's audio (--save-input)


def loud_level(speech: Samples) -> float:
    samples = speech.astype(np.float64)
    loud = np.abs(samples) > 4 * NOISE_FLOOR_RMS
    return float(np.sqrt(np.mean(samples[loud] ** 2))) if loud.any() else 1.0


def voiced(command: Command, voice: Voice) -> Samples:
    speech = synthesize(command.text, voice).astype(np.float64)
    scaled = speech * (SPEECH_RMS / loud_level(speech.astype(np.int16)))
    return np.clip(scaled, -32768, 32767).astype(np.int16)


# --- the room ----------------------------------------------------------------------------------


def pink_noise(seconds: float, seed: int = 0) -> Samples:
    rng = np.random.default_rng(seed)
    count = round(seconds * SAMPLE_RATE)
    spectrum = np.fft.rfft(rng.normal(0.0, 1.0, count))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))  # 1/f power
    pink = np.fft.irfft(spectrum, count)
    return (pink * (3000.0 / (np.std(pink) or 1.0))).astype(np.int16)


def noise_bed(path: Path | None, snr_db: float) -> tuple[Samples, str]:
    """A seamless loop of room noise, `snr_db` below the voice, over the usual noise floor."""
    if path is not None and path.exists():
        noise, name = read_all(path).astype(np.float64), path.name
    else:
        noise, name = pink_noise(60.0).astype(np.float64), "generated pink noise"
    fade = min(SAMPLE_RATE // 4, len(noise) // 4)
    ramp = np.linspace(0.0, 1.0, fade)
    loop = noise[:-fade].copy()
    loop[:fade] = noise[:fade] * ramp + noise[-fade:] * (1.0 - ramp)  # no click at the seam
    loop *= (SPEECH_RMS / 10 ** (snr_db / 20)) / (np.sqrt(np.mean(loop**2)) or 1.0)
    return with_room(np.clip(loop, -32768, 32767).astype(np.int16), 0.0, 0.0, seed=7), name


class Room:
    """What the microphone hears: the noise bed, and the user's speech from the next block on
    after `say`. The writer thread pulls blocks; the conductor says things."""

    def __init__(self, bed: Samples, keep: bool = False) -> None:
        self._bed = bed.astype(np.float64)
        self._position = 0  # samples delivered so far
        self._speaking: list[tuple[Utterance, int]] = []  # with the samples already played
        self._lock = threading.Lock()
        self.kept: list[Samples] | None = [] if keep else None

    def say(self, utterance: Utterance) -> Utterance:
        with self._lock:
            self._speaking.append((utterance, 0))
        return utterance

    def block(self, at: float) -> Samples:
        """The next block; `at` is the monotonic time it goes into the pipe."""
        where = (self._position + np.arange(BLOCK_FRAMES)) % len(self._bed)
        audio: Audio = self._bed[where]
        with self._lock:
            still: list[tuple[Utterance, int]] = []
            for utterance, done in self._speaking:
                if done == 0:
                    utterance.started, utterance.stream_s = at, self._position / SAMPLE_RATE
                part = utterance.speech[done : done + BLOCK_FRAMES].astype(np.float64)
                audio[: len(part)] += part
                if done + BLOCK_FRAMES >= len(utterance.speech):
                    utterance.ended = at + len(part) / SAMPLE_RATE
                else:
                    still.append((utterance, done + BLOCK_FRAMES))
            self._speaking = still
        self._position += BLOCK_FRAMES
        block = np.clip(audio, -32768, 32767).astype(np.int16)
        if self.kept is not None:
            self.kept.append(block)
        return block


def counting_block(index: int) -> Samples:
    """Block `index` of a ramp that wraps at 30 000: any repeated or lost sample shows."""
    start = index * BLOCK_FRAMES
    return (np.arange(start, start + BLOCK_FRAMES) % 30_000).astype(np.int16)


# --- the paced pipe ----------------------------------------------------------------------------


class PacedPipe:
    """A named pipe written in real time, one microphone period per write, on a monotonic
    schedule. Writes never block: a block that finds the pipe full is dropped."""

    def __init__(self, path: Path, source: Callable[[int, float], Samples]) -> None:
        os.mkfifo(path)
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
        fcntl.fcntl(self._fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        self._source = source
        self.written = self.dropped = 0
        self.max_lag_s = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="paced-pipe", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        period = BLOCK_FRAMES / SAMPLE_RATE
        start, index = time.monotonic(), 0
        while not self._stop.is_set():
            due = start + index * period
            wait = due - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                break
            self.max_lag_s = max(self.max_lag_s, time.monotonic() - due)
            data = self._source(index, due).astype("<i2").tobytes()
            try:
                os.write(self._fd, data)  # 1600 bytes, under PIPE_BUF: all of it or nothing
                self.written += 1
            except BlockingIOError:
                self.dropped += 1  # nobody is reading
            index += 1

    def backlog_bytes(self) -> int:
        """Audio in the pipe not yet read: near zero while the capture is running."""
        count = bytearray(4)
        fcntl.ioctl(self._fd, termios.FIONREAD, count)
        return int.from_bytes(count, sys.byteorder)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        os.close(self._fd)
        self.path.unlink(missing_ok=True)


def private_env(home: Path) -> dict[str, str]:
    """Settings, history and caches in `home`, never the user's; the safety brief accepted."""
    env = dict(os.environ)
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[variable] = str(home / variable.lower())
    settings = home / "settings.toml"
    settings.write_text("safety_brief_accepted = 2026-01-01T00:00:00Z\n", encoding="utf-8")
    # A history in the temporary folder, not --no-history: that reads the safety brief every
    # session (the demo's behaviour), and the history's writes belong in a soak.
    env.update(VOICECOACH_CONFIG=str(settings), VOICECOACH_HISTORY=str(home / "history.sqlite3"))
    return env


def virtual_mic_env(fifo: Path, home: Path, alsa_config: Path) -> dict[str, str]:
    return {**private_env(home), "ALSA_CONFIG_PATH": str(alsa_config),
            "VIRTUAL_MIC_RAW": str(fifo)}


PACING_PROBE = """
import json, sys, time
import numpy as np
from voicecoach.audio.microphone import MicrophoneSource

seconds = float(sys.argv[1])
source = MicrophoneSource("virtualmic", rate=16000, channels=1)
settle = first = last = previous = None
counted = breaks = 0
deadline = time.monotonic() + seconds + 10
while time.monotonic() < deadline:
    chunk = source.read(timeout=0.5)
    if chunk is None or len(chunk) == 0:
        continue
    now = time.monotonic()
    settle = settle or now + 1.0  # the first second holds what waited in the pipe
    if now >= settle:
        if first is None:
            first = now  # the samples that arrive after this chunk are counted
        else:
            counted, last = counted + len(chunk), now
        steps = np.diff(np.concatenate([[previous], chunk]).astype(np.int64)) % 30000
        breaks += int(np.count_nonzero(steps != 1))
        if now - first >= seconds:
            break
    previous = int(chunk[-1])
source.close()
print(json.dumps({"seconds": last - first, "samples": counted, "breaks": breaks,
                  "overflows": source.overflows, "dropped_blocks": source.dropped_blocks}))
"""


def check_pacing(seconds: float, alsa_config: Path) -> dict[str, Any]:
    """MicrophoneSource("virtualmic") in a child process on the paced pipe: samples a second,
    and breaks in a counting ramp (a stale or lost sample is a break)."""
    with tempfile.TemporaryDirectory(prefix="voicecoach-pacing-") as folder:
        pipe = PacedPipe(Path(folder) / "mic.pcm", lambda index, at: counting_block(index))
        try:
            result = subprocess.run(
                [sys.executable, "-c", PACING_PROBE, str(seconds)],
                env=virtual_mic_env(pipe.path, Path(folder), alsa_config),
                capture_output=True, text=True, timeout=seconds + 60, check=False)
        finally:
            pipe.close()
    if result.returncode != 0:
        raise RuntimeError(f"the pacing probe failed: {result.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    report["samples_per_second"] = round(report["samples"] / report["seconds"], 1)
    report["real_time_factor"] = round(report["samples_per_second"] / SAMPLE_RATE, 4)
    report["seconds"] = round(report["seconds"], 3)
    return report


# --- the coach ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    at: float  # monotonic time the line arrived
    entry: dict[str, Any]


@dataclass(frozen=True)
class Sample:
    t: float  # seconds since the soak began
    rss_mb: float  # VmRSS: what the thresholds judge
    anon_mb: float  # RssAnon: the heap and stacks, where a leak would show
    threads: int


class Coach:
    """`voicecoach serve` in a child process; its JSON lines are read as they arrive."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, bufsize=1)
        self.seen: list[Seen] = []
        self.state: str | None = None
        self.stderr: deque[str] = deque(maxlen=400)
        self._readers = [
            threading.Thread(target=self._read_stdout, name="coach-stdout", daemon=True),
            threading.Thread(target=self._read_stderr, name="coach-stderr", daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with contextlib.suppress(json.JSONDecodeError):
                entry = json.loads(line)
                self.seen.append(Seen(time.monotonic(), entry))
                if entry.get("who") == "state":
                    self.state = entry["text"]
                if entry.get("who") in ("you", "state", "note"):
                    detail = f" [{entry.get('intent')}]" if entry["who"] == "you" else ""
                    log(f"          serve {entry['who']}: {entry.get('text')}{detail}")

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line.rstrip("\n"))

    @property
    def in_session(self) -> bool:
        return self.state not in (None, "idle", "finished")

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def sample(self, t: float) -> Sample:
        pid = self.process.pid
        fields = dict(line.split(":", 1) for line in
                      Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines())

        def mb(name: str) -> float:
            return round(int(fields[name].split()[0]) / 1024, 2)  # the kernel counts in kB

        return Sample(round(t, 1), mb("VmRSS"), mb("RssAnon"),
                      len(os.listdir(f"/proc/{pid}/task")))

    def terminate(self) -> dict[str, Any]:
        """SIGTERM, timed; killed if it is still there after EXIT_TIMEOUT_S."""
        sent = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        killed = False
        try:
            code = self.process.wait(timeout=EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code, killed = self.process.wait(), True
        seconds = time.monotonic() - sent
        for reader in self._readers:
            reader.join(timeout=2.0)
        return {"seconds": round(seconds, 3), "code": code, "killed": killed}

    def kill(self) -> None:
        if self.running:
            self.process.kill()
            self.process.wait()


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


# --- the soak ----------------------------------------------------------------------------------


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


def serve_command() -> list[str]:
    return [sys.executable, "-m", "voicecoach", "serve", "--plain", "--json", "--mute",
            "--backend", "pocketsphinx", "--device", "virtualmic", "--rate", "16000",
            "--channels", "1"]


def log(message: str) -> None:
    print(f"soak: {message}", file=sys.stderr, flush=True)


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
    if (exit_report["killed"] or exit_report["code"] != 0
            or exit_report["seconds"] is None or exit_report["seconds"] > MAX_EXIT_S):
        failures.append(f"exit after SIGTERM: {exit_report}")
    if report["audio"]["dropped_during_soak"]:
        failures.append(f"{report['audio']['dropped_during_soak']} audio blocks not read")
    if report["tracebacks"]:
        failures.append(f"{report['tracebacks']} traceback(s) on stderr")
    if report.get("aborted"):
        failures.append(f"the soak ended early: {report['aborted']}")
    return failures


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
    report["thresholds"] = {"anon_rss_growth_mb_below": MAX_RSS_GROWTH_MB,
                            "threads": "end <= start (after warm-up)",
                            "obeyed_share_at_least": MIN_OBEYED_SHARE,
                            "exit_s_at_most": MAX_EXIT_S, "pacing_tolerance": PACING_TOLERANCE,
                            "audio_blocks_unread": 0}
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
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


if __name__ == "__main__":
    sys.exit(main())
