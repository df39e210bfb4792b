"""Tone consistency: outputs that do not sound like the rest of the data.

Each final assistant output gets a style profile (`ftcurate.core.tone.profile`); the house voice is
their robust centre, or the user's target (project setting "tone"); outputs far from it along one of
the dimensions in `ftcurate.core.tone.voice` get a `tone` flag whose kind is the dimension and whose
message says why in plain words, e.g. "much more casual than the rest: slang ('ur', 'wanna'), emoji,
no greeting" or "curt: very short, no polite words".

Rudeness is not a style distance: kind "rude" comes from a learnt classifier over the answers'
sentence embeddings (`ftcurate.core.tone.rude`), so a sarcastic or confrontational reply is caught
without swear words, whatever the house voice is.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from ftcurate.core.checks.base import Check, CheckContext, CheckResult, CheckSummary, Flag, register_check
from ftcurate.core.errors import ConfigError
from ftcurate.core.progress import Progress
from ftcurate.core.tone.formality import FormalityScorer
from ftcurate.core.tone.profile import IDX, cached_profiles
from ftcurate.core.tone.surface import Hits, surface_features
from ftcurate.core.tone.voice import DIMENSIONS, THRESHOLDS, HouseVoice, Judgement, judge, validate_target

HEADLINES = {"casual": ("much more casual", "more casual"), "loud": ("much louder", "louder"),
             "complex": ("much harder to read", "harder to read")}
KINDS = (*DIMENSIONS, "rude")  # style dimensions, and the learnt rudeness model
SEVERITY = {"casual": "low", "curt": "low", "rude": "medium", "loud": "low", "complex": "low", "person": "info",
            "target": "medium"}
WORD_EXAMPLES = {"slang": "slang", "rude words": "rude", "negative words": "negative", "emoji": "emoji",
                 "ALL CAPS": "caps"}


def _quote(words: list[str], n: int = 3, keep_case: bool = False) -> str:
    uniq = list(dict.fromkeys(w if keep_case or len(w) <= 1 else w.lower() for w in words))[:n]
    return ", ".join("lower-case 'i'" if w in ("i", "i'm", "i've", "i'll", "i'd") else f"'{w}'" for w in uniq)


def explain(dim: str, contributions: np.ndarray, text: str, voice: HouseVoice, profile: np.ndarray,
            strong: bool) -> str:
    """One line in plain words for a flagged output."""
    if dim == "person":
        return ("speaks as 'I' where the rest say 'we'" if voice.center[IDX["we"]] >= 0.7
                else "speaks as 'we' where the rest say 'I'")
    comps = DIMENSIONS[dim]
    order = np.argsort(-contributions)
    top = contributions[order[0]] if len(order) else 0.0
    hits = Hits()
    surface_features(text, hits)
    reasons = []
    for j in order:
        c = contributions[j]
        if c < 0.5 or c < 0.25 * top:
            break
        reason = comps[j][3]
        field = WORD_EXAMPLES.get(reason)
        words = getattr(hits, field) if field else []
        if reason == "slang":
            dropped = [w for w in words if w.endswith(" …")]
            words = [w for w in words if not w.endswith(" …")]
            parts = ([f"slang ({_quote(words)})"] if words else []) + \
                ([f"no subject ('{dropped[0]}')"] if dropped else [])
            reason = ", ".join(parts) or reason
        elif words:
            reason = f"{reason} ({_quote(words, keep_case=field == 'caps')})"
        elif reason == "long sentences":
            reason = (f"long sentences ({profile[IDX['sent_len']]:.0f} words on average, "
                      f"usually {voice.center[IDX['sent_len']]:.0f})")
        elif reason == "hard words":
            reason = f"reading grade {profile[IDX['grade']]:.0f} (usually {voice.center[IDX['grade']]:.0f})"
        reasons.append(reason)
    if dim == "curt":
        return "curt: " + ", ".join(reasons)
    return f"{HEADLINES[dim][0 if strong else 1]} than the rest: " + ", ".join(reasons)


def _output_turn(messages_json: str | None) -> int | None:
    if not messages_json:
        return None
    try:
        msgs = json.loads(messages_json)
    except ValueError:
        return None
    for i in range(len(msgs) - 1, -1, -1):
        if msgs[i].get("role") == "assistant":
            return i
    return None


@register_check
class ToneCheck(Check):
    name = "tone"
    columns = ("id", "status", "output", "messages")
    title = "Tone consistency"
    description = "Answers that do not sound like the rest: casual, rude, loud, hard to read, I vs we."
    defaults: dict[str, Any] = {
        "target": None,  # None: project setting "tone"; {} or a target dict overrides it
        "thresholds": {},  # per dimension, see ftcurate.core.tone.voice.THRESHOLDS
        "dimensions": list(KINDS),
        "min_reference": 30,  # approved outputs needed before they alone define the house voice
        "min_outputs": 10,  # fewer outputs: a built-in neutral support voice is used
        "formality_mode": "auto",  # auto | tagger | lexicon
        "formality_sample": 600,
    }

    def validate_config(self, config: dict[str, Any]) -> None:
        validate_target(config.get("target"))
        for dim in list(config.get("thresholds") or {}) + list(config.get("dimensions") or []):
            if dim not in KINDS:
                raise ConfigError(f"tone: unknown dimension {dim!r}; known: {', '.join(KINDS)}")
        cut = (config.get("thresholds") or {}).get("rude")
        if cut is not None and (not isinstance(cut, int | float) or isinstance(cut, bool) or not 0 < cut < 1):
            raise ConfigError(f"tone: the rude threshold is a probability between 0 and 1, got {cut!r}")
        if config.get("formality_mode", "auto") not in ("auto", "tagger", "lexicon"):
            raise ConfigError(f"tone: formality_mode must be auto, tagger or lexicon, "
                              f"got {config.get('formality_mode')!r}")

    def run(self, ctx: CheckContext, progress: Progress) -> CheckResult:
        cfg = {**self.defaults, **ctx.config}
        self.validate_config(cfg)
        target = cfg.get("target")
        if target is None and ctx.project is not None:
            target = ctx.project.get_setting("tone")
        target = validate_target(target)
        frame = ctx.frame
        outputs = frame["output"].fill_null("").to_list() if len(frame) else []
        keep = np.array([bool(t.strip()) for t in outputs], dtype=bool)
        rows = np.flatnonzero(keep)
        texts = [outputs[i] for i in rows]
        scorer = FormalityScorer(mode=cfg["formality_mode"], sample=int(cfg["formality_sample"]),
                                 project=ctx.project)
        profiles = cached_profiles(ctx.project, texts, scorer, progress)
        approved = None
        if "status" in frame.columns and len(rows):
            approved = (frame["status"].to_numpy()[rows] == "approved")
        voice = HouseVoice.fit(profiles, approved, target, int(cfg["min_reference"]), int(cfg["min_outputs"]))
        judgement = judge(voice, profiles)
        rude_p, rude_note = None, "off"
        if "rude" in (cfg.get("dimensions") or KINDS):
            rude_p, rude_note = _rude(texts, ctx.project, progress)
        flags = self._flags(ctx, cfg, rows, texts, profiles, voice, judgement, rude_p)
        summary = {"outputs": len(texts), "house_voice": voice.describe(), "formality_tagged": scorer.tagged,
                   "thresholds": {**THRESHOLDS, **(cfg.get("thresholds") or {})}, "rude_model": rude_note}
        return CheckResult(flags, CheckSummary.of(flags, details=summary))

    def _flags(self, ctx: CheckContext, cfg: dict[str, Any], rows: np.ndarray, texts: list[str],
               profiles: np.ndarray, voice: HouseVoice, j: Judgement,
               rude_p: np.ndarray | None = None) -> list[Flag]:
        thresholds = {**THRESHOLDS, **(cfg.get("thresholds") or {})}
        ids = ctx.frame["id"].to_list()
        msgs = ctx.frame["messages"].to_list() if "messages" in ctx.frame.columns else None
        flags: list[Flag] = []
        turn_cache: dict[int, int | None] = {}

        def turn(r: int) -> int | None:
            if msgs is None:
                return None
            if r not in turn_cache:
                turn_cache[r] = _output_turn(msgs[r])
            return turn_cache[r]

        if rude_p is not None:
            from ftcurate.core.tone.rude import RudeModel

            cut = float(thresholds.get("rude") or RudeModel.load().threshold)
            for k in np.flatnonzero(rude_p >= cut):
                p = float(rude_p[k])
                words = Hits()
                surface_features(texts[k], words)
                msg = f"sounds rude or confrontational (rudeness score {p:.2f}, flagged from {cut:.2f})"
                if words.rude:
                    msg += f": rude words ({_quote(words.rude)})"
                r = int(rows[k])
                flags.append(Flag(example_id=int(ids[r]), check=self.name, kind="rude", turn=turn(r),
                                  severity="high" if p >= 0.9 or words.rude else SEVERITY["rude"],
                                  message=msg, score=round(p, 3), data={"threshold": cut}))
        for dim in [d for d in (cfg.get("dimensions") or list(KINDS)) if d in DIMENSIONS]:
            thr = float(thresholds[dim])
            for k in np.flatnonzero(j.scores[dim] >= thr):
                score = float(j.scores[dim][k])
                strong = score >= 2 * thr
                msg = explain(dim, j.contributions[dim][k], texts[k], voice, profiles[k], strong)
                sev = SEVERITY[dim]
                if dim == "curt" and profiles[k, IDX["rude"]] > 0:
                    sev = "medium"
                elif dim == "casual" and strong:
                    sev = "medium"
                r = int(rows[k])
                flags.append(Flag(example_id=int(ids[r]), check=self.name, severity=sev, message=msg, kind=dim,
                                  turn=turn(r), score=round(score, 3), data={"threshold": thr}))
        for k, broken in enumerate(j.violations):
            if broken:
                r = int(rows[k])
                wanted = ", ".join(_target_words(voice.target))
                flags.append(Flag(example_id=int(ids[r]), check=self.name, severity=SEVERITY["target"],
                                  message=f"breaks the house style you set ({wanted}): " + ", ".join(broken),
                                  kind="target", turn=turn(r), data={"broken": broken}))
        return flags


def _rude(texts: list[str], project, progress: Progress) -> tuple[np.ndarray | None, str]:
    """p(rude) per text, or (None, why) when the embedding model is not installed."""
    from ftcurate.core.tone.rude import MODEL_FILE, rude_probabilities

    if not MODEL_FILE.is_file():
        return None, "unavailable: the rudeness model file is missing from the installation"
    try:
        return rude_probabilities(texts, project, progress), "on"
    except ConfigError as exc:
        return None, f"unavailable: {exc.message}"


def _target_words(t: dict[str, Any]) -> list[str]:
    words = []
    if "formal" in t:
        words.append("formal" if t["formal"] else "casual is fine")
    for key, yes, no in (("emoji", "emoji allowed", "no emoji"), ("exclamation", "exclamation allowed",
                         "no exclamation marks"), ("contractions", "contractions allowed", "no contractions"),
                         ("slang", "slang allowed", "no slang"), ("greeting", "greeting", "no greeting"),
                         ("signoff", "sign-off", "no sign-off")):
        if key in t:
            words.append(yes if t[key] else no)
    if "person" in t:
        words.append(f"speak as '{t['person']}'")
    if "max_sentence_words" in t:
        words.append(f"sentences up to {t['max_sentence_words']} words")
    if "max_grade" in t:
        words.append(f"reading grade up to {t['max_grade']}")
    return words
