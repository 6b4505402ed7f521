"""One dense layer of the command classifier: what `command_classifier.py` runs and what
`classifier_adaptation.py` fine-tunes, in a module of its own so neither imports the other."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Layer:
    weights: Floats  # (inputs, outputs)
    bias: Floats
