"""Every sentence the coach says that is not read from a routine, in the order a session meets
them: one file for a physiotherapist to review and for a translation to start from.

A `Phrase` is a template whose `{slots}` the engine fills with `say(**slots)`, which refuses a
slot left out or one the template does not have. A phrase is also its own text (a `str`), so
that the lines made before a session starts (`session/wiring.py`) and the tests can use the
words of a phrase without slots as they are. A `Fragment` is part of a sentence: the engine
closes it with `wording.sentence`, so that a routine's title keeps its own punctuation.

Pure: no I/O. Wording that is deliberate says why beside it. How durations and lists are said
inside these ("2 minutes 30 seconds", "a, b and c") is in wording.py.
"""

from __future__ import annotations

from string import Formatter

# Imports nothing from voicecoach: every module may use it, and no cycle can pass through it.
# Tables are keyed by the values of the core's `StrEnum`s (a `Pressure`, a `Device`).


class Phrase(str):
    """A sentence the coach says, with named `{slots}`."""

    __slots__ = ()

    @property
    def slots(self) -> frozenset[str]:
        return frozenset(name for _, name, _, _ in Formatter().parse(self) if name)

    def say(self, **slots: object) -> str:
        missing, unknown = self.slots - slots.keys(), slots.keys() - self.slots
        if missing or unknown:
            raise ValueError(
                f"{self!r}: missing slots {sorted(missing)}, unknown slots {sorted(unknown)}"
            )
        return str(self.format(**slots)) if slots else str(self)


class Fragment(Phrase):
    """Part of a sentence; the engine adds the full stop (`wording.sentence`)."""

    __slots__ = ()


# --- between sessions --------------------------------------------------------------------------

GREETING = Phrase(
    "Hello. Say start and a routine name, for example start glutes. Say help at any time."
)
GREETING_WITH_WAKE_WORD = Phrase(
    "Hello. Say {wake_word}, start, and a routine name, for example {wake_word}, start glutes."
)
START_HINT = Phrase(
    "Say start and a routine name, for example start glutes, or say list routines."
)
NOTHING_RUNNING = Phrase(f"Nothing is running. {START_HINT}")
# {routines}, {steps}: a count with its noun ("1 step", "3 steps"), from wording.counted.
ROUTINE_LIST = Phrase("I know {routines}: {names}. Say start and a routine name.")
# Pain with no session running: no pressure to ease, so rest, and the professional's name.
IDLE_PAIN_ADVICE = Phrase(
    "Rest, and leave that area alone for now. If the pain is sharp, shooting or does not "
    "settle, please see a professional."
)

# --- before a session: the safety brief and persistent pain ------------------------------------

# The red flags are the ones the guide behind voicecoach names: hip pain after a fall, fever
# with a hot swollen joint, numbness or weakness spreading down the leg, and night pain that will
# not ease are not for self-massage.
SAFETY_BRIEF = Phrase(
    "Before we start, a short safety check. Self-massage is not for every hip pain. "
    "Don't massage, and see a doctor, if you have had a fall or might have a fracture, "
    "if you have a fever with a hot, swollen joint, if numbness or weakness spreads down your "
    "leg, or if pain at night won't ease. Always start gently and build pressure slowly, "
    "and say that hurts at any time."
)
OKAY_TO_CONTINUE = Phrase("Are you okay to continue? Say yes or no.")
PAIN_IN_AREA = Phrase("You've reported pain in your {area} more than once in a day.")
PAIN_IN_SESSIONS = Phrase("You've reported pain in {sessions} sessions in the past two weeks.")
PERSISTENT_PAIN_ADVICE = Phrase(
    "Pain that keeps coming back needs a professional's eye: please see a physiotherapist or "
    "your doctor."
)
# A promise the coach keeps: the session offered here holds light pressure throughout, until the
# user says "firmer".
GENTLE_SESSION_QUESTION = Phrase(
    "Would you still like a gentle session of {title} today? Say yes or no."
)
# Said to a yes/no question that was not answered yes or no ("next", "what?"): briefly, not
# thirty seconds of brief again.
ASK_AGAIN = Phrase("Please say yes or no.")
ASK_AGAIN_BRIEF = Phrase("Please say yes or no. Say safety to hear the safety check again.")
# Said when an answer to a safety question was not heard for certain (the command verifier did
# not single out yes or no), or was only "sure": asking again is better than guessing.
YES_OR_NO_AGAIN = Phrase("Sorry, was that yes or no?")
GOOD_START_HINT = Phrase(f"Good. {START_HINT}")
GOOD_CARRYING_ON = Phrase("Good, carrying on.")
BRIEF_DECLINED = Phrase(
    "Okay, we won't massage today. Please see a physiotherapist or your doctor first, "
    "and take care."
)
PAIN_WARNING_DECLINED = Phrase(
    "Okay, no massage today. Rest, and please see a physiotherapist or your doctor."
)
WONT_START = Phrase("Okay, we won't start.")

# --- the introduction and each step ------------------------------------------------------------

BOTH_SIDES_INTRO = Phrase("We'll work both sides, left first. Say right to start on the right.")
STEP_HEADING = Fragment("Step {number} of {total}: {title}")
FIRST_SIDE = Phrase("{side} side first.")
SECOND_SIDE = Phrase("{side} side now.")
SWITCH_SIDE = Phrase("Switch to your {side} side.")
# How to ask for a level: a stretch has an intensity, a massage a pressure.
USE_PRESSURE = Fragment("Use {level} pressure")
STRETCH_TO = Fragment("Stretch only to a {pull} pull")
STRETCH_PULLS = {"light": "gentle", "medium": "moderate", "firm": "strong"}  # by Pressure
NOW_PRESSURE = Phrase("Now {pressure}.")
TEN_SECONDS_LEFT = Phrase("Ten seconds left.")
REST = Phrase("Rest for {duration}. Next: {title}.")

# --- where we are: repeat, status, carrying on -------------------------------------------------

HOLD_LEFT = Phrase("{title}: {left} left.")
HOLD_LEFT_ON_SIDE = Phrase("{title}, {side} side: {left} left.")
RESTING_LEFT = Phrase("Resting: {left} left.")
NEXT_UP = Phrase("{where} Next: {title}.")
STATUS_STARTING = Phrase("Starting {title}: {steps}, {total} in all.")
STATUS_FINISHING = Phrase("We're finishing up.")
STATUS_RESTING = Phrase("{where} Next is step {number} of {count}: {title}. {total} to go.")
STATUS_STEP = Phrase("Step {number} of {count}. {where} {total} to go.")
STATUS_PAUSED = Phrase("{status} We're paused.")
RUNNING_HELP = Phrase(
    "You can say pause, repeat, next, go back, restart, slower, faster, lighter, firmer, "
    "more time, status, or stop. If anything hurts, say that hurts."
)
PAUSED_HELP = Phrase("Say resume to carry on, repeat to hear the step again, or stop to finish.")

# --- pausing and moving about ------------------------------------------------------------------

# Short on purpose: made before the session starts, so it is heard the moment "pause" is.
PAUSED = Phrase("Paused. Say resume when you're ready.")
ALREADY_PAUSED = Phrase("We're paused. Say resume when you're ready.")
STILL_PAUSED = Phrase("{words} Still paused: say resume when you're ready.")
RESUMING = Phrase("Resuming.")
NOT_PAUSED = Phrase("We're not paused.")
END_OF_ROUTINE = Phrase("This is the end of the routine.")
NOT_STARTED_YET = Phrase("We haven't started the first step yet.")
# "Go back" with nothing before: the step again from its beginning, said as one sentence.
FIRST_STEP_AGAIN = Phrase("This is the first step, so we'll start it again.")
SIDE_FIRST = Phrase("Okay: {side} side first.")
SIDE_FIRST_FROM_NEXT_STEP = Phrase("Okay: from the next step, {side} side first.")
ALREADY_DOING = Phrase("We're already doing {title}.")
SWITCH_QUESTION = Phrase("Stop {current} and start {target} instead? Say yes or no.")
STOPPING_ROUTINE = Phrase("Stopping {title}.")
CARRYING_ON = Phrase("Okay, carrying on.")

# --- adjustments -------------------------------------------------------------------------------

ALREADY_SLOWEST = Phrase("This is already the slowest pace.")
ALREADY_FASTEST = Phrase("This is already the fastest pace.")
SLOWER_LEFT = Phrase("Slower: {left} left on this step.")
FASTER_LEFT = Phrase("Faster: {left} left on this step.")
SLOWER_EACH_HOLD = Phrase("Slower: I'll give each hold more time.")
FASTER_EACH_HOLD = Phrase("Faster: I'll give each hold less time.")
KEEP_LIGHT_AFTER_PAIN = Phrase("Let's keep it light for the rest of this step, since it hurt.")
NO_PRESSURE_TO_CHANGE = Phrase("This step has no pressure to change.")
ALREADY_LIGHTEST = Phrase("That's already the lightest pressure.")
ALREADY_FIRMEST = Phrase("That's already the firmest pressure.")
# After "lighter" no pressure ramp asks for more than the level said here, until "firmer".
LIGHTER = Phrase("Lighter: {pressure}.")
FIRMER = Phrase("Firmer: {pressure}.")
MORE_TIME_LEFT = Phrase("{seconds} more seconds: {left} left.")
MORE_TIME_ADDED = Phrase("I'll add {seconds} seconds to this step.")
VOICE_CHANGED = Phrase("Okay, speaking {change}.")

# --- pain --------------------------------------------------------------------------------------

# Deliberate: ease off at once, the red flag (sharp, shooting) that means stop, and a promise
# the coach keeps (the step's pressure stays light, whatever the plan or "firmer" says).
PAIN_ADVICE = Phrase(
    "Ease off to light pressure now. If the pain is sharp or shooting, stop completely. "
    "I'll keep the pressure light for the rest of this step."
)
# A second report in one session (a routine switched to goes on counting): the coach suggests
# stopping and asks, it does not decide.
# From here the pressure stays light for the rest of the session, until the user says "firmer".
# Anything but an answer (or "repeat") is asked the question alone, not the whole message.
SHALL_WE_STOP = Phrase("Shall we stop? Say yes or no.")
SECOND_PAIN_QUESTION = Phrase(
    "Ease off now. That's the second time it has hurt in this session. I suggest we stop "
    f"here, and see a professional if the pain persists. {SHALL_WE_STOP}"
)
# The third report and every later one: words that stay true however many times it has hurt.
PAIN_AGAIN_QUESTION = Phrase(
    "Ease off now. It keeps hurting: that's more than twice in this session. I suggest we stop "
    "here, and see a professional if the pain persists. Shall we stop? Say yes or no."
)
CARRY_ON_GENTLY = Phrase(
    "Okay, we'll carry on gently: light pressure from now on, and stop if it gets worse."
)

# --- devices -----------------------------------------------------------------------------------

WHAT_WENT_WRONG = {  # by Device
    "microphone": Phrase("I can't hear you: the microphone isn't working."),
    "speech recogniser": Phrase("I can't understand you: the speech recogniser isn't working."),
    "loudspeaker": Phrase("The loudspeaker isn't working, so my words are on the screen."),
    "speech engine": Phrase("My voice isn't working, so my words are on the screen."),
}
FAULT_PAUSED = Phrase("{problem} I've paused the session; I'll carry on when it's back.")
FAULT_RETRYING = Phrase("{problem} I'll keep trying.")
DEVICE_BACK = Phrase("The {device} is back.")
STILL_WAITING = Phrase("{back} Still waiting for the {devices}.")
BACK_CARRYING_ON = Phrase("{back} Carrying on.")

# --- the end -----------------------------------------------------------------------------------

# "Stopping." on its own first: it is made before the session starts, so the answer is heard at
# once while the summary, which has numbers in it, is being synthesised.
STOPPING = Phrase("Stopping.")
STOP_SUMMARY = Phrase("You finished {done} of {steps} in {minutes}.")
STOP_SUMMARY_SKIPPED = Phrase(
    "You finished {done} of {steps} and skipped {skipped}, in {minutes}."
)
END_OF = Fragment("That's the end of {title}")
WELL_DONE = Phrase("Well done: you worked for {minutes}.")
# After a finished session, when the history shows it: how often, and how long without pain.
SESSIONS_IN_A_WEEK = Phrase("That's your {ordinal} session in seven days.")
NO_PAIN_LATELY = Phrase("No pain reported in your last {count} sessions.")
# Said at every end, finished or stopped: self-massage does not replace a professional.
PROFESSIONAL_ADVICE = Phrase(
    "If your pain persists or gets worse, please consult a professional, "
    "such as a physiotherapist or your doctor."
)
