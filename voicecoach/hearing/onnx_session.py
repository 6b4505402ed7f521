"""ONNX Runtime sessions for what listens: the speech embedding and Silero VAD."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def one_thread_session(path: Path) -> Any:
    """`path`'s model on one thread: on a Raspberry Pi the recogniser needs the other cores.
    ImportError when onnxruntime is missing (each caller says how to install it)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), sess_options=options,
                                        providers=["CPUExecutionProvider"])
