"""The label vocabularies, in model output order. Defined once; written into every manifest entry.

The strings are FairFace's own (see the dataset README); the order is the seed's.
Keep this module free of Keras and TensorFlow: data tooling imports it too.
"""

from __future__ import annotations

RACE: tuple[str, ...] = (
    "White",
    "Black",
    "Latino_Hispanic",
    "East Asian",
    "Southeast Asian",
    "Indian",
    "Middle Eastern",
)
AGE: tuple[str, ...] = (
    "0-2",
    "3-9",
    "10-19",
    "20-29",
    "30-39",
    "40-49",
    "50-59",
    "60-69",
    "more than 70",
)
GENDER: tuple[str, ...] = ("Male", "Female")

#: task name -> labels in output order. A task is also the FairFace CSV column it reads.
TASK_LABELS: dict[str, tuple[str, ...]] = {"age": AGE, "gender": GENDER, "race": RACE}


def labels_for(task: str) -> tuple[str, ...]:
    try:
        return TASK_LABELS[task]
    except KeyError:
        raise ValueError(f"unknown task {task!r}; expected one of {sorted(TASK_LABELS)}") from None
