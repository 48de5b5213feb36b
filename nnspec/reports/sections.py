"""The report sections plugins register: each adds a heading, text, pictures and tables to a run's page.

A section that raises, or returns something other than a SectionContent, is named
with its plugin in the report's notes; the rest of the report is still written.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..rundir import SavedRun
from ..types import SectionContent
from .report import Report


def add_sections(run: SavedRun, report: Report) -> None:
    """Build every registered section for this run into `report.sections`, in name order."""
    from ..plugins import get_registries

    registry = get_registries().report_sections
    for name in registry.names():
        section = registry.get(name)
        plugin = registry.provider.get(name, "")
        by = f" (plugin {plugin})" if plugin else ""
        try:
            content = section.build(run)
            if isinstance(content, SectionContent):  # checked here, so a bad table cannot break the page
                content.tables = {str(k): v if isinstance(v, pd.DataFrame) else pd.DataFrame(v)
                                  for k, v in content.tables.items()}
                content.pictures = {str(k): Path(v) for k, v in content.pictures.items()}
        except Exception as error:  # a plugin's bug must not cost the rest of the report
            report.notes.append(f"report section '{section.name}'{by} failed: {type(error).__name__}: {error}")
            continue
        if content is None:
            continue
        if not isinstance(content, SectionContent):
            report.notes.append(
                f"report section '{section.name}'{by} returned {type(content).__name__}, not a SectionContent"
            )
            continue
        report.sections.append(content)
