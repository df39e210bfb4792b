"""Run the checks on Ray (optional `scale` extra): `ftcurate check PROJECT --engine ray [--address ADDR]`.

The heavy, per-text work runs as Ray Data map steps (normalise + MinHash signatures, PII analysis,
language detection, sentence embeddings); near-duplicate candidates are found with a distributed LSH
bucket join (group by band hash); the results come back to the project (its caches, and the
near-duplicate components for this run), and the ordinary runner then writes the flags, so the flags
have the same ids, shape and content as a single-machine run. See docs/guide/scale.md.

Nothing here is imported by the desktop app or by `ftcurate.core`; `ray` itself is imported lazily.
"""

from __future__ import annotations

from ftcurate.core.errors import UserError

INSTALL_HINT = "the Ray engine needs the 'scale' extra: pip install 'ftcurate[scale]' (it installs ray[data])"


def require_ray():
    """Import and return `ray`, or raise a one-line UserError saying which extra to install."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise UserError(INSTALL_HINT) from None
    return ray
