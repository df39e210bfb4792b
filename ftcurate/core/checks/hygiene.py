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

from ftcurate.core.checks.base import Check, CheckContext, CheckResult, CheckSummary, Flag, register_check
from ftcurate.core.errors import ConfigError
from ftcurate.core.hygiene import language as lang_mod
from ftcurate.core.hygiene.rules import find_markup, find_mojibake, find_placeholders, opening, truncation
from ftcurate.core.progress import Progress
from ftcurate.core.records import pair_to_messages, text_hash

KINDS = ("empty", "short", "truncated", "placeholder", "markup", "language", "too_long", "boilerplate",
         "mojibake")
MAX_SPANS_PER_TURN = 10
LANG_CACHE_NS = "lang.v1"


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
        progress.set_status("Hygiene: reading examples")
        chats = frame_chats(frame)
        flags: list[Flag] = []
        summary: dict[str, Any] = {}
        progress.set_total(len(ids))
        progress.set_status("Hygiene: text rules")
        for k, (ex_id, msgs) in enumerate(zip(ids, chats, strict=True)):
            flags.extend(self._text_rules(ex_id, msgs, kinds, cfg))
            if k % 1000 == 999:
                progress.advance(1000)
                progress.check_cancelled()
        progress.set_progress(len(ids))
        if "language" in kinds:
            flags.extend(self._language(ctx, ids, chats, cfg, summary, progress))
        if "too_long" in kinds:
            flags.extend(self._too_long(ids, chats, cfg, summary, progress))
        if "boilerplate" in kinds:
            flags.extend(self._boilerplate(ids, chats, cfg, summary))
        counts = Counter(f.kind for f in flags)
        by_kind = {k: counts.get(k, 0) for k in KINDS if k in kinds}
        return CheckResult(flags, CheckSummary.of(flags, by_kind=by_kind, details=summary))

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
    def _language(self, ctx: CheckContext, ids: list[int], chats: list[list[dict]], cfg: dict[str, Any],
                  summary: dict[str, Any], progress: Progress) -> list[Flag]:
        progress.set_status("Hygiene: language")
        targets: list[tuple[int, int, str]] = []  # (row, turn, text)
        for r, msgs in enumerate(chats):
            ans = _last(msgs, "assistant")
            if ans is not None:
                targets.append((r, ans, str(msgs[ans].get("content") or "")))
            q = _last(msgs, "user", ans)
            if q is not None:
                targets.append((r, q, str(msgs[q].get("content") or "")))
        project_lang = cfg.get("language")
        if project_lang is None and ctx.project is not None:
            project_lang = ctx.project.get_setting("language")
        answers = [k for k, (r, turn, _) in enumerate(targets) if chats[r][turn].get("role") == "assistant"]
        if project_lang is None:  # the majority language of an evenly spread sample of answers
            step = max(1, len(answers) // 400)
            sample = [answers[i] for i in range(0, len(answers), step)]
            found = self._detect_all(ctx, [targets[k][2] for k in sample], int(cfg["language_min_letters"]),
                                     progress, None)
            votes = Counter(lang for lang, _ in found if lang)
            project_lang = votes.most_common(1)[0][0] if votes else "en"
        detected = self._detect_all(ctx, [t for _, _, t in targets], int(cfg["language_min_letters"]), progress,
                                    project_lang)
        answer_langs = Counter(detected[k][0] for k in answers if detected[k][0])
        summary["language"] = {"project": project_lang, "answers": dict(answer_langs.most_common(10))}
        conf = float(cfg["language_confidence"])
        out: list[Flag] = []
        for (r, turn, _), (lang, p) in zip(targets, detected, strict=True):
            if lang and lang != project_lang and p >= conf:
                role = chats[r][turn].get("role")
                out.append(Flag(ids[r], self.name, "medium" if role == "assistant" else "low",
                                f"the {'answer' if role == 'assistant' else 'question'} is in "
                                f"{lang_mod.language_name(lang)}, not {lang_mod.language_name(project_lang)}",
                                kind="language", turn=turn, score=round(p, 3), data={"language": lang}))
        return out

    def _detect_all(self, ctx: CheckContext, texts: list[str], min_letters: int, progress: Progress,
                    project_lang: str | None) -> list[tuple[str | None, float]]:
        """(language, probability) per text, through the project cache; in an English project,
        obviously English texts are not sent to the detector."""
        keys = [text_hash(t) for t in texts]
        cached: dict[str, bytes] = ctx.project.cache_get(LANG_CACHE_NS, set(keys)) if ctx.project else {}
        fresh: dict[str, bytes] = {}
        out: list[tuple[str | None, float]] = []
        progress.set_total(len(texts))
        for k, (key, t) in enumerate(zip(keys, texts, strict=True)):
            if k % 500 == 499:
                progress.set_progress(k + 1)
                progress.check_cancelled()
            raw = cached.get(key) or fresh.get(key)
            if raw is None and project_lang == "en" and lang_mod.surely_english(t):
                out.append(("en", 1.0))
                continue
            if raw is None:
                lang, p = lang_mod.detect(t, min_letters)
                raw = f"{lang or ''}:{p:.4f}".encode()
                fresh[key] = raw
            code, _, prob = raw.decode().partition(":")
            out.append((code or None, float(prob)))
        if ctx.project is not None and fresh:
            ctx.project.cache_put(LANG_CACHE_NS, fresh)
        return out

    # -- tokens -----------------------------------------------------------------------------------
    def _too_long(self, ids: list[int], chats: list[list[dict]], cfg: dict[str, Any], summary: dict[str, Any],
                  progress: Progress) -> list[Flag]:
        from ftcurate.core.hygiene.tokens import cheap_bound, known_context, token_counter

        progress.set_status("Hygiene: token counts")
        limit0 = cfg.get("max_tokens") or known_context(cfg.get("model"))
        if limit0 and all(cheap_bound(msgs) <= limit0 for msgs in chats):
            # no chat is long enough to matter: spare loading transformers and the tokenizer
            summary["tokens"] = {"model": cfg.get("model") or "SmolLM2-135M-Instruct", "limit": int(limit0),
                                 "exact": True, "tokenised": 0, "note": "no chat is near the limit"}
            return []
        counter = token_counter(cfg.get("model"))
        limit = int(cfg.get("max_tokens") or counter.context)
        candidates = [r for r, msgs in enumerate(chats) if msgs and counter.upper_bound(msgs) > limit]
        counts = counter.count([chats[r] for r in candidates])
        summary["tokens"] = {"model": counter.model, "limit": limit, "exact": counter.exact,
                             "tokenised": len(candidates), "note": counter.reason or None}
        how = "" if counter.exact else f" (estimated: {counter.reason})"
        out = []
        for r, n in zip(candidates, counts, strict=True):
            if n > limit:
                out.append(Flag(ids[r], self.name, "high",
                                f"{n:,} tokens with the chat template, over the {limit:,}-token limit of "
                                f"{counter.model}: training would cut it{how}", kind="too_long",
                                data={"tokens": n, "limit": limit, "exact": counter.exact}))
        return out

    # -- boilerplate ------------------------------------------------------------------------------
    def _boilerplate(self, ids: list[int], chats: list[list[dict]], cfg: dict[str, Any],
                     summary: dict[str, Any]) -> list[Flag]:
        openings: list[str | None] = []
        for msgs in chats:
            ans = _last(msgs, "assistant")
            text = str(msgs[ans].get("content") or "") if ans is not None else ""
            op = opening(text, int(cfg["boilerplate_words"])) if text.strip() else ""
            openings.append(op or None)
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
                out.append(Flag(ids[r], self.name, "low", f"opens like {share:.0%} of the answers: '{o}…'; "
                                f"the model will start every answer this way", kind="boilerplate",
                                score=round(share, 4), data={"opening": o, "count": common[o]}))
        return out
