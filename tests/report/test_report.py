"""Pictures are real PNGs that tolerate missing keys and NaN; the HTML is self-contained, escaped and complete."""

from __future__ import annotations

import math
import re

import pytest

pytest.importorskip("matplotlib", reason="the report pictures need matplotlib (pip install 'chainrule[plots]')")

from chainrule.report import (
    best_epoch,
    plot_confusion_matrix,
    plot_curves,
    plot_gradient_flow,
    plot_learning_rate,
    write_report,
)
from chainrule.report.health import health_section, plot_gradient_heatmap, plot_unit_health

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _history(train, val=None, **extra):
    records = []
    for index, loss in enumerate(train):
        record = {"epoch": index + 1, "loss": loss}
        if val is not None:
            record["val_loss"] = val[index]
        for key, values in extra.items():
            record[key] = values[index]
        records.append(record)
    return records


OVERFITTING = _history(
    [1.0, 0.7, 0.5, 0.4, 0.3, 0.22, 0.16, 0.12, 0.09, 0.07],
    [1.05, 0.8, 0.62, 0.55, 0.5, 0.47, 0.45, 0.48, 0.53, 0.6],
    accuracy=[0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97],
    val_accuracy=[0.48, 0.57, 0.66, 0.7, 0.72, 0.74, 0.75, 0.74, 0.73, 0.72],
    lr=[0.1 * 0.7**epoch for epoch in range(10)],
)


def _assert_png(path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 5_000, f"{path.name} is only {len(data)} bytes: probably an empty figure"


# -- plots ------------------------------------------------------------------------------------------
def test_plots_write_real_pngs_and_return_the_path(tmp_path) -> None:
    paths = [
        plot_curves(OVERFITTING, tmp_path / "curves.png"),
        plot_learning_rate(OVERFITTING, tmp_path / "lr.png"),
        plot_confusion_matrix([[50, 3, 1], [4, 40, 6], [0, 5, 45]], tmp_path / "cm.png", ["cat", "dog", "bird"]),
        plot_confusion_matrix([[50, 3], [4, 40]], tmp_path / "cm_norm.png", normalize=True),
        plot_gradient_flow({"conv1.weight": 1e-4, "conv2.weight": 3e-3, "fc.weight": 0.2}, tmp_path / "grad.png"),
    ]
    assert [path.name for path in paths] == ["curves.png", "lr.png", "cm.png", "cm_norm.png", "grad.png"]
    for path in paths:
        _assert_png(path)


def test_curves_without_validation_keys_and_with_nan_losses(tmp_path) -> None:
    history = _history([1.0, math.nan, 0.6, float("inf"), 0.4], accuracy=[0.5, 0.6, math.nan, 0.7, 0.8])
    history[2].pop("loss")
    _assert_png(plot_curves(history, tmp_path / "curves.png"))
    _assert_png(plot_learning_rate(history, tmp_path / "lr.png"))  # no lr key at all: an empty but valid plot
    assert best_epoch(history) is None


def test_curves_with_explicit_metrics_and_all_nan_validation(tmp_path) -> None:
    history = _history([1.0, 0.8, 0.6], [math.nan] * 3, accuracy=[0.5, 0.6, 0.7])
    _assert_png(plot_curves(history, tmp_path / "curves.png", metrics=["accuracy", "f1"]))


def test_best_epoch_is_the_lowest_finite_validation_loss() -> None:
    assert best_epoch(OVERFITTING) == 7
    assert best_epoch(_history([1, 1, 1], [0.5, math.nan, 0.7])) == 1


def test_gradient_flow_marks_zero_and_nan_norms_without_crashing(tmp_path) -> None:
    _assert_png(plot_gradient_flow({"a": 0.0, "b": math.nan, "c": 0.5, "d": 2.0, "e": 1e-6}, tmp_path / "g.png"))


def test_confusion_matrix_must_be_square_and_named_consistently(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"square 2-D matrix, got shape \(2, 3\)"):
        plot_confusion_matrix([[1, 2, 3], [4, 5, 6]], tmp_path / "cm.png")
    with pytest.raises(ValueError, match="got 3 class_names for a 2x2 matrix"):
        plot_confusion_matrix([[1, 2], [3, 4]], tmp_path / "cm.png", class_names=["a", "b", "c"])


# -- gradient health ---------------------------------------------------------------------------------
FINDING = {"kind": "vanishing", "title": "vanishing gradients", "layers": ["0.weight", "2.weight"], "epoch": 2,
           "step": 80, "evidence": "their gradient RMS is 1.0e-09 of 8.weight's <small>",
           "suggestion": "use ReLU & He initialisation", "numbers": {"ratio": 1e-9}}
DIAGNOSED = _history([2.3, 2.3, 2.3], **{"grad_norm/total": [1.0, 1.1, 0.9], "grad_norm/0.weight": [1e-9, 1e-9, 0.0],
                                         "grad_norm/2.weight": [0.5, 0.4, 0.3], "dead/1": [0.1, 0.6, 0.7],
                                         "saturated/3": [0.0, 0.2, math.nan]})


def test_health_section_lists_findings_escaped_says_healthy_or_off() -> None:
    text = health_section([FINDING])
    assert "<strong>vanishing gradients</strong> in 0.weight, 2.weight (since epoch 2)" in text
    assert "of 8.weight&#x27;s &lt;small&gt;." in text and "<em>Fix:</em> use ReLU &amp; He initialisation." in text
    assert "Healthy: no findings" in health_section([]) and "<li" not in health_section([])
    assert "were off for this run" in health_section(None)


def test_gradient_pictures_from_the_monitor_columns(tmp_path) -> None:
    _assert_png(plot_gradient_heatmap(DIAGNOSED, tmp_path / "flow.png"))
    _assert_png(plot_unit_health(DIAGNOSED, tmp_path / "units.png", {"dead": 0.5, "saturated": 0.5}))
    assert plot_gradient_heatmap(OVERFITTING, tmp_path / "none.png") is None  # no grad_norm/ columns
    assert plot_unit_health(OVERFITTING, tmp_path / "none.png") is None
    assert not (tmp_path / "none.png").exists()


# -- the HTML report --------------------------------------------------------------------------------
def _report(tmp_path, config=None, **kwargs) -> str:
    curves = plot_curves(OVERFITTING, tmp_path / "curves.png")
    matrix = plot_confusion_matrix([[9, 1], [2, 8]], tmp_path / "confusion_matrix.png", ["no", "yes"])
    path = write_report(
        tmp_path / "report.html",
        kwargs.get("title", "Spirals & MLP <run 3>"),
        config if config is not None else {"seed": 0, "optimizer": {"name": "adam", "lr": 0.001}},
        OVERFITTING,
        {"accuracy": 0.9123, "val_loss": 0.6, "epochs": 10},
        kwargs.get("images", [curves, matrix]),
        kwargs.get("findings", [FINDING]),
    )
    return path.read_text(encoding="utf-8")


def test_report_contains_title_metrics_reading_and_embedded_images(tmp_path) -> None:
    text = _report(tmp_path)
    assert "<title>Spirals &amp; MLP &lt;run 3&gt;</title>" in text
    assert "<h1>Spirals &amp; MLP &lt;run 3&gt;</h1>" in text
    for name, value in [("accuracy", "0.9123"), ("val_loss", "0.6"), ("epochs", "10")]:
        assert re.search(rf"<td>{name}</td><td class=\"number\">{value}</td>", text)
    assert text.count("data:image/png;base64,") == 2
    assert 'alt="confusion matrix"' in text
    assert "<h2>Gradient health</h2>" in text and "<strong>vanishing gradients</strong>" in text
    assert "Reading of the curves" not in text  # the findings replace the old one-line reading
    assert "[optimizer]" in text and "name = &quot;adam&quot;" in text and "lr = 0.001" in text


def test_report_is_self_contained_and_escapes_config_values(tmp_path) -> None:
    text = _report(tmp_path, config={"note": "<script>alert('x')</script>", "layers": [64, 64]})
    assert "<script" not in text.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text
    assert "layers = [64, 64]" in text
    without_images = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
    assert "http" not in without_images.lower()
    assert "src=" not in without_images.replace('src=""', "")  # every src is a data URI


def test_report_with_captioned_images_and_missing_image(tmp_path) -> None:
    text = _report(tmp_path, images={"Loss <b>curves</b>": plot_curves(OVERFITTING, tmp_path / "c.png")})
    assert "<figcaption>Loss &lt;b&gt;curves&lt;/b&gt;</figcaption>" in text
    with pytest.raises(FileNotFoundError, match=r"missing\.png"):
        _report(tmp_path, images=[tmp_path / "missing.png"])


def test_curves_get_a_panel_per_metric_not_per_timing_key() -> None:
    from chainrule.report.plots import _default_metrics

    history = [{"epoch": 1, "loss": 1.0, "accuracy": 0.5, "val_loss": 1.1, "val_accuracy": 0.4, "lr": 0.1,
                "seconds": 0.2, "samples_per_second": 5000.0, "f1score": 0.3}]
    assert _default_metrics(history) == ["accuracy", "f1score"]


def test_report_shows_the_config_as_valid_toml(tmp_path) -> None:
    import html
    import tomllib

    config = {"name": "run", "data": {"options": {}, "batch_size": 32},
              "model": {"layers": [{"type": "Linear", "in_features": 4, "out_features": 2}, {"type": "ReLU"}]},
              "callbacks": {"checkpoint": {"monitor": "val_loss"}, "progress_bar": True}}
    path = write_report(tmp_path / "r.html", "run", config, [], {})
    text = html.unescape(re.search(r"<pre>(.*?)</pre>", path.read_text(), re.S).group(1))
    assert tomllib.loads(text) == config
    assert '  { type = "Linear", in_features = 4, out_features = 2 },' in text
