"""`voicecoach bench`: what users feel, measured — accuracy, rejection, latency, CPU, memory,
self-hearing and barge-in — beside the plain approach, in one run."""
