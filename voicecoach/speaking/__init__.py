"""Speaking: text to speech (pyttsx3) into a disk cache, and playback we can cut off at once."""
