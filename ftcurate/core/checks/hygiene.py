"""Hygiene: the small breakages nobody sees in a spreadsheet and every model copies.

Kinds (flag `kind`): empty (an empty or whitespace-only turn), short (an answer under `min_words`
words), truncated (the answer stops mid-sentence), placeholder (`{{Order Number}}`, `[NAME]`, `%s`,
`<insert ...>` left in a turn), markup (HTML or markdown residue), language (a turn in another language
than the project's), too_long (more tokens than the target model's context window, counted with its
real tokenizer and chat template), boilerplate (the same opening as a large share of the answers),
mojibake (text read with the wrong encoding, "Whatâ€™s", that the import clean-up could not repair).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import numpy as np
import polars as pl

from ftcurate.core.checks.base import Check, CheckContext, CheckResult, CheckSummary, Flag, register_check
from ftcurate.core.checks.example_cache import BATCH, per_example
from ftcurate.core.errors import ConfigError
from ftcurate.core.hygiene import language as lang_mod
from ftcurate.core.hygiene.rules import find_markup, find_mojibake, find_placeholders, opening, truncation
from ftcurate.core.hygiene.tokens import cheap_bound
from ftcurate.core.progress import Progress
from ftcurate.core.records import pair_to_messages, settings_digest, text_hash

KINDS = ("empty", "short", "truncated", "placeholder", "markup", "language", "too_long", "boilerplate",
         "mojibake")
MAX_SPANS_PER_TURN = 10
LANG_CACHE_NS = "lang.v1"
ENTRY_CACHE_NS = "hygiene.entry.v1"  # per content hash: text-rule flags, language targets, bound, opening


def frame_chats(frame) -> list[list[dict]]:
    """Messages of every row: parsed from `messages`, or built from input/output when absent."""
    if "messages" in frame.columns:
        out = []
        for raw, inp, outp in zip(frame["messages"].to_list(),
                                  frame["input"].to_list() if "input" in frame.columns else [None] * len(frame),
                                  frame["output"].to_list() if "output" in frame.columns else [None] * len(frame),
                                  strict=True):
            try:
                msgs = json.loads(raw) if raw else None
            except ValueError:
                msgs = None
            out.append(msgs if isinstance(msgs, list) else pair_to_messages(inp or "", outp or ""))
        return out
    return [pair_to_messages(i or "", o or "") for i, o in
            zip(frame["input"].fill_null("").to_list(), frame["output"].fill_null("").to_list(), strict=True)]


def _last(msgs: list[dict], role: str, before: int | None = None) -> int | None:
    end = len(msgs) if before is None else before
    for i in range(end - 1, -1, -1):
        if msgs[i].get("role") == role:
            return i
    return None


@register_check
class HygieneCheck(Check):
    name = "hygiene"
    columns = ("id", "content_hash", "messages", "input", "output")
    title = "Hygiene"
    description = ("Empty turns, very short or cut-off answers, leftover placeholders, HTML/markdown, "
                   "wrong language, too many tokens, boilerplate openings.")
    defaults: dict[str, Any] = {
        "kinds": list(KINDS),
        "min_words": 3,
        "language": None,  # ISO code; None: project setting "language", else the majority of the answers
        "language_confidence": 0.9,
        "language_min_letters": 25,
        "model": None,  # None: SmolLM2-135M-Instruct (built in); or a local Hugging Face folder
        "max_tokens": None,  # None: the model's context window
        "markdown": True,  # flag markdown syntax (set False when the model should write markdown)
        "redaction_tags": False,  # treat <PERSON>-style redaction tags as placeholders
        "boilerplate_words": 4,
        "boilerplate_share": 0.2,
        "boilerplate_min": 5,
    }

    def validate_config(self, config: dict[str, Any]) -> None:
        for k in config.get("kinds") or []:
            if k not in KINDS:
                raise ConfigError(f"hygiene: unknown kind {k!r}; known: {', '.join(KINDS)}")
        lang = config.get("language")
        if lang is not None and lang not in lang_mod.LANGUAGES:
            raise ConfigError(f"hygiene: unknown language code {lang!r}")
        mt = config.get("max_tokens")
        if mt is not None and (not isinstance(mt, int) or mt <= 0):
            raise ConfigError(f"hygiene: max_tokens must be a positive integer, got {mt!r}")
        share = config.get("boilerplate_share", 0.2)
        if not isinstance(share, int | float) or not 0 < share <= 1:
            raise ConfigError(f"hygiene: boilerplate_share must be in (0, 1], got {share!r}")

    def run(self, ctx: CheckContext, progress: Progress) -> CheckResult:
        cfg = {**self.defaults, **ctx.config}
        self.validate_config(cfg)
        kinds = set(cfg.get("kinds") or KINDS)
        frame = ctx.frame
        ids = [int(i) for i in frame["id"].to_list()]
        progress.set_status("Hygiene: text rules")
        progress.set_total(len(ids))
        # What one example's entry depends on besides its messages (see `_entries`).
        shaping = {k: cfg[k] for k in ("min_words", "markdown", "redaction_tags", "boilerplate_words",
                                       "language_min_letters")}
        namespace = f"{ENTRY_CACHE_NS}:{settings_digest({'kinds': sorted(kinds), **shaping})}"
        keys, values, computed = per_example(
            ctx.project, namespace, frame.select([c for c in ("id", "content_hash", "messages", "input", "output")
                                                  if c in frame.columns]),
            lambda part: self._entries(ctx, part, kinds, cfg), progress)
        rows = _Entries(ids, keys, values)
        del values, keys  # decoded into `rows`
        flags: list[Flag] = []
        for r, found in rows.flagged():
            for sev, msg, kind, turn, start, end, data in found:
                flags.append(Flag(ids[r], self.name, sev, msg, kind=kind, turn=turn, start=start, end=end,
                                  data=data))
        progress.set_progress(len(ids))
        summary: dict[str, Any] = {"examples_computed": computed}
        if "language" in kinds:
            flags.extend(self._language(ctx, frame, rows, cfg, summary, progress))
        if "too_long" in kinds:
            flags.extend(self._too_long(frame, rows, cfg, summary, progress))
        if "boilerplate" in kinds:
            flags.extend(self._boilerplate(rows, cfg, summary))
        counts = Counter(f.kind for f in flags)
        by_kind = {k: counts.get(k, 0) for k in KINDS if k in kinds}
        return CheckResult(flags, CheckSummary.of(flags, by_kind=by_kind, details=summary))

    def _entries(self, ctx: CheckContext, part, kinds: set[str], cfg: dict[str, Any]) -> list[bytes]:
        """The cached entry of each row of `part`: JSON of [text-rule flags (severity, message, kind,
        turn, start, end, data), language targets (turn, is_answer, surely English,
        detection "code:p" or None), cheap token bound, answer opening]. A pure function of the
        messages and the settings in the namespace; detection runs here only for texts that are not
        surely English (through the language cache)."""
        chats = frame_chats(part)
        out: list[list] = []
        pending: dict[str, str] = {}  # text hash -> text still to detect
        for msgs in chats:
            fl = [[f.severity, f.message, f.kind, f.turn, f.start, f.end, f.data]
                  for f in self._text_rules(0, msgs, kinds, cfg)]
            targets = []
            if "language" in kinds:
                ans = _last(msgs, "assistant")
                q = _last(msgs, "user", ans)
                for turn, is_answer in ((ans, 1), (q, 0)):
                    if turn is None:
                        continue
                    text = str(msgs[turn].get("content") or "")
                    sure = lang_mod.surely_english(text)
                    if not sure:
                        pending.setdefault(text_hash(text), text)
                    targets.append([turn, is_answer, int(sure), text_hash(text) if not sure else None])
            bound = cheap_bound(msgs) if "too_long" in kinds else 0
            op = None
            if "boilerplate" in kinds:
                ans = _last(msgs, "assistant")
                text = str(msgs[ans].get("content") or "") if ans is not None else ""
                op = (opening(text, int(cfg["boilerplate_words"])) if text.strip() else "") or None
            out.append([fl, targets, bound, op])
        if pending:
            found = self._detect(ctx, pending, int(cfg["language_min_letters"]))
            for e in out:
                for t in e[1]:
                    if not t[2]:
                        t[3] = found[t[3]]
        return [json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode() for e in out]

    def _detect(self, ctx: CheckContext, texts: dict[str, str], min_letters: int) -> dict[str, str]:
        """Detected language ("code:p", p to 4 decimals) of texts by hash, through the project cache."""
        cached = ctx.project.cache_get(LANG_CACHE_NS, list(texts)) if ctx.project else {}
        out = {h: v.decode() for h, v in cached.items()}
        fresh: dict[str, bytes] = {}
        for h, t in texts.items():
            if h not in out:
                lang, p = lang_mod.detect(t, min_letters)
                out[h] = f"{lang or ''}:{p:.4f}"
                fresh[h] = out[h].encode()
        if ctx.project is not None and fresh:
            ctx.project.cache_put(LANG_CACHE_NS, fresh)
        return out

    # -- per-example rules --------------------------------------------------------------------------
    def _text_rules(self, ex_id: int, msgs: list[dict], kinds: set[str], cfg: dict[str, Any]) -> list[Flag]:
        out: list[Flag] = []
        add = out.append
        ans = _last(msgs, "assistant")
        if "empty" in kinds:
            for i, m in enumerate(msgs):
                if not str(m.get("content") or "").strip():
                    add(Flag(ex_id, self.name, "high", f"the {m.get('role', '?')} turn is empty", kind="empty", turn=i))
            if ans is None:
                add(Flag(ex_id, self.name, "high", "there is no assistant answer to learn", kind="empty"))
        answer = str(msgs[ans].get("content") or "") if ans is not None else ""
        if answer.strip():
            n_words = len(answer.split())
            if "short" in kinds and n_words < int(cfg["min_words"]):
                add(Flag(ex_id, self.name, "low", f"very short answer ({n_words} word{'s' if n_words != 1 else ''}:"
                         f" '{answer.strip()[:40]}')", kind="short", turn=ans, data={"words": n_words}))
            if "truncated" in kinds:
                tr = truncation(answer)
                if tr:
                    add(Flag(ex_id, self.name, tr.severity, f"the answer looks cut off: {tr.detail} "
                             f"('…{tr.text.strip()[-30:]}')", kind="truncated", turn=ans))
        for i, m in enumerate(msgs):
            content = str(m.get("content") or "")
            if not content:
                continue
            is_answer = m.get("role") == "assistant"
            if "placeholder" in kinds:
                for f in find_placeholders(content, bool(cfg["redaction_tags"]))[:MAX_SPANS_PER_TURN]:
                    add(Flag(ex_id, self.name, "medium" if is_answer else "low",
                             f"leftover template placeholder '{f.text}'", kind="placeholder", turn=i,
                             start=f.start, end=f.end))
            if "markup" in kinds and ("<" in content or "&" in content or "*" in content or "#" in content
                                      or "[" in content or "`" in content or "|" in content or "_" in content):
                for f in find_markup(content, bool(cfg["markdown"])):
                    add(Flag(ex_id, self.name, f.severity if is_answer else "low",
                             f"{f.detail} left in the text: '{f.text[:40]}'", kind="markup", turn=i,
                             start=f.start, end=f.end))
            if "mojibake" in kinds and (f := find_mojibake(content)) is not None:
                add(Flag(ex_id, self.name, f.severity, f"{f.detail}: '{f.text}'", kind="mojibake", turn=i,
                         start=f.start, end=f.end))
        return out

    # -- language ---------------------------------------------------------------------------------
    def _language(self, ctx: CheckContext, frame, rows: _Entries, cfg: dict[str, Any], summary: dict[str, Any],
                  progress: Progress) -> list[Flag]:
        """A turn is flagged when its language is another than the project's with probability >=
        language_confidence. In an English project a surely-English text is English (no detection)."""
        progress.set_status("Hygiene: language")
        min_letters = int(cfg["language_min_letters"])
        project_lang = cfg.get("language")
        if project_lang is None and ctx.project is not None:
            project_lang = ctx.project.get_setting("language")
        if project_lang is None:  # the majority language of an evenly spread sample of answers
            answers = np.flatnonzero(rows.t_ans == 1)
            sample = answers[::max(1, len(answers) // 400)]
            found = self._real_detections(ctx, frame, rows, sample, min_letters)
            votes = Counter(found[int(t)][0] for t in sample if found[int(t)][0])
            project_lang = votes.most_common(1)[0][0] if votes else "en"
        english = project_lang == "en"
        # each target's (language, p): its detection in the entry, the shortcut, or a detection now
        langs: dict[str | None, int] = {None: -1}
        det = [_parse_detection(d) for d in rows.dets]
        det_lang = np.array([langs.setdefault(lang, len(langs) - 1) for lang, _ in det] + [-1], dtype=np.int64)
        det_p = np.array([p for _, p in det] + [0.0])
        lang_id = det_lang[rows.t_det]  # t_det == -1 picks the trailing "no detection"
        prob = det_p[rows.t_det]
        if english:
            short = (rows.t_det < 0) & (rows.t_sure == 1)
            lang_id[short] = langs.setdefault("en", len(langs) - 1)
            prob[short] = 1.0
        need = np.flatnonzero((rows.t_det < 0) & ~((rows.t_sure == 1) & english))
        for t, (lang, p) in self._real_detections(ctx, frame, rows, need, min_letters).items():
            lang_id[t] = langs.setdefault(lang, len(langs) - 1)
            prob[t] = p
        names = [lang for lang in langs if lang is not None]
        ans = np.flatnonzero((rows.t_ans == 1) & (lang_id >= 0))
        counts = np.bincount(lang_id[ans], minlength=len(names))
        first = np.full(len(names), len(rows.t_ans))
        np.minimum.at(first, lang_id[ans], ans)
        order = sorted((k for k in range(len(names)) if counts[k]), key=lambda k: (-counts[k], first[k]))
        summary["language"] = {"project": project_lang, "answers": {names[k]: int(counts[k]) for k in order[:10]}}
        conf = float(cfg["language_confidence"])
        other = (lang_id >= 0) & (prob >= conf)
        if project_lang in langs:
            other &= lang_id != langs[project_lang]
        out: list[Flag] = []
        for t in np.flatnonzero(other):
            lang, is_answer = names[lang_id[t]], bool(rows.t_ans[t])
            out.append(Flag(rows.ids[rows.t_row[t]], self.name, "medium" if is_answer else "low",
                            f"the {'answer' if is_answer else 'question'} is in "
                            f"{lang_mod.language_name(lang)}, not {lang_mod.language_name(project_lang)}",
                            kind="language", turn=int(rows.t_turn[t]), score=round(float(prob[t]), 3),
                            data={"language": lang}))
        return out

    def _real_detections(self, ctx: CheckContext, frame, rows: _Entries, targets: np.ndarray,
                         min_letters: int) -> dict[int, tuple[str | None, float]]:
        """Detected (language, p) of targets (indices into rows.t_*), without the surely-English
        shortcut: from the entry, else the language cache, else the model on the row's text."""
        out: dict[int, tuple[str | None, float]] = {}
        todo: list[int] = []
        for t in targets.tolist():
            if rows.t_det[t] >= 0:
                out[t] = _parse_detection(rows.dets[rows.t_det[t]])
            else:
                todo.append(t)
        for s in range(0, len(todo), BATCH):
            part = todo[s:s + BATCH]
            first = sorted({int(rows.t_row[t]) for t in part})
            chats = dict(zip(first, frame_chats(frame.select(pl.all().gather(first))), strict=True))
            texts: dict[str, str] = {}
            hash_of: dict[int, str] = {}
            for t in part:
                text = str(chats[int(rows.t_row[t])][int(rows.t_turn[t])].get("content") or "")
                hash_of[t] = h = text_hash(text)
                texts.setdefault(h, text)
            found = self._detect(ctx, texts, min_letters)
            for t, h in hash_of.items():
                out[t] = _parse_detection(found[h])
        return out

    # -- tokens -----------------------------------------------------------------------------------
    def _too_long(self, frame, rows: _Entries, cfg: dict[str, Any], summary: dict[str, Any],
                  progress: Progress) -> list[Flag]:
        from ftcurate.core.hygiene.tokens import known_context, token_counter

        progress.set_status("Hygiene: token counts")
        limit0 = cfg.get("max_tokens") or known_context(cfg.get("model"))
        if limit0 and int(rows.bound.max(initial=0)) <= limit0:
            # no chat is long enough to matter: spare loading transformers and the tokenizer
            summary["tokens"] = {"model": cfg.get("model") or "SmolLM2-135M-Instruct", "limit": int(limit0),
                                 "exact": True, "tokenised": 0, "note": "no chat is near the limit"}
            return []
        counter = token_counter(cfg.get("model"))
        limit = int(cfg.get("max_tokens") or counter.context)
        candidates: list[tuple[int, list[dict]]] = []
        for s in range(0, frame.height, BATCH):
            part = frame.slice(s, BATCH)
            for k, msgs in enumerate(frame_chats(part)):
                if msgs and counter.upper_bound(msgs) > limit:
                    candidates.append((s + k, msgs))
        counts = counter.count([msgs for _, msgs in candidates])
        summary["tokens"] = {"model": counter.model, "limit": limit, "exact": counter.exact,
                             "tokenised": len(candidates), "note": counter.reason or None}
        how = "" if counter.exact else f" (estimated: {counter.reason})"
        out = []
        for (r, _), n in zip(candidates, counts, strict=True):
            if n > limit:
                out.append(Flag(rows.ids[r], self.name, "high",
                                f"{n:,} tokens with the chat template, over the {limit:,}-token limit of "
                                f"{counter.model}: training would cut it{how}", kind="too_long",
                                data={"tokens": n, "limit": limit, "exact": counter.exact}))
        return out

    # -- boilerplate ------------------------------------------------------------------------------
    def _boilerplate(self, rows: _Entries, cfg: dict[str, Any], summary: dict[str, Any]) -> list[Flag]:
        counts = rows.opening_counts()
        total = sum(counts.values())
        common = {o: c for o, c in counts.items()
                  if total and c >= int(cfg["boilerplate_min"]) and c / total >= float(cfg["boilerplate_share"])}
        summary["openings"] = [{"opening": o, "count": c, "share": round(c / total, 4)}
                               for o, c in counts.most_common(5)] if total else []
        out = []
        common_ids = np.array([rows.opening_id[o] for o in common], dtype=np.int64)
        for r in np.flatnonzero(np.isin(rows.opening, common_ids)):
            o = rows.openings[rows.opening[r]]
            share = common[o] / total
            out.append(Flag(rows.ids[r], self.name, "low", f"opens like {share:.0%} of the answers: '{o}…'; "
                            f"the model will start every answer this way", kind="boilerplate",
                            score=round(share, 4), data={"opening": o, "count": common[o]}))
        return out


def _parse_detection(raw: str) -> tuple[str | None, float]:
    code, _, prob = raw.partition(":")
    return code or None, float(prob)


class _Entries:
    """The rows' cached entries (see `HygieneCheck._entries`), each distinct one decoded once, held
    as arrays: per language target (in row order) `t_row`, `t_turn`, `t_ans`, `t_sure`, `t_det` (index
    into `dets`, -1 none); per row `bound` and `opening` (index into `openings`, -1 none). Text-rule
    flags are kept only for entries that have some."""

    def __init__(self, ids: list[int], keys: list[str], values: dict[str, bytes]) -> None:
        self.ids = ids
        index: dict[str, int] = {}
        flags: dict[int, list] = {}
        start: list[int] = []
        turn: list[int] = []
        ans: list[int] = []
        sure: list[int] = []
        det: list[int] = []
        bound: list[int] = []
        opening: list[int] = []
        dets: dict[str, int] = {}
        self.opening_id: dict[str, int] = {}
        for k, v in values.items():
            e = json.loads(v)
            i = index[k] = len(index)
            if e[0]:
                flags[i] = e[0]
            start.append(len(turn))
            for t_turn, t_ans, t_sure, t_det in e[1]:
                turn.append(t_turn)
                ans.append(t_ans)
                sure.append(t_sure)
                det.append(-1 if t_det is None else dets.setdefault(t_det, len(dets)))
            bound.append(e[2])
            opening.append(self.opening_id.setdefault(e[3], len(self.opening_id)) if e[3] else -1)
        start.append(len(turn))
        self.dets = list(dets)
        self.openings = list(self.opening_id)
        row_key = np.fromiter((index[k] for k in keys), dtype=np.int64, count=len(keys))
        self._flags, self._row_key = flags, row_key
        self.bound = np.array(bound, dtype=np.int64)[row_key] if len(keys) else np.zeros(0, np.int64)
        self.opening = np.array(opening, dtype=np.int64)[row_key] if len(keys) else np.zeros(0, np.int64)
        begin = np.array(start, dtype=np.int64)
        count = np.diff(begin)[row_key] if len(keys) else np.zeros(0, np.int64)
        self.t_row = np.repeat(np.arange(len(keys)), count)
        pos = np.repeat(begin[row_key] if len(keys) else begin[:0], count) + \
            (np.arange(len(self.t_row)) - np.repeat(np.cumsum(count) - count, count))
        self.t_turn = np.array(turn, dtype=np.int64)[pos]
        self.t_ans = np.array(ans, dtype=np.int8)[pos]
        self.t_sure = np.array(sure, dtype=np.int8)[pos]
        self.t_det = np.array(det, dtype=np.int64)[pos]

    def flagged(self):
        """(row, text-rule flags) for the rows that have some, in row order."""
        if not self._flags:
            return
        with_flags = np.array(sorted(self._flags), dtype=np.int64)
        for r in np.flatnonzero(np.isin(self._row_key, with_flags)):
            yield int(r), self._flags[int(self._row_key[r])]

    def opening_counts(self) -> Counter:
        """Answers per opening, in order of first appearance (as counting them row by row would)."""
        present = self.opening[self.opening >= 0]
        counts = np.bincount(present, minlength=len(self.openings))
        first = np.full(len(self.openings), len(self.opening))
        np.minimum.at(first, present, np.flatnonzero(self.opening >= 0))
        order = sorted((k for k in range(len(self.openings)) if counts[k]), key=lambda k: first[k])
        return Counter({self.openings[k]: int(counts[k]) for k in order})
