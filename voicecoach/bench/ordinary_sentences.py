"""Ordinary sentences the coach must not act on: household talk, television and radio, phone
calls, and sentences with command words in other senses ("i stopped by the shop", "go forward
ten metres", "turn left at the lights").

HELD OUT: these sentences are for measuring only and must NEVER be used for training (not in
`voicecoach/training/negatives.py`, not as augmentation, not to tune a threshold): the
benchmark's "ordinary sentences acted on" is only honest while the verifier has never heard
them. `tests/test_bench.py` checks that none of them is, or contains, a training negative.
"""

from __future__ import annotations

HOUSEHOLD = (
    "i stopped by the shop on the way home",
    "my hip is a bit sore today",
    "yes i suppose you could say that",
    "could you put the kettle on for me",
    "the neighbours are having a party again",
    "did anyone remember to take the bins out",
    "i left my umbrella on the train",
    "we ran out of washing up liquid",
    "he wants to go skiing next winter",
    "nobody told me the meeting was moved",
    "the back door keeps sticking in the damp",
    "she paused for a moment and then laughed",
    "i need to start saving for a new car",
    "can you give me a hand with the shopping",
    "the news about the factory really hurts the town",
    "we could repaint the hallway in the spring",
    "is there any more of that soup left over",
    "the cat knocked a glass off the table",
    "remind me to ring the dentist on thursday",
    "the heating comes on at six every morning",
    "my sister is visiting with the children",
    "those shoes look far too small for him",
    "i can never remember where i parked",
    "the baby finally went down for a nap",
    "did you see the state of the garden after the storm",
)
DIRECTIONS = (
    "go forward ten metres and then turn around",
    "turn left at the lights",
    "keep right when the road splits in two",
    "the station is straight ahead past the church",
    "take the second exit at the roundabout",
    "it's on the right just after the bakery",
)
TELEVISION = (
    "good evening and welcome to the six o'clock news",
    "the government has announced a review of rail fares",
    "rain will spread from the west during the afternoon",
    "after the break we meet a chef who grows her own herbs",
    "the home side are pressing for an equaliser",
    "and that's a yellow card for the defender",
    "the markets closed higher on hopes of lower interest rates",
    "firefighters were called to a warehouse near the docks",
    "the band are back on tour for the first time in ten years",
    "this programme contains scenes some viewers may find upsetting",
    "coming up, how to keep your energy bills down this winter",
    "the detective knew the butler was lying",
    "we interrupt this programme for a special announcement",
    "the winner will take home fifty thousand pounds",
    "join us again next week for another episode",
)
PHONE = (
    "hello, can you hear me now, the signal is terrible",
    "i'm just calling to confirm my appointment",
    "sorry, you broke up there, say that one more time",
    "hang on, i'll put you on speaker",
    "your call is important to us, please stay on the line",
    "i'll text you the address when i get there",
    "mum says hello and asks when you're coming round",
    "can i ring you back in about ten minutes",
    "press one for billing or two for technical support",
    "no worries, talk to you later, bye",
)
COMMAND_WORDS_IN_OTHER_SENSES = (
    "the bus stop has moved across the road",
    "there's no place like home",
    "you were right about the weather",
    "i'll pause the recording while we talk",
    "we should start the recipe with the onions",
    "the next train leaves at twenty past",
    "the doctor said the stiffness should ease with stretching",
    "press harder on the stain and it will lift",
    "could you speak up a little, i can't hear you",
    "the faster runners set off first",
    "skip the ads and go to the film",
    "she left the party early",
    "i'm done with this book, do you want it",
    "what time does the pharmacy close",
    "the pressure in the tyres looks a bit low",
    "let's hold off on ordering until everyone arrives",
    "yes, the parcel came this morning",
    "my back has been much better since the physio",
)

ORDINARY_SENTENCES: tuple[str, ...] = (
    *HOUSEHOLD, *DIRECTIONS, *TELEVISION, *PHONE, *COMMAND_WORDS_IN_OTHER_SENSES,
)
