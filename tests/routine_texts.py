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

# Each kind of mistake the new user made, in one file: an unknown tool, a hold too
# short, a cue the hold never reaches, a rest after the last step and a command as an alias.
# pydantic alone would name the first two and stop there; `check` must name all five, each at
# the line of its own field (the cue at the cue's line, not its step's).
EVERY_KIND_OF_MISTAKE = """\
name: sample
title: Sample
aliases:
  - sample
  - pause
areas: [glutes]
tool: hammer
introduction: Lie down.
steps:
  - title: Knead
    instruction: Knead slowly.
    hold_seconds: 2
    technique: kneading
    rest_seconds: 10
  - title: Circles
    instruction: Small circles.
    hold_seconds: 30
    technique: circular
    cues:
      - at_seconds: 10
        say: Slower now.
      - at_seconds: 999
        say: Circles now.
    rest_seconds: 10
"""
