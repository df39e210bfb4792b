"""The typed health data: exactly the parts the HTML report and the app's Health panel draw.

`ftcurate.core.report.health.health_data` builds a `HealthData`; `HealthData.to_json()` is the plain
form (`ftcurate report --data --json`, the JSON embedded in the HTML page).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class LabelsPart:
    """Examples per label (largest first) and the imbalance figures of the label_imbalance rule.

    ratio: largest / smallest label; entropy: evenness in [0, 1]; median: the typical label size;
    under/over: labels outside the rule; rule: that rule in plain words with this project's numbers.
    """

    counts: dict[str, int] = field(default_factory=dict)
    under: list[str] = field(default_factory=list)
    over: list[str] = field(default_factory=list)
    median: float | None = None
    ratio: float | None = None
    entropy: float | None = None
    unlabelled: int = 0
    by: str = "label"
    rule: str = ""

    @property
    def bars(self) -> list[tuple[str, int]]:
        """(label, examples), largest first, then by name."""
        return sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))


@dataclass
class TonePoint:
    """One answer on the tone map."""

    example_id: int
    x: float
    y: float
    flagged: bool = False
    kind: str | None = None
    tooltip: str = ""


@dataclass
class ToneMap:
    """The first two principal components of the answers' style profiles.

    explained: share of variance of x and y; house_voice: `HouseVoice.describe()` or None.
    """

    points: list[TonePoint] = field(default_factory=list)
    x_label: str = ""
    y_label: str = ""
    explained: list[float] = field(default_factory=list)
    house_voice: dict[str, Any] | None = None


@dataclass
class Lengths:
    """Words per question and per answer: a sample of the values and histogram counts over all."""

    unit: str = "words"
    input: list[int] = field(default_factory=list)
    output: list[int] = field(default_factory=list)
    edges: list[int] = field(default_factory=list)
    input_bins: list[int] = field(default_factory=list)
    output_bins: list[int] = field(default_factory=list)


@dataclass
class ClusterRow:
    """One of the largest open duplicate/conflict clusters; `example_ids` lists the keeper first."""

    check: str
    kind: str | None
    cluster: int
    size: int
    example_ids: list[int]
    preview: str = ""


@dataclass
class Score:
    """A 0-100 quality score (None: its check has not run) with what would raise it."""

    score: int | None
    detail: str = ""
    actions: list[str] = field(default_factory=list)
    how_to_raise: str = ""


@dataclass
class CheckRun:
    """The last run of a check."""

    ran_at: float
    ok: bool
    error: str | None = None


@dataclass
class HealthData:
    """Everything the health report and the Health panel draw.

    stats: `project_stats(project)` (its own documented dict); flags: open flags per check;
    flag_detail: {check: {state: n, "by_kind": {kind: open n}}}; behaviours: stats' behaviour rates;
    check_titles: {check: title}, set by the app's worker so the window need not import every check.
    """

    generated_at: float = 0.0
    project: str = ""
    summary: str = ""
    overall: int | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    labels: LabelsPart = field(default_factory=LabelsPart)
    behaviours: dict[str, Any] = field(default_factory=dict)
    tone_map: ToneMap = field(default_factory=ToneMap)
    lengths: Lengths = field(default_factory=Lengths)
    flags: dict[str, int] = field(default_factory=dict)
    flag_detail: dict[str, dict[str, Any]] = field(default_factory=dict)
    clusters: list[ClusterRow] = field(default_factory=list)
    scores: dict[str, Score] = field(default_factory=dict)
    checks_run: dict[str, CheckRun] = field(default_factory=dict)
    check_titles: dict[str, str] = field(default_factory=dict)  # filled by the app's worker, for bar names

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict with the same field names (nested dataclasses become dicts)."""
        return asdict(self)
