"""Where a change comes from: kept on every event as legal evidence."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser


@dataclass(frozen=True)
class ChangeOrigin:
    """Where a change comes from: kept on every event as legal evidence."""

    kind: str
    reference: str = ""
    row_number: int | None = None
    actor: AbstractBaseUser | None = None
    actor_label: str = ""

    def event_fields(self) -> dict[str, Any]:
        label = self.actor_label or (self.actor.get_username() if self.actor else "")
        return {"origin": self.kind, "origin_reference": self.reference[:255],
                "row_number": self.row_number, "actor": self.actor, "actor_label": label}
