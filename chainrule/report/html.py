"""One self-contained report.html per run: gradient health, final metrics, the pictures, config and history.

The file has no JavaScript and no external references: images are embedded as base64 data URIs and the CSS is
inline, so it can be mailed, archived or opened offline. All text from the run is HTML-escaped.

    >>> write_report("report.html", "spirals MLP", {"lr": 0.1}, history, {"accuracy": 0.98}, ["curves.png"])
    'report.html'
"""

from __future__ import annotations

import base64
import html
import json
import math
import mimetypes
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from chainrule.io import write_atomically
from chainrule.report.health import health_section

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; max-width: 1100px;
       margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.3em 0.8em; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f4f4f4; }
pre { background: #f7f7f7; border: 1px solid #e3e3e3; padding: 0.8em; overflow-x: auto; }
.reading { background: #eef5ff; border-left: 4px solid #4a7fd4; padding: 0.6em 1em; }
figure { margin: 1em 0; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
"""


# -- formatting -------------------------------------------------------------------------------------
def _format_number(value: Any) -> str:
    """Floats to 4 significant digits, everything else as str."""
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:.4g}"
    return str(value)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{key} = {_toml_value(item)}" for key, item in value.items()) + " }" if value else "{}"
    if isinstance(value, list | tuple):
        if any(isinstance(item, Mapping) for item in value):  # e.g. a model's layers: one per line
            return "[\n" + "".join(f"  {_toml_value(item)},\n" for item in value) + "]"
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _toml_lines(config: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The config as TOML text: plain keys first, then one [section] per nested non-empty mapping."""
    def is_section(value: Any) -> bool:
        return isinstance(value, Mapping) and bool(value)

    lines = [f"{key} = {_toml_value(value)}" for key, value in config.items() if not is_section(value)]
    for key, value in config.items():
        if is_section(value):
            lines += ["", f"[{prefix}{key}]", *_toml_lines(value, f"{prefix}{key}.")]
    return lines


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(name))}</th>" for name in header)
    body = []
    for row in rows:
        cells = []
        for value in row:
            css = ' class="number"' if isinstance(value, int | float) and not isinstance(value, bool) else ""
            cells.append(f"<td{css}>{html.escape(_format_number(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _history_table(history: Sequence[Mapping[str, Any]]) -> str:
    columns: list[str] = []
    for record in history:
        columns += [key for key in record if key not in columns and "/" not in key]  # per-layer: in the pictures
    return _table(columns, [[record.get(key, "") for key in columns] for record in history])


def _figure(caption: str, path: Path) -> str:
    if not path.is_file():
        raise FileNotFoundError(f"write_report: image {str(path)!r} does not exist")
    mime = mimetypes.guess_type(path.name)[0] or "image/png"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    alt = html.escape(caption)
    return f'<figure><img src="data:{mime};base64,{data}" alt="{alt}"><figcaption>{alt}</figcaption></figure>'


# -- the report -------------------------------------------------------------------------------------
def write_report(
    path: str | Path,
    title: str,
    config: Mapping[str, Any],
    history: Sequence[Mapping[str, Any]],
    final_metrics: Mapping[str, Any],
    images: Mapping[str, str | Path] | Sequence[str | Path] = (),
    findings: Sequence[Mapping[str, Any]] | None = None,
) -> str | Path:
    """Write one self-contained HTML report of a run and return `path`.

    Args:
        config: the run's configuration, shown as TOML-ish text (nested mappings become [sections]).
        history: per-epoch dicts as for `plot_curves`, shown as a table (without the per-layer diagnostics
            columns, which the gradient pictures show).
        final_metrics: metric name -> value, shown as a table.
        images: image files to embed, as {caption: path} or a list of paths (captioned by file name).
        findings: the gradient-health findings (`Finding.to_dict()`s), listed with evidence and fixes; an
            empty list says the run was healthy, None that diagnostics were off.

        >>> write_report("report.html", "run 1", {"lr": 0.1}, [], {"accuracy": 0.9}, {"curves": "curves.png"})
        'report.html'
    """
    if not isinstance(images, Mapping):
        images = {Path(image).stem.replace("_", " "): image for image in images}
    sections = [
        f"<h1>{html.escape(str(title))}</h1>",
        health_section(findings),
        "<h2>Final metrics</h2>",
        _table(["metric", "value"], list(final_metrics.items())),
    ]
    if images:
        sections.append("<h2>Pictures</h2>")
        sections += [_figure(str(caption), Path(image)) for caption, image in images.items()]
    sections += ["<h2>Configuration</h2>", f"<pre>{html.escape(chr(10).join(_toml_lines(config)))}</pre>"]
    if history:
        sections += [
            "<h2>History</h2>",
            f"<details><summary>{len(history)} epochs</summary>{_history_table(history)}</details>",
        ]
    document = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(str(title))}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(sections)
        + "\n</body>\n</html>\n"
    )
    write_atomically(path, document.encode("utf-8"))
    return path
