"""How much slower a Raspberry Pi 4 core is than this machine's, from single-core benchmarks
that are published for the Pi 4 and can be run here: 7-Zip's built-in benchmark (the one
sbc-bench runs) and sysbench's CPU test. Both are run pinned to one core, single-threaded.

They are integer and branchy code, like PocketSphinx's search and the Python around it. Vosk
spends most of its time in OpenBLAS matrix products, where this machine's wide vectors (AVX2 and
AVX-512) help more than the Pi's 128-bit NEON: forcing OpenBLAS's 128-bit SSE kernels here made
Vosk 1.65-1.75 times as costly (OPENBLAS_CORETYPE=NEHALEM or PRESCOTT, Korean model, idle scenes),
so Vosk's range is widened by up to that factor.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .idle import one_core

SIMD_WIDTH_FACTOR = 1.75  # Vosk with 128-bit OpenBLAS kernels / with this machine's own
# An always-on listener should leave the Pi to everything else: at most a tenth of one of its
# four cores while the room talks, the costliest idle case.
BUDGET_SHARE_OF_ONE_CORE = 0.10


@dataclass(frozen=True)
class Reference:
    test: str  # which figure: "7-zip total", "7-zip compress", "7-zip decompress", "sysbench"
    pi4: float
    board: str
    source: str


_SBC_BENCH = "sbc-bench (github.com/ThomasKaiser/sbc-bench), results/{}.txt, p7zip 16.02 7z b -mmt1"
REFERENCES = (
    Reference("7-zip total", 1741, "Pi 4 B, 1.8 GHz, 64-bit Raspberry Pi OS",
              _SBC_BENCH.format("3F9C")),
    Reference("7-zip compress", 1598, "Pi 4 B, 1.8 GHz, 64-bit Raspberry Pi OS",
              _SBC_BENCH.format("3F9C")),
    Reference("7-zip decompress", 1884, "Pi 4 B, 1.8 GHz, 64-bit Raspberry Pi OS",
              _SBC_BENCH.format("3F9C")),
    Reference("7-zip total", 1606, "Pi 4 B, 1.5 GHz, 32-bit Raspbian Buster",
              _SBC_BENCH.format("1MFf")),
    Reference("7-zip compress", 1256, "Pi 4 B, 1.5 GHz, 32-bit Raspbian Buster",
              _SBC_BENCH.format("1MFf")),
    Reference("7-zip decompress", 1956, "Pi 4 B, 1.5 GHz, 32-bit Raspbian Buster",
              _SBC_BENCH.format("1MFf")),
    Reference("sysbench", 1477.83, "Pi 4 (clock not stated)",
              "leoncode.co.uk, Raspberry Pi CPU Benchmarks: sysbench 1.0.20 cpu --threads=1"),
)
# Without 7-Zip or sysbench here (and with --quick) the ratios measured on the CI machine stand
# in: AMD EPYC (CPUID family 1Ah, Zen 5, about 4 GHz on one thread), 7-Zip 26.02 total 4636,
# compress 4528, decompress 4744; sysbench 5007 events/s (full bench run, 2026-11-25).
DEFAULT_SCALAR = (2.43, 3.61)
DEFAULT_SOURCE = ("not measured on this run: the CI machine's ratios (AMD EPYC, 7-Zip 26.02 "
                  "and sysbench 1.0.20, 2026-11-25); install 7zip and sysbench to measure")


@dataclass(frozen=True)
class Speed:
    """This machine's single-core results, where the tools were there to run."""

    seven_zip: dict[str, float] | None  # "total", "compress", "decompress" ratings (MIPS)
    seven_zip_version: str | None
    sysbench: float | None  # events per second


def measure_speed() -> Speed:
    """Run both tests on one core (about 45 s); a missing tool is simply not run."""
    with one_core():
        seven_zip, version = _seven_zip()
        return Speed(seven_zip, version, _sysbench())


def _seven_zip() -> tuple[dict[str, float] | None, str | None]:
    program = next((shutil.which(name) for name in ("7zz", "7z", "7za") if shutil.which(name)),
                   None)
    if program is None:
        return None, None
    result = subprocess.run([program, "b", "-mmt1"], capture_output=True, text=True,
                            timeout=600, check=False)
    return parse_seven_zip(result.stdout), _first_line(result.stdout)


def parse_seven_zip(output: str) -> dict[str, float] | None:
    """The single-threaded ratings of `7z b -mmt1`: the last column of the averages."""
    average = re.search(r"^Avr:(.*)\|(.*)$", output, re.MULTILINE)
    total = re.search(r"^Tot:(.*)$", output, re.MULTILINE)
    if average is None or total is None:
        return None
    try:
        return {"compress": float(average.group(1).split()[-1]),
                "decompress": float(average.group(2).split()[-1]),
                "total": float(total.group(1).split()[-1])}
    except (IndexError, ValueError):
        return None


def _sysbench() -> float | None:
    if shutil.which("sysbench") is None:
        return None
    result = subprocess.run(["sysbench", "cpu", "--threads=1", "--time=10", "run"],
                            capture_output=True, text=True, timeout=120, check=False)
    found = re.search(r"events per second:\s*([\d.]+)", result.stdout)
    return float(found.group(1)) if found else None


def _first_line(output: str) -> str | None:
    lines = [line.strip() for line in output.splitlines() if line.strip().startswith("7-Zip")]
    return lines[0] if lines else None


def ratios(speed: Speed | None) -> list[dict[str, Any]]:
    """This machine's result over the Pi 4's, for every published figure we could compare."""
    rows = []
    for reference in REFERENCES:
        here = _here(speed, reference.test)
        if here is not None:
            ratio = round(here / reference.pi4, 2)
            rows.append({**asdict(reference), "here": here, "ratio": ratio})
    return rows


def _here(speed: Speed | None, test: str) -> float | None:
    if speed is None:
        return None
    if test == "sysbench":
        return speed.sysbench
    return speed.seven_zip.get(test.removeprefix("7-zip ")) if speed.seven_zip else None


@dataclass(frozen=True)
class Estimate:
    scalar: tuple[float, float]  # how many times slower a Pi 4 core is, for PocketSphinx
    simd: tuple[float, float]  # the same for Vosk (matrix products)
    source: str
    comparisons: list[dict[str, Any]]

    def for_backend(self, backend: str) -> tuple[float, float]:
        return self.simd if backend.startswith("vosk") else self.scalar

    def for_voice(self, engine: str) -> tuple[float, float]:
        """Piper is ONNX Runtime's matrix products (wide vectors here, NEON on the Pi), like
        Vosk; espeak-ng behind pyttsx3 is scalar C, like PocketSphinx."""
        return self.simd if engine == "piper" else self.scalar

    def as_json(self) -> dict[str, Any]:
        return {"ratio_pocketsphinx": list(self.scalar), "ratio_vosk": list(self.simd),
                "simd_width_factor": SIMD_WIDTH_FACTOR, "source": self.source,
                "comparisons": self.comparisons,
                "budget_share_of_one_core": BUDGET_SHARE_OF_ONE_CORE}


def estimate(speed: Speed | None) -> Estimate:
    comparisons = ratios(speed)
    found = [row["ratio"] for row in comparisons]
    if found:
        scalar = (min(found), max(found))
        source = "measured on this machine against the published Pi 4 figures in comparisons"
    else:
        scalar, source = DEFAULT_SCALAR, DEFAULT_SOURCE
    simd = (scalar[0], round(scalar[1] * SIMD_WIDTH_FACTOR, 2))
    return Estimate(scalar, simd, source, comparisons)


def pi4_share(cpu_per_audio_s: float, ratio: Sequence[float]) -> list[float]:
    """The share of one Pi 4 core, low and high."""
    return [round(cpu_per_audio_s * ratio[0], 5), round(cpu_per_audio_s * ratio[1], 5)]
