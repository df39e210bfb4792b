"""Train / validation / test splits that give an honest score.

Three steps, each a pure function over plain Python data so it can be tested without a project:

1. `group_examples`: union-find over the relations "in one duplicate / paraphrase / conflict cluster"
   (open or resolved flags), "cut from one conversation of one source file" and "the very same
   messages" (so copies stay together even before the duplicate checks have run). Every connected component is a group; a group
   never straddles two splits, so no copy or paraphrase of a test example is trained on.
2. `label_quotas`: how many examples of each label each split should get: every quota is the floor or
   the ceiling of its exact share, and the quotas add up to the split sizes (largest remainder).
3. `assign_groups`: groups, largest first (ties in seeded random order), go to the split where they
   overflow the quotas least and fill the most-needed share; single examples then fill what is left
   of each quota. With singleton groups every split ends within one example of its exact share of
   every label.

`plan_split` puts them together over the project's columnar frames. The same inputs and seed always
give the same split (only `random.Random(seed)` is used, over inputs in sorted order).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ftcurate.core.errors import UserError

if TYPE_CHECKING:
    import polars as pl

SPLITS = ("train", "validation", "test")
#: Checks whose `cluster` ties examples that must stay in one split.
CLUSTER_CHECKS = ("exact_duplicate", "near_duplicate", "paraphrase", "conflict")
#: Flag states that still count: a person who *ignored* a cluster flag said "not a duplicate".
CLUSTER_STATES = ("open", "resolved")
INCLUDE = ("not_rejected", "approved")

Label = Hashable | None


class UnionFind:
    """Disjoint sets over arbitrary hashable items (path halving, union by size)."""

    def __init__(self) -> None:
        self._parent: dict[Hashable, Hashable] = {}
        self._size: dict[Hashable, int] = {}

    def find(self, x: Hashable) -> Hashable:
        parent = self._parent
        if x not in parent:
            parent[x] = x
            self._size[x] = 1
            return x
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: Hashable, b: Hashable) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self._size[ra] < self._size[rb]:
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._size[ra] += self._size[rb]


def group_examples(ids: Iterable[int], relations: Iterable[Iterable[tuple[int, Hashable]]]) -> list[list[int]]:
    """Group `ids` so that examples sharing a key in any relation end up in one group.

    Args:
        ids: the examples to group (the ones being exported).
        relations: each an iterable of `(example_id, key)`; examples with equal keys in one relation
            are tied. Keys of different relations never mix. Pairs may mention ids outside `ids`
            (e.g. rejected examples): they still tie, so A~B~C keeps A and C together without B.

    Returns:
        Groups as sorted id lists, ordered by their smallest id. Ids in `ids` without relations are
        singleton groups.
    """
    uf = UnionFind()
    for rel_no, pairs in enumerate(relations):
        first: dict[Hashable, int] = {}
        for ex_id, key in pairs:
            if key is None:
                continue
            k = (rel_no, key)
            if k in first:
                uf.union(first[k], ex_id)
            else:
                first[k] = ex_id
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for ex_id in ids:
        groups[uf.find(ex_id) if ex_id in uf._parent else ("solo", ex_id)].append(ex_id)
    out = [sorted(g) for g in groups.values()]
    out.sort(key=lambda g: g[0])
    return out


def split_targets(n: int, *, test_fraction: float = 0.1, val_fraction: float = 0.0,
                  test_count: int | None = None, val_count: int | None = None) -> dict[str, int]:
    """Sizes of each split for `n` examples. A requested split gets at least one example.

    Raises:
        UserError: a fraction outside [0, 1), negative counts, or nothing left for training.
    """
    def size(fraction: float, count: int | None, what: str) -> int:
        if count is not None:
            if count < 0:
                raise UserError(f"the {what} count must be 0 or more, not {count}")
            return int(count)
        if not 0.0 <= fraction < 1.0:
            raise UserError(f"the {what} fraction must be between 0 and 1, not {fraction}")
        k = int(n * fraction + 0.5)
        return max(k, 1) if fraction > 0 and n >= 2 else k

    test = size(test_fraction, test_count, "test")
    val = size(val_fraction, val_count, "validation")
    if n and test + val >= n:
        raise UserError(f"test ({test}) + validation ({val}) leave no training examples out of {n}; "
                        "use smaller fractions or counts")
    return {"train": n - test - val, "validation": val, "test": test}


def label_quotas(label_counts: Mapping[Label, int], targets: Mapping[str, int],
                 rng: random.Random) -> dict[Label, dict[str, int]]:
    """Per-label split sizes: each the floor or ceiling of `n_label * target / n`, summing to targets.

    Largest remainder first (ties in seeded order); in the rare case the greedy pass cannot place a
    unit within floor/ceiling it goes to the split with room left, so the totals always hold.
    """
    n = sum(label_counts.values())
    labels = sorted(label_counts, key=_label_key)
    splits = [s for s in targets]
    quotas: dict[Label, dict[str, int]] = {}
    left_label: dict[Label, int] = {}
    left_split = dict(targets)
    cand = []
    for lab in labels:
        n_l = label_counts[lab]
        quotas[lab] = {}
        for s in splits:
            q, rem = divmod(n_l * targets[s], n) if n else (0, 0)
            quotas[lab][s] = q
            left_split[s] -= q
            if rem:
                cand.append((-rem, rng.random(), lab, s))
        left_label[lab] = n_l - sum(quotas[lab].values())
    cand.sort(key=lambda c: (c[0], c[1]))
    for _, _, lab, s in cand:
        if left_label[lab] > 0 and left_split[s] > 0:
            quotas[lab][s] += 1
            left_label[lab] -= 1
            left_split[s] -= 1
    for lab in labels:
        for s in sorted(splits, key=lambda s: -left_split[s]):
            take = min(left_label[lab], left_split[s])
            if take > 0:
                quotas[lab][s] += take
                left_label[lab] -= take
                left_split[s] -= take
    return quotas


def assign_groups(groups: Sequence[Sequence[int]], labels: Mapping[int, Label],
                  quotas: Mapping[Label, Mapping[str, int]], rng: random.Random) -> dict[str, list[int]]:
    """Place whole groups into splits, following the label quotas as closely as groups allow.

    Groups of two or more go first, largest first (ties in seeded order), each to the split it
    overflows least and fills most. Singletons then fill what each split still needs of their label,
    in seeded random order (split in proportion to the needs where big groups overflowed a quota).

    Returns:
        {split: ids} for every split in the quotas, each list in seeded random order.
    """
    splits = list(next(iter(quotas.values())).keys()) if quotas else ["train"]
    count: dict[Label, dict[str, int]] = {lab: dict.fromkeys(splits, 0) for lab in quotas}
    out: dict[str, list[int]] = {s: [] for s in splits}
    keyed = [(-len(g), rng.random(), g) for g in groups if len(g) > 1]
    keyed.sort(key=lambda t: (t[0], t[1]))
    for _, _, group in keyed:
        g_labels = Counter(labels[i] for i in group)
        best = None
        for order, s in enumerate(splits):
            overflow = 0
            fill = 0
            need_ratio = 0.0
            for lab, k in g_labels.items():
                q, c = quotas[lab][s], count[lab][s]
                need = max(0, q - c)
                overflow += max(0, c + k - q) - max(0, c - q)
                fill += min(k, need)
                need_ratio += need / q if q else 0.0
            key = (overflow, -fill, -need_ratio, order)
            if best is None or key < best[0]:
                best = (key, s)
        s = best[1]
        for lab, k in g_labels.items():
            count[lab][s] += k
        out[s].extend(group)

    singles: dict[Label, list[int]] = defaultdict(list)
    for g in groups:
        if len(g) == 1:
            singles[labels[g[0]]].append(g[0])
    for lab in sorted(singles, key=_label_key):
        members = sorted(singles[lab])
        rng.shuffle(members)
        needs = {s: max(0, quotas[lab][s] - count[lab][s]) for s in splits}
        take = _apportion(len(members), needs, rng)
        pos = 0
        for s in splits:
            out[s].extend(members[pos:pos + take[s]])
            pos += take[s]
    for s in splits:
        out[s].sort()
        rng.shuffle(out[s])
    return out


def _apportion(n: int, needs: Mapping[str, int], rng: random.Random) -> dict[str, int]:
    """Share `n` items out in proportion to `needs` (exactly `needs` when they add up to `n`);
    anything beyond all needs goes to the first split (train)."""
    splits = list(needs)
    total = sum(needs.values())
    if total <= n:
        take = dict(needs)
        take[splits[0]] += n - total
        return take
    take = {s: n * needs[s] // total for s in splits}
    rest = n - sum(take.values())
    order = sorted(splits, key=lambda s: (-(n * needs[s] % total), rng.random()))
    for s in order[:rest]:
        take[s] += 1
    return take


def apply_caps(ids: Sequence[int], labels: Mapping[int, Label], caps: Mapping[Any, int],
               rng: random.Random, preferred: Iterable[int] = ()) -> tuple[list[int], dict[Label, int]]:
    """Keep at most `caps[label]` examples per label; labels without a cap are kept whole.

    Preferred ids (approved ones) are kept first, the rest in seeded random order.

    Returns:
        (kept ids in input order, {label: number dropped}).
    """
    pref = set(preferred)
    by_label: dict[Label, list[int]] = defaultdict(list)
    for i in ids:
        by_label[labels[i]].append(i)
    drop: set[int] = set()
    dropped: dict[Label, int] = {}
    for lab in sorted(by_label, key=_label_key):
        cap = caps.get(lab)
        members = by_label[lab]
        if cap is None or len(members) <= cap:
            continue
        keyed = sorted(members, key=lambda i: (i not in pref, rng.random()))
        over = keyed[int(cap):]
        drop.update(over)
        dropped[lab] = len(over)
    return [i for i in ids if i not in drop], dropped


@dataclass
class SplitPlan:
    """The outcome of `plan_split`: ids per split (in file order) plus what was left out and why."""

    splits: dict[str, list[int]]
    labels: dict[int, Label]
    n_groups: int
    n_grouped: int  # examples in groups of two or more
    excluded: dict[str, int] = field(default_factory=dict)
    capped: dict[Label, int] = field(default_factory=dict)

    def label_counts(self) -> dict[str, dict[Label, int]]:
        return {s: dict(sorted(Counter(self.labels[i] for i in ids).items(), key=lambda kv: _label_key(kv[0])))
                for s, ids in self.splits.items()}


def include_sql(include: str = "not_rejected") -> str:
    """The SQL condition on the `examples` table that picks what `select_ids` picks (the one include
    rule, for callers that count or preview without building a frame)."""
    include = include.replace("-", "_")
    if include not in INCLUDE:
        raise UserError(f"unknown include option {include!r}; use approved or not-rejected")
    status = "status = 'approved'" if include == "approved" else "status != 'rejected'"
    return f"{status} AND length(trim(coalesce(output, ''), ' ' || char(9, 10, 13))) > 0"


def select_ids(frame: pl.DataFrame, include: str = "not_rejected") -> tuple[list[int], dict[str, int]]:
    """Ids of the examples to export, sorted, and {reason: count} of those left out."""
    include = include.replace("-", "_")
    if include not in INCLUDE:
        raise UserError(f"unknown include option {include!r}; use approved or not-rejected")
    statuses = frame.get_column("status").to_list()
    ids = frame.get_column("id").to_list()
    # an example with no (or an empty) assistant answer teaches nothing and breaks every format
    answered = (frame.get_column("output").str.strip_chars().str.len_chars().fill_null(0) > 0).to_list() \
        if "output" in frame.columns else [True] * len(ids)
    keep = (lambda st: st == "approved") if include == "approved" else (lambda st: st != "rejected")
    chosen = sorted(i for i, st, ok in zip(ids, statuses, answered, strict=True) if keep(st) and ok)
    left = Counter(st for st in statuses if not keep(st))
    no_answer = sum(1 for st, ok in zip(statuses, answered, strict=True) if keep(st) and not ok)
    if no_answer:
        left["without an answer"] = no_answer
    return chosen, dict(sorted(left.items()))


def plan_split(frame: pl.DataFrame, flags: pl.DataFrame | None, *, seed: int = 0, test_fraction: float = 0.1,
               val_fraction: float = 0.0, test_count: int | None = None, val_count: int | None = None,
               include: str = "not_rejected", caps: Mapping[Any, int] | None = None) -> SplitPlan:
    """Choose the examples and split them, grouped and stratified.

    Args:
        frame: the project's examples frame (needs id, source_id, label, status, conversation).
        flags: the project's flags frame (example_id, check, cluster, state) or None.
        caps: {label: max examples} applied before splitting (None label = unlabelled).

    Raises:
        UserError: nothing to export, impossible sizes, or a requested test split left empty
            because everything is one group.
    """
    rng = random.Random(seed)
    ids, excluded = select_ids(frame, include)
    if not ids:
        what = "approved" if include.replace("-", "_") == "approved" else "non-rejected"
        why = excluded.get("without an answer")
        hint = f" ({why} have no assistant answer yet: write the answers first)" if why else ""
        raise UserError(f"no {what} examples to export{hint}")
    all_ids = frame.get_column("id").to_list()
    label_of = dict(zip(all_ids, frame.get_column("label").to_list(), strict=True))
    labels = {i: label_of[i] for i in ids}
    capped: dict[Label, int] = {}
    if caps:
        approved = frame.filter(frame.get_column("status") == "approved").get_column("id").to_list()
        ids, capped = apply_caps(ids, labels, caps, rng, preferred=approved)
        labels = {i: labels[i] for i in ids}
        if capped:
            excluded["over label cap"] = sum(capped.values())

    groups = group_examples(ids, [_conversation_pairs(frame), _cluster_pairs(flags), _copy_pairs(frame)])
    targets = split_targets(len(ids), test_fraction=test_fraction, val_fraction=val_fraction,
                            test_count=test_count, val_count=val_count)
    quotas = label_quotas(Counter(labels.values()), targets, rng)
    splits = assign_groups(groups, labels, quotas, rng)
    for name in ("test", "validation"):
        if targets[name] and not splits[name]:
            raise UserError(f"cannot make a {name} split: the {len(ids)} examples form "
                            f"{len(groups)} duplicate/conversation group(s) and all went to training")
    return SplitPlan(splits=splits, labels=labels, n_groups=len(groups),
                     n_grouped=sum(len(g) for g in groups if len(g) > 1), excluded=excluded, capped=capped)


def _conversation_pairs(frame: pl.DataFrame) -> Iterable[tuple[int, Hashable]]:
    if "conversation" not in frame.columns:
        return []
    sub = frame.select("id", "source_id", "conversation").filter(frame.get_column("conversation").is_not_null())
    return ((i, (s, c)) for i, s, c in sub.iter_rows())


def _cluster_pairs(flags: pl.DataFrame | None) -> Iterable[tuple[int, Hashable]]:
    if flags is None or flags.height == 0:
        return []
    import polars as pl

    sub = flags.filter(pl.col("check").is_in(CLUSTER_CHECKS) & pl.col("state").is_in(CLUSTER_STATES)
                       & pl.col("cluster").is_not_null())
    return ((e, (ch, cl)) for e, ch, cl in sub.select("example_id", "check", "cluster").iter_rows())


def _copy_pairs(frame: pl.DataFrame) -> Iterable[tuple[int, Hashable]]:
    # Exact copies stay together even when the duplicate checks have not been run.
    if "content_hash" not in frame.columns:
        return []
    return frame.select("id", "content_hash").iter_rows()


def _label_key(label: Label) -> tuple[int, str]:
    return (1, "") if label is None else (0, str(label))
