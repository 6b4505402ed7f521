"""Running a session: the engine wired to hearing, speaking and a display, on some clock."""
