"""What happened in a session, line by line, with stream or wall-clock timestamps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Entry:
    t: float  # seconds since the session began
    who: str  # "coach", "you", "state" or "note"
    text: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"t": round(self.t, 3), "who": self.who, "text": self.text, **self.detail}

    def as_line(self) -> str:
        minutes, hundredths = divmod(round(self.t * 100), 6000)
        stamp = f"{minutes:02d}:{hundredths / 100:05.2f}"
        if self.who == "you":
            meaning = self.detail.get("intent") or "not a command"
            return f"{stamp}  you:   {self.text}  [{meaning}]"
        if self.who == "coach":
            return f"{stamp}  coach: {self.text}"
        return f"{stamp}  -- {self.text}"
