"""ftcurate: curate support logs, FAQs and catalogs into fine-tuning data, and fine-tune on it."""

__version__ = "0.1.0"
