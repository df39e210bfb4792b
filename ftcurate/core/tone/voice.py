"""The house voice and how far each output is from it.

The house voice is the robust centre of the style profiles — per-feature median, with the spread
measured by the median absolute deviation (MAD, scaled to a standard deviation and never below a
per-feature floor) — of the approved outputs when there are enough of them, else of all outputs.
A user target (project setting "tone", e.g. {"formal": true, "emoji": false, "exclamation": false})
moves the centre and adds hard rules.

Distance is measured along a few named dimensions, each a weighted sum of one-sided robust z-scores
beyond a dead zone of `DEAD_ZONE` spreads (small deviations in several features must not add up to a
flag) and clipped at `Z_CAP` (one feature cannot run away with the score):

* casual  — less formal wording, contractions, slang, emoji, exclamation marks, no greeting/sign-off
* curt    — rude words, negative words, no polite words, very short, ALL CAPS (a style cue; whether
  a reply is rude is judged by the learnt model in `ftcurate.core.tone.rude`, kind "rude")
* loud    — exclamation marks, ALL CAPS, emoji
* complex — long sentences, high reading grade
* person  — "I" where the rest say "we", or the reverse
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ftcurate.core.errors import ConfigError
from ftcurate.core.tone.profile import FEATURES, FLOORS, IDX

Z_CAP = 4.0
DEAD_ZONE = 1.0
MAD_TO_SD = 1.4826

# dimension -> [(feature, direction, weight, reason)]; direction +1 = "more than the house" is off.
DIMENSIONS: dict[str, list[tuple[str, int, float, str]]] = {
    "casual": [("formality", -1, 0.75, "informal wording"), ("slang", 1, 1.5, "slang"),
               ("emoji", 1, 1.3, "emoji"), ("contractions", 1, 0.5, "contractions"),
               ("exclaim", 1, 0.4, "exclamation marks"), ("greeting", -1, 0.4, "no greeting"),
               ("signoff", -1, 0.3, "no sign-off")],
    "curt": [("rude", 1, 2.0, "rude words"), ("negative", 1, 0.6, "negative words"),
             ("polite", -1, 0.6, "no polite words"), ("words", -1, 0.6, "very short"),
             ("caps", 1, 0.5, "ALL CAPS")],
    "loud": [("exclaim", 1, 1.0, "exclamation marks"), ("caps", 1, 1.0, "ALL CAPS"), ("emoji", 1, 0.5, "emoji")],
    "complex": [("sent_len", 1, 1.0, "long sentences"), ("grade", 1, 1.0, "hard words")],
    "person": [("we", 0, 1.0, "")],  # direction set from the house voice in `judge`
}
THRESHOLDS = {"casual": 3.0, "curt": 3.0, "loud": 3.5, "complex": 5.0, "person": 2.5}

# A neutral customer-support voice, used when there are too few outputs to learn one (NaN = no opinion).
DEFAULT_CENTER = {"formality": 55.0, "polite": float(np.log1p(1)), "rude": 0.0, "negative": 0.0,
                  "exclaim": 0.0, "emoji": 0.0, "caps": 0.0, "contractions": 2.0, "slang": 0.0,
                  "we": np.nan, "greeting": np.nan, "signoff": np.nan, "sent_len": 16.0, "grade": 8.0,
                  "words": float(np.log1p(40))}

TARGET_KEYS = {"formal": bool, "emoji": bool, "exclamation": bool, "greeting": bool, "signoff": bool,
               "contractions": bool, "slang": bool, "person": str, "max_sentence_words": (int, float),
               "max_grade": (int, float)}


def validate_target(target: Any) -> dict[str, Any]:
    """Check a user tone target; raises ConfigError naming the bad key. None -> {}."""
    if target is None:
        return {}
    if not isinstance(target, dict):
        raise ConfigError(f"tone target must be an object like {{\"formal\": true}}, got {target!r}")
    for k, v in target.items():
        if k not in TARGET_KEYS:
            raise ConfigError(f"unknown tone target {k!r}; known: {', '.join(TARGET_KEYS)}")
        if v is None:
            continue
        if not isinstance(v, TARGET_KEYS[k]) or (TARGET_KEYS[k] is not bool and isinstance(v, bool)):
            raise ConfigError(f"tone target {k!r} has invalid value {v!r}")
        if k == "person" and v.lower() not in ("we", "i"):
            raise ConfigError(f"tone target 'person' must be \"we\" or \"I\", got {v!r}")
    return {k: v for k, v in target.items() if v is not None}


@dataclass
class HouseVoice:
    """Centre and spread per feature, plus the user's hard rules."""

    center: np.ndarray
    scale: np.ndarray
    source: str  # "approved", "all", "default"
    n: int
    target: dict[str, Any] = field(default_factory=dict)
    shares: dict[str, float] = field(default_factory=dict)

    @classmethod
    def fit(cls, profiles: np.ndarray, approved: np.ndarray | None = None, target: dict[str, Any] | None = None,
            min_reference: int = 30, min_outputs: int = 10) -> HouseVoice:
        """Learn the voice from profiles (rows of `FEATURES`).

        Args:
            profiles: (n, len(FEATURES)) array.
            approved: boolean mask of approved rows; used as the reference when it has >= min_reference.
            target: validated user target (see `validate_target`).
            min_outputs: below this, the built-in neutral voice is the centre.
        """
        target = validate_target(target)
        ref, source = profiles, "all"
        if approved is not None and int(approved.sum()) >= min_reference:
            ref, source = profiles[approved], "approved"
        if len(ref) >= min_outputs:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a feature missing everywhere: NaN, floored below
                center = np.nanmedian(ref, axis=0).astype(np.float64)
                mad = np.nanmedian(np.abs(ref - center), axis=0)
            scale = np.maximum(np.nan_to_num(mad * MAD_TO_SD, nan=0.0), FLOORS)
        else:
            source = "default"
            center = np.array([DEFAULT_CENTER[f] for f in FEATURES], dtype=np.float64)
            scale = FLOORS.astype(np.float64).copy()
        shares = {}
        if len(ref):
            with np.errstate(all="ignore"):
                shares = {"greeting": float(np.mean(ref[:, IDX["greeting"]] > 0.5)),
                          "signoff": float(np.mean(ref[:, IDX["signoff"]] > 0.5)),
                          "emoji": float(np.mean(ref[:, IDX["emoji"]] > 0)),
                          "exclamation": float(np.mean(ref[:, IDX["exclaim"]] > 0)),
                          "slang": float(np.mean(ref[:, IDX["slang"]] > 0))}
        voice = cls(center, scale, source, int(len(ref)), target, shares)
        voice._apply_target()
        return voice

    def _apply_target(self) -> None:
        t, c = self.target, self.center
        if t.get("formal") is True:
            c[IDX["formality"]] = max(np.nan_to_num(c[IDX["formality"]], nan=55.0), 55.0)
            for f in ("slang", "emoji", "contractions", "exclaim"):
                c[IDX[f]] = 0.0
        for key, feat in (("emoji", "emoji"), ("exclamation", "exclaim"), ("contractions", "contractions"),
                          ("slang", "slang")):
            if t.get(key) is False:
                c[IDX[feat]] = 0.0
        for key in ("greeting", "signoff"):
            if key in t:
                c[IDX[key]] = 1.0 if t[key] else 0.0
        if "person" in t:
            c[IDX["we"]] = 1.0 if t["person"].lower() == "we" else 0.0

    def describe(self) -> dict[str, Any]:
        """The voice in readable numbers (for summaries, the report and the GUI)."""
        c = self.center

        def num(f: str, nd: int = 1) -> float | None:
            v = c[IDX[f]]
            return None if np.isnan(v) else round(float(v), nd)

        return {"source": self.source, "reference_outputs": self.n, "formality": num("formality"),
                "contractions_per_100_words": num("contractions"), "words_per_sentence": num("sent_len"),
                "reading_grade": num("grade"), "we_share": num("we", 2),
                "typical_words": None if np.isnan(c[IDX["words"]]) else int(round(np.expm1(c[IDX["words"]]))),
                "shares": {k: round(v, 3) for k, v in self.shares.items()}, "target": self.target}


@dataclass
class Judgement:
    """Per-dimension scores and per-component contributions for every profiled text."""

    scores: dict[str, np.ndarray]
    contributions: dict[str, np.ndarray]  # dimension -> (n, components)
    violations: list[list[str]]  # per text: broken user-target rules, in plain words


def judge(voice: HouseVoice, profiles: np.ndarray) -> Judgement:
    """Score every profile against the voice (vectorised)."""
    with np.errstate(all="ignore"):
        z = (profiles.astype(np.float64) - voice.center) / voice.scale
    z = np.nan_to_num(z, nan=0.0)
    scores, contribs = {}, {}
    t = voice.target
    for dim, comps in DIMENSIONS.items():
        cols = []
        for feat, direction, weight, _ in comps:
            if dim == "person":
                c = voice.center[IDX["we"]]
                direction = -1 if c >= 0.7 else 1 if c <= 0.3 else 0
            if dim == "casual" and t.get("formal") is False:
                direction = 0
            if feat == "emoji" and t.get("emoji") is True or feat == "exclaim" and t.get("exclamation") is True:
                direction = 0
            cols.append(weight * np.clip(direction * z[:, IDX[feat]] - DEAD_ZONE, 0.0, Z_CAP))
        mat = np.stack(cols, axis=1) if cols else np.zeros((len(profiles), 0))
        contribs[dim] = mat
        scores[dim] = mat.sum(axis=1)
    return Judgement(scores, contribs, _violations(t, profiles))


def _violations(t: dict[str, Any], p: np.ndarray) -> list[list[str]]:
    rules: list[tuple[np.ndarray, str]] = []
    col = {f: p[:, IDX[f]] for f in FEATURES}
    if t.get("emoji") is False:
        rules.append((col["emoji"] > 0, "emoji"))
    if t.get("exclamation") is False:
        rules.append((col["exclaim"] > 0, "exclamation marks"))
    if t.get("contractions") is False or t.get("formal") is True:
        rules.append((col["contractions"] > 0, "contractions"))
    if t.get("slang") is False or t.get("formal") is True:
        rules.append((col["slang"] > 0, "slang"))
    for key in ("greeting", "signoff"):
        if key in t:
            word = "greeting" if key == "greeting" else "sign-off"
            rules.append(((col[key] < 0.5) if t[key] else (col[key] > 0.5), f"no {word}" if t[key] else word))
    if "person" in t:
        we = np.nan_to_num(col["we"], nan=0.5)
        rules.append(((we < 0.5) if t["person"].lower() == "we" else (we > 0.5),
                      "speaks as 'I'" if t["person"].lower() == "we" else "speaks as 'we'"))
    if "max_sentence_words" in t:
        rules.append((col["sent_len"] > t["max_sentence_words"], "long sentences"))
    if "max_grade" in t:
        rules.append((col["grade"] > t["max_grade"], "hard words"))
    out: list[list[str]] = [[] for _ in range(len(p))]
    for mask, reason in rules:
        for i in np.flatnonzero(mask):
            out[i].append(reason)
    return out
