"""A real-time soak of `voicecoach serve` on the virtual ALSA microphone.

    .venv/bin/python scripts/soak --minutes 10 --json reliability-results/soak.json

A user (espeak-ng) says a cycle of commands — start, pause, resume, slower, next, status, stop —
over a steady room noise, for the whole duration, to a `serve` child process. The harness reads
the child's JSON lines as they come and checks that each command was heard and acted on; it
samples the child's memory (VmRSS, RssAnon) and threads every few seconds; at the end it sends
SIGTERM and times the exit. The same audio then goes through `voicecoach listen` on stream time,
to tell what the live path lost from what the recogniser cannot hear. The JSON report ends with
a verdict against the judge's thresholds.

The rooms, in the order a soak passes through them:

- `virtual_mic`: the named pipe the virtual microphone reads, written in real time; its pacing check
- `scripted_user`: what the user says, in which voice, over which room noise
- `coach`: the `serve` child, its JSON lines, memory, threads and exit
- `judge`: each command heard and obeyed, the offline control, the thresholds and the verdict
- `run`: the options, the conductor that says the commands on the wall clock, and the report
- `home`: what they share (a child's private home, the soak's lines on stderr)
"""
