"""Routine files as a user might write them, for the loader's and `check`'s tests."""

# A routine the loader accepts: the tests make it wrong one mistake at a time.
GOOD = """\
name: sample
title: Sample
aliases: [sample]
areas: [glutes]
tool: hands
introduction: Lie down.
steps:
  - title: Knead
    instruction: Knead slowly.
    hold_seconds: 30
    technique: kneading
"""

# Three mistakes in one file (an unknown tool, a hold too short, an unknown technique), on
# three lines: `check` must report each at its own line.
THREE_MISTAKES = """\
name: sample
title: Sample
aliases: [sample]
areas: [glutes]
tool: hammer
introduction: Lie down.
steps:
  - title: Knead
    instruction: Knead slowly.
    hold_seconds: 2
    technique: kneading
  - title: Wiggle
    instruction: Wiggle.
    hold_seconds: 30
    technique: wiggle
"""
