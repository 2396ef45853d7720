"""The assignments as ``solutions/tasks.toml`` describes them."""

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "autodiff_numpy"
SOLUTIONS = ROOT / "solutions"
ASSIGNMENTS = ROOT / "assignments"
# What running Python, Jupyter and pytest leave in a folder: never part of an assignment or a
# submission, so never released, copied, bundled or fingerprinted.
CACHES = frozenset({"__pycache__", ".ipynb_checkpoints", ".pytest_cache"})


@dataclass(frozen=True)
class Task:
    id: str
    title: str
    points: int
    holes: tuple  # "module:qualified.name"

    @property
    def marker(self):
        """The pytest marker of the task's tests: ``task1_3`` for Task 1.3."""
        return "task" + self.id.replace(".", "_")


@dataclass(frozen=True)
class Assignment:
    name: str
    title: str
    tasks: tuple
    files: dict = field(default_factory=dict)  # release path -> repository path


@dataclass(frozen=True)
class Spec:
    package: str
    assignments: tuple

    def assignment(self, name):
        for assignment in self.assignments:
            if assignment.name == name:
                return assignment
        known = ", ".join(a.name for a in self.assignments)
        raise KeyError(f"no assignment {name!r}; the assignments are {known}")

    def holes_from(self, name):
        """``{module: [(function, task id, title)]}`` for assignment ``name`` and every later one."""
        names = [a.name for a in self.assignments]
        holes = {}
        for assignment in self.assignments[names.index(name) :]:
            for task in assignment.tasks:
                for hole in task.holes:
                    module, function = hole.split(":")
                    holes.setdefault(module, []).append((function, task.id, task.title))
        return holes


def load(path=SOLUTIONS / "tasks.toml"):
    raw = tomllib.loads(Path(path).read_text())
    assignments = tuple(
        Assignment(
            name=a["name"],
            title=a["title"],
            tasks=tuple(
                Task(t["id"], t["title"], t["points"], tuple(t.get("holes", ()))) for t in a["task"]
            ),
            files=dict(a.get("files", {})),
        )
        for a in raw["assignment"]
    )
    return Spec(raw["package"], assignments)
