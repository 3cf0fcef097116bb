"""What a job did, printed by ``iys_sync`` and logged by the tasks."""

from dataclasses import dataclass, field


@dataclass
class JobReport:
    notes: list[str] = field(default_factory=list, kw_only=True)

    def summary(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return "; ".join([self.summary(), *self.notes])
