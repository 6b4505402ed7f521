"""Every argument-parsing front of `voicecoach`: `main` builds the parser, and one module per
command group turns its options into the plain arguments of the parts below. Nothing outside
this package imports it (but `voicecoach/__main__.py`)."""

from __future__ import annotations

from .main import main

__all__ = ["main"]
