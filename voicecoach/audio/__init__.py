"""Audio in: sources that deliver 16 kHz mono 16-bit chunks, whatever the device or file."""

from .source import SAMPLE_RATE, AudioError, AudioSource

__all__ = ["SAMPLE_RATE", "AudioError", "AudioSource"]
