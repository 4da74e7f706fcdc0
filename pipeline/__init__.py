"""policy-themes: how the emphasis of economic-policy statements shifts over time.

The Python API mirrors the CLI:

    from pipeline import segment_inputs
    run = segment_inputs(["data/statements"])
    df = run.sentence_frame()

Names are imported on first use, so `import pipeline` (and `--help`) stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Failure": "records",
    "Removed": "records",
    "Sentence": "records",
    "Statement": "records",
    "StatementResult": "records",
    "ReadOptions": "readers",
    "read_statements": "readers",
    "segment_statement": "segment",
    "split_en": "segment",
    "split_zh": "segment",
    "SegmentRun": "workflow",
    "segment_inputs": "workflow",
    "ThemeModel": "model",
    "load_model": "model",
    "classify_sentences": "classify",
    "run_classify": "batch",
    "load_taxonomy": "themes",
    "ReportOptions": "report",
    "build_report": "report",
    "confusion_counts": "report",
    "run_report": "publish",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
