"""Each recorded noise is split in time: its first part may train the hearing, the rest is kept
for measuring it. A figure measured on noise the verifier learnt from would flatter it: the same
dishes clatter in the same order."""

from __future__ import annotations

from .source import Samples

TRAINING_SHARE = 0.6  # of each recording, from its start


def _split_at(samples: Samples) -> int:
    return int(len(samples) * TRAINING_SHARE)


def training_part(samples: Samples) -> Samples:
    """The part of a noise recording training may use: its first 60%."""
    return samples[: _split_at(samples)]


def measuring_part(samples: Samples) -> Samples:
    """The part of a noise recording kept for measurement: its last 40%."""
    return samples[_split_at(samples) :]
