"""CLI: `ftcurate clusters P` lists duplicate clusters; `ftcurate resolve P CLUSTER...` resolves them.

Resolving keeps one example per cluster (the suggested keeper, or `--keep ID`), rejects the others and
marks the cluster's flags resolved, as one edit: `ftcurate undo P` takes it back.
"""

from __future__ import annotations

from ftcurate.cli import Output, add_common
from ftcurate.core.errors import UserError


def cmd_clusters(args, out: Output) -> int:
    from ftcurate.core.dedup.resolve import list_clusters
    from ftcurate.core.store import Project

    with Project.open(args.project, read_only=True) as project:
        clusters = list_clusters(project, args.check, None if args.all_states else "open")
    for c in clusters[: args.limit] if args.limit else clusters:
        members = ", ".join(f"#{m}" for m in c["members"][:12]) + (" ..." if c["size"] > 12 else "")
        question = " ".join((c["question"] or "").split())[:70]
        out.emit(c, f"cluster {c['cluster']:<8} {c['check']:<15} {c['kind']:<6} {c['size']:>4} examples  "
                    f"keep #{c['keeper']} ({c['reason'] or 'suggested'})  [{members}]  {question!r}")
    if not clusters:
        out.info("No open duplicate clusters. Run `ftcurate check P --only "
                 "exact_duplicate,near_duplicate,paraphrase,conflict` first.")
    return 0


def cmd_resolve(args, out: Output) -> int:
    from ftcurate.core.dedup.resolve import list_clusters, rejected_by, resolve_clusters_command
    from ftcurate.core.store import Project

    with Project.open(args.project) as project, project.transaction():  # read-decide-write under one lock
        if args.all:
            if args.clusters:
                raise UserError("give cluster ids or --all, not both")
            ids = [c["cluster"] for c in list_clusters(project, args.check)]
            if not ids:
                out.emit({"resolved": 0, "rejected": 0}, "No open duplicate clusters to resolve.")
                return 0
        elif args.clusters:
            ids = args.clusters
        else:
            raise UserError("name the clusters to resolve (see `ftcurate clusters`), or pass --all")
        command = resolve_clusters_command(project, ids, args.keep)
        history_id = project.apply(command)
        rejected = sorted(rejected_by(command))
    out.emit({"resolved": len(ids), "rejected": len(rejected), "rejected_ids": rejected,
              "history_id": history_id},
             f"Resolved {len(ids)} cluster(s): rejected {len(rejected)} example(s). "
             f"Undo with `ftcurate undo {args.project}`.")
    return 0


def register(sub) -> None:
    p = sub.add_parser("clusters", help="list duplicate clusters with the suggested keeper")
    p.add_argument("project")
    p.add_argument("--check", choices=["exact_duplicate", "near_duplicate", "paraphrase", "conflict"])
    p.add_argument("--all-states", action="store_true", help="also resolved / ignored clusters")
    p.add_argument("--limit", type=int, help="show at most this many clusters")
    add_common(p)
    p.set_defaults(func=cmd_clusters)

    p = sub.add_parser("resolve", help="keep one example per duplicate cluster and reject the rest")
    p.add_argument("project")
    p.add_argument("clusters", nargs="*", type=int, metavar="CLUSTER")
    p.add_argument("--keep", type=int, metavar="ID", help="the example to keep (default: suggested keeper)")
    p.add_argument("--all", action="store_true", help="resolve every open cluster (of --check)")
    p.add_argument("--check", choices=["exact_duplicate", "near_duplicate", "paraphrase", "conflict"])
    add_common(p)
    p.set_defaults(func=cmd_resolve)
