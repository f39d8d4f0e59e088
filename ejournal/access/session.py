"""Dashboard sessions: a signed-in viewer expires after a stretch of inactivity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ejournal.access.accounts import Clock
from ejournal.access.viewer import Viewer


@dataclass
class Session:
    viewer: Viewer
    last_seen: dt.datetime
    must_change_password: bool = False

    def touch(self, now: dt.datetime, idle_minutes: int) -> bool:
        """Record activity; False (and nothing recorded) when the session has already expired."""
        if now - self.last_seen > dt.timedelta(minutes=idle_minutes):
            return False
        self.last_seen = now
        return True


def now_from(clock: Clock | None) -> dt.datetime:
    return (clock or dt.datetime.now)()
