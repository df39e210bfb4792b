"""Importers turn raw files into `Example`s. See `ftcurate.core.importers.base` for the contract."""
