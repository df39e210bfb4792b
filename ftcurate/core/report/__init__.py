"""The data-health report: `health_data` (numbers for the GUI Health panel and the page) and
`write_report` (one self-contained HTML file with inline SVG charts)."""

from ftcurate.core.report.health import health_data
from ftcurate.core.report.html import render_html, write_report

__all__ = ["health_data", "render_html", "write_report"]
