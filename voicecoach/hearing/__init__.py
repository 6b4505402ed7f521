"""Hearing: recognisers that turn 16 kHz audio into command decisions, and their models."""
