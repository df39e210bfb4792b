"""Importer modules whose classes register themselves on import."""

IMPORTER_MODULES = ("ftcurate.core.importers.finetune",)
