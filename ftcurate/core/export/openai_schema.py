"""Moved to `ftcurate.core.formats.openai_schema` (the OpenAI format's own rules); kept for old imports."""

from ftcurate.core.formats.openai_schema import *  # noqa: F403
from ftcurate.core.formats.openai_schema import MIN_TRAIN_EXAMPLES, _validator, plainly_valid, schema_errors

__all__ = ["MIN_TRAIN_EXAMPLES", "_validator", "plainly_valid", "schema_errors"]
