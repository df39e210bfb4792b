"""Duplicate detection: normalisation and exact hashing, vectorised MinHash with datasketch LSH,
sentence embeddings with approximate nearest neighbours, clusters with a suggested keeper, and
resolving a cluster as one undoable edit.

Modules: `normalize` (texts, exact groups), `minhash` (signatures), `lsh` (near pairs), `embed`
(model + cache), `ann` (cosine pairs), `clusters` (components, keeper rank), `engine` (the funnel the
checks in `ftcurate.core.checks.duplicates` run), `flags` (clusters -> flags), `resolve` (edits).
"""
