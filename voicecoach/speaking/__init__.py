"""Speaking: text to speech (Piper, or pyttsx3 as the fallback) into a disk cache, and playback
we can cut off at once."""
