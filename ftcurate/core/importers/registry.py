"""Importer modules whose classes register themselves on import (`@register_importer`).

`ftcurate.core.importing.load_importers` imports each module listed here.
"""

IMPORTER_MODULES = (
    "ftcurate.core.importers.finetune",
    "ftcurate.core.importers.support_tools",
    "ftcurate.core.importers.social",
    "ftcurate.core.importers.support",
    "ftcurate.core.importers.transcripts",
    "ftcurate.core.importers.threads",
    "ftcurate.core.importers.mail",
    "ftcurate.core.importers.faq",
    "ftcurate.core.importers.faq_docs",
    "ftcurate.core.importers.catalog",
)
