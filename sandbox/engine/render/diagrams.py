"""Every diagram of a trace, by the name the page shows it under (`Evaluation.diagrams`)."""

from __future__ import annotations

from ..trace import Trace
from .charts import all_charts
from .flow import flow_diagram


def all_diagrams(trace: Trace) -> dict[str, str]:
    """The decision flowchart (with the path taken marked, and plain), then the charts."""
    return {"flow": flow_diagram(trace), "flow_plain": flow_diagram(trace, marked=False),
            **all_charts(trace)}
