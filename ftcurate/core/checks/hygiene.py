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

import polars as pl

from ftcurate.core.checks.base import Check, CheckContext, CheckResult, CheckSummary, Flag, register_check
from ftcurate.core.checks.example_cache import BATCH, per_example, settings_digest
from ftcurate.core.errors import ConfigError
from ftcurate.core.hygiene import language as lang_mod
from ftcurate.core.hygiene.rules import find_markup, find_mojibake, find_placeholders, opening, truncation
from ftcurate.core.hygiene.tokens import cheap_bound
from ftcurate.core.progress import Progress
from ftcurate.core.records import pair_to_messages, text_hash

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
        rows = _Rows(ids, keys, values)
        del values  # decoded in `rows`
        flags: list[Flag] = []
        for r, e in rows:
            for sev, msg, kind, turn, start, end, data in e[0]:
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
    def _language(self, ctx: CheckContext, frame, rows: _Rows, cfg: dict[str, Any], summary: dict[str, Any],
                  progress: Progress) -> list[Flag]:
        """A turn is flagged when its language is another than the project's with probability >=
        language_confidence. In an English project a surely-English text is English (no detection)."""
        progress.set_status("Hygiene: language")
        min_letters = int(cfg["language_min_letters"])
        project_lang = cfg.get("language")
        if project_lang is None and ctx.project is not None:
            project_lang = ctx.project.get_setting("language")
        if project_lang is None:  # the majority language of an evenly spread sample of answers
            answers = [(r, j) for r, e in rows for j, t in enumerate(e[1]) if t[1]]
            step = max(1, len(answers) // 400)
            sample = answers[::step]
            found = self._real_detections(ctx, frame, rows, sample, min_letters)
            votes = Counter(lang for lang, _ in (found[k] for k in sample) if lang)
            project_lang = votes.most_common(1)[0][0] if votes else "en"
        english = project_lang == "en"
        need = [(r, j) for r, e in rows for j, t in enumerate(e[1]) if t[3] is None and not (english and t[2])]
        real = self._real_detections(ctx, frame, rows, need, min_letters) if need else {}
        conf = float(cfg["language_confidence"])
        answer_langs: Counter = Counter()
        out: list[Flag] = []
        for r, e in rows:
            for j, (turn, is_answer, sure, det) in enumerate(e[1]):
                if det is not None:
                    lang, p = _parse_detection(det)
                elif english and sure:
                    lang, p = "en", 1.0
                else:
                    lang, p = real[(r, j)]
                if is_answer and lang:
                    answer_langs[lang] += 1
                if lang and lang != project_lang and p >= conf:
                    out.append(Flag(rows.ids[r], self.name, "medium" if is_answer else "low",
                                    f"the {'answer' if is_answer else 'question'} is in "
                                    f"{lang_mod.language_name(lang)}, not {lang_mod.language_name(project_lang)}",
                                    kind="language", turn=turn, score=round(p, 3), data={"language": lang}))
        summary["language"] = {"project": project_lang, "answers": dict(answer_langs.most_common(10))}
        return out

    def _real_detections(self, ctx: CheckContext, frame, rows: _Rows, targets: list[tuple[int, int]],
                         min_letters: int) -> dict[tuple[int, int], tuple[str | None, float]]:
        """Detected (language, p) of (row, target) pairs, without the surely-English shortcut: from the
        entry, else the language cache, else the model on the row's text."""
        out: dict[tuple[int, int], tuple[str | None, float]] = {}
        todo: list[tuple[int, int]] = []
        for r, j in targets:
            det = rows.entry(r)[1][j][3]
            if det is not None:
                out[(r, j)] = _parse_detection(det)
            else:
                todo.append((r, j))
        for s in range(0, len(todo), BATCH):
            part = todo[s:s + BATCH]
            first = sorted({r for r, _ in part})
            chats = dict(zip(first, frame_chats(frame.select(pl.all().gather(first))), strict=True))
            texts: dict[str, str] = {}
            hash_of: dict[tuple[int, int], str] = {}
            for r, j in part:
                text = str(chats[r][rows.entry(r)[1][j][0]].get("content") or "")
                hash_of[(r, j)] = h = text_hash(text)
                texts.setdefault(h, text)
            found = self._detect(ctx, texts, min_letters)
            for pair, h in hash_of.items():
                out[pair] = _parse_detection(found[h])
        return out

    # -- tokens -----------------------------------------------------------------------------------
    def _too_long(self, frame, rows: _Rows, cfg: dict[str, Any], summary: dict[str, Any],
                  progress: Progress) -> list[Flag]:
        from ftcurate.core.hygiene.tokens import known_context, token_counter

        progress.set_status("Hygiene: token counts")
        limit0 = cfg.get("max_tokens") or known_context(cfg.get("model"))
        if limit0 and all(e[2] <= limit0 for _, e in rows):
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
    def _boilerplate(self, rows: _Rows, cfg: dict[str, Any], summary: dict[str, Any]) -> list[Flag]:
        openings = [e[3] for _, e in rows]
        counts = Counter(o for o in openings if o)
        total = sum(counts.values())
        common = {o: c for o, c in counts.items()
                  if total and c >= int(cfg["boilerplate_min"]) and c / total >= float(cfg["boilerplate_share"])}
        summary["openings"] = [{"opening": o, "count": c, "share": round(c / total, 4)}
                               for o, c in counts.most_common(5)] if total else []
        out = []
        for r, o in enumerate(openings):
            if o in common:
                share = common[o] / total
                out.append(Flag(rows.ids[r], self.name, "low", f"opens like {share:.0%} of the answers: '{o}…'; "
                                f"the model will start every answer this way", kind="boilerplate",
                                score=round(share, 4), data={"opening": o, "count": common[o]}))
        return out


def _parse_detection(raw: str) -> tuple[str | None, float]:
    code, _, prob = raw.partition(":")
    return code or None, float(prob)


class _Rows:
    """Each row's cached entry (see `HygieneCheck._entries`), decoded once per distinct content.

    Iterating yields (row position, entry) in row order; `entry(r)` is one row's entry.
    """

    def __init__(self, ids: list[int], keys: list[str], values: dict[str, bytes]) -> None:
        self.ids = ids
        self.keys = keys
        self._decoded = {k: json.loads(v) for k, v in values.items()}

    def entry(self, r: int) -> list:
        return self._decoded[self.keys[r]]

    def __iter__(self):
        decoded, keys = self._decoded, self.keys
        for r in range(len(keys)):
            yield r, decoded[keys[r]]
