"""CLI: `redact` (replace PII findings, undoable) and `pii-config` (allow-list, custom recognizers)."""

from __future__ import annotations

from contextlib import nullcontext

from ftcurate.cli import Output, add_common
from ftcurate.core.errors import UserError


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out += [p.strip() for p in v.split(",") if p.strip()]
    return out


def cmd_redact(args, out: Output) -> int:
    from ftcurate.core.checks.pii import pii_config
    from ftcurate.core.pii.redact import plan_redaction
    from ftcurate.core.store import Project

    kinds = [k.upper() for k in _split(args.kind)] or None
    with Project.open(args.project) as project:
        if kinds:
            known = list(pii_config({}, project).to_dict()["entities"])
            bad = [k for k in kinds if k not in known]
            if bad:
                raise UserError(f"unknown PII kind {bad[0]!r}; known kinds: {', '.join(known)}")
        # plan and apply under one write lock: an edit another process saves meanwhile is either
        # seen by the plan or waits for the redaction, never overwritten by a plan made before it
        with (nullcontext() if args.dry_run else project.transaction()):
            plan = plan_redaction(project, args.flag or None, kinds=kinds, example_ids=args.example or None,
                                  mode=args.mode)
            obj = {"mode": args.mode, "redacted": len(plan.flag_ids), "examples": len(plan.example_ids),
                   "by_kind": plan.by_kind, "stale_flags": plan.stale_flag_ids, "applied": False}
            if plan.command is None:
                hint = " (re-run `ftcurate check --only pii`)" if plan.stale_flag_ids else ""
                out.emit(obj, f"Nothing to redact: no matching PII findings{hint}.")
                return 0
            if args.dry_run:
                out.emit(obj, f"Would redact {obj['redacted']} finding(s) in {obj['examples']} example(s) "
                              f"({args.mode}): {_kinds_text(plan.by_kind)}")
                return 0
            obj["history_id"] = project.apply(plan.command)
            obj["applied"] = True
    text = (f"Redacted {obj['redacted']} finding(s) in {obj['examples']} example(s) ({args.mode}): "
            f"{_kinds_text(plan.by_kind)}. Undo with `ftcurate undo {args.project}`.")
    if plan.stale_flag_ids:
        text += f" Skipped {len(plan.stale_flag_ids)} stale finding(s); re-run the pii check."
    out.emit(obj, text)
    return 0


def _kinds_text(by_kind: dict[str, int]) -> str:
    return ", ".join(f"{k} {n}" for k, n in sorted(by_kind.items(), key=lambda kv: -kv[1]))


def cmd_pii_config(args, out: Output) -> int:
    from ftcurate.core.pii.config import PiiConfig
    from ftcurate.core.store import Project

    with Project.open(args.project) as project:
        settings = dict(project.get_setting("pii") or {})
        changed = False
        allow = list(settings.get("allow_list", []))
        for term in args.allow or []:
            if term not in allow:
                allow.append(term)
                changed = True
        for term in args.disallow or []:
            if term in allow:
                allow.remove(term)
                changed = True
        if changed:
            settings["allow_list"] = allow
        custom = [c for c in settings.get("custom", []) if c.get("name") not in (args.remove_recognizer or [])]
        if len(custom) != len(settings.get("custom", [])):
            settings["custom"], changed = custom, True
        if args.add_recognizer:
            name, entity, regex = args.add_recognizer
            spec = {"name": name, "entity": entity, "regex": regex, "context": _split(args.context)}
            if args.score is not None:
                spec["score"] = args.score
            if args.severity:
                spec["severity"] = args.severity
            settings["custom"] = [c for c in custom if c.get("name") != name] + [spec]
            changed = True
        if args.entities:
            ents = _split([args.entities])
            if [e.lower() for e in ents] == ["all"]:
                settings.pop("entities", None)
            else:
                settings["entities"] = [e.upper() for e in ents]
            changed = True
        if args.threshold is not None:
            settings["threshold"] = args.threshold
            changed = True
        cfg = PiiConfig.from_dict(settings, where="pii settings")  # validate before saving
        if changed:  # through the history: `ftcurate undo` restores the previous settings
            from ftcurate.core.commands import SetSettingCommand

            project.apply(SetSettingCommand("pii", settings, text="Change PII settings"))
    d = cfg.to_dict()
    shown = {k: d[k] for k in ("entities", "allow_list", "custom", "threshold")}
    lines = [f"entities:   {', '.join(d['entities'])}", f"threshold:  {d['threshold']}",
             f"allow-list: {', '.join(d['allow_list']) or '(empty)'}"]
    for c in d["custom"]:
        lines.append(f"custom:     {c['name']}: {c['entity']} /{c['regex']}/ score {c['score']} "
                     f"context [{', '.join(c['context'])}] severity {c['severity']}")
    out.emit({"saved": changed, **shown}, "\n".join(lines))
    return 0


def cmd_pii_allow(args, out: Output) -> int:
    from ftcurate.core.pii.allow import allow_again_command, never_flag_command, never_flag_words
    from ftcurate.core.store import Project

    with Project.open(args.project) as project:
        done = []
        for word in args.word or []:
            cmd = (allow_again_command if args.remove else never_flag_command)(project, word)
            if cmd is not None:
                project.apply(cmd)
                done.append(cmd.text)
        words = never_flag_words(project)
    obj = {"changed": done, "never_flag": words}
    lines = [*done] if done else (["Nothing changed."] if args.word else [])
    if done:
        lines.append(f"Undo with `ftcurate undo {args.project}`.")
    lines.append(f"Never flagged as PII: {', '.join(words) or '(none)'}")
    out.emit(obj, "\n".join(lines))
    return 0


def register(sub) -> None:
    p = sub.add_parser("redact", help="replace PII findings (placeholder, consistent fake, or mask); undoable",
                       description="Redact open PII flags found by `ftcurate check --only pii`. One history "
                                   "entry: `ftcurate undo` restores the text and the flags.")
    p.add_argument("project")
    p.add_argument("--kind", action="append", metavar="KIND[,KIND]",
                   help="only these entity types, e.g. PERSON,EMAIL_ADDRESS (default: all)")
    p.add_argument("--mode", choices=("placeholder", "fake", "mask"), default="placeholder",
                   help="<PERSON> placeholders (default), consistent fake values per conversation, or ****")
    p.add_argument("--flag", type=int, nargs="+", action="extend", metavar="ID", help="only these flag ids")
    p.add_argument("--example", type=int, nargs="+", action="extend", metavar="ID",
                   help="only flags on these examples")
    p.add_argument("--dry-run", action="store_true", help="report what would be redacted; change nothing")
    add_common(p)
    p.set_defaults(func=cmd_redact)

    p = sub.add_parser("pii-config", help="show or change PII settings (allow-list, custom recognizers)")
    p.add_argument("project")
    p.add_argument("--allow", action="append", metavar="TERM",
                   help="never flag this text (company name, support address); 're:REGEX' for a pattern")
    p.add_argument("--disallow", action="append", metavar="TERM", help="remove a term from the allow-list")
    p.add_argument("--add-recognizer", nargs=3, metavar=("NAME", "ENTITY", "REGEX"),
                   help="custom recognizer, e.g. order ORDER_ID 'ORD-\\d{8}'")
    p.add_argument("--context", action="append", metavar="WORD[,WORD]", help="context words for --add-recognizer")
    p.add_argument("--score", type=float, help="base score for --add-recognizer (default 0.6)")
    p.add_argument("--severity", choices=("info", "low", "medium", "high"), help="for --add-recognizer")
    p.add_argument("--remove-recognizer", action="append", metavar="NAME")
    p.add_argument("--entities", metavar="KIND,...|all", help="entity types to look for")
    p.add_argument("--threshold", type=float, help="minimum score of a finding (default 0.5)")
    add_common(p)
    p.set_defaults(func=cmd_pii_config)

    p = sub.add_parser("pii-allow", help="never flag these words as PII (undoable); lists the words",
                       description="Add words to the project's PII allow-list and ignore their open flags, "
                                   "as one history entry per word (`ftcurate undo` reverts). Without WORD: "
                                   "list the words. Matching ignores case.")
    p.add_argument("project")
    p.add_argument("word", nargs="*", help="word or phrase, e.g. Brightwave; 're:REGEX' for a pattern")
    p.add_argument("--remove", action="store_true", help="flag these words again (on the next check run)")
    add_common(p)
    p.set_defaults(func=cmd_pii_allow)

