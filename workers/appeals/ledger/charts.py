"""Charts of the bulletin as PNG images (matplotlib, Agg backend, the WenQuanYi Micro Hei font).

The Chinese font is registered explicitly from its file (Debian package fonts-wqy-microhei), so the
charts never depend on matplotlib's font cache or the machine's locale. Without the file the charts
are still drawn (with a warning), but Chinese labels would show as boxes.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402

log = logging.getLogger(__name__)

CHINESE_FONT_FILES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)
RATE_LABELS = {"response_rate": "响应率", "on_time_rate": "按时办结率", "resolution_rate": "解决率",
               "satisfaction_rate": "满意率"}
COLORS = ("#1f4e79", "#2e75b6", "#70ad47", "#ed7d31")


@lru_cache(maxsize=4)
def chinese_font(override: str | None = None) -> FontProperties:
    """The Chinese font, registered with matplotlib's font manager once per font file. `override`: a
    font file to prefer (the settings' `reports.chart_font`, APPEALS_CHART_FONT), else the Debian ones."""
    candidates = [Path(p) for p in (override,) if p] + list(CHINESE_FONT_FILES)
    for path in candidates:
        if path.is_file():
            font_manager.fontManager.addfont(str(path))
            return FontProperties(fname=str(path))
    log.warning("no Chinese font found (%s): install the Debian package fonts-wqy-microhei",
                ", ".join(str(p) for p in candidates))
    return FontProperties()


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=150)
    figure.set_layout_engine("constrained")
    return figure


def _png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def department_rates_chart(names: Sequence[str], rates: dict[str, Sequence[float | None]], title: str,
                           font_file: str | None = None) -> bytes:
    """Grouped bars: for each department its rates in percent (a missing rate draws no bar).
    `font_file`: the settings' `reports.chart_font` (None: the Debian Chinese fonts)."""
    font = chinese_font(font_file)
    figure = _figure(7.2, max(3.2, 0.32 * len(names) + 1.6))
    axes = figure.subplots()
    count = max(len(rates), 1)
    height = 0.8 / count
    positions = list(range(len(names)))
    for index, (key, values) in enumerate(rates.items()):
        ys = [p + (index - (count - 1) / 2) * height for p in positions]
        widths = [0 if v is None else 100 * v for v in values]
        axes.barh(ys, widths, height=height, label=RATE_LABELS.get(key, key), color=COLORS[index % len(COLORS)])
    axes.set_yticks(positions, labels=list(names), fontproperties=font, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("%", fontproperties=font)
    axes.set_title(title, fontproperties=font, fontsize=11)
    axes.grid(axis="x", alpha=0.3)
    legend = axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=min(count, 4), frameon=False)
    for text in legend.get_texts():
        text.set_fontproperties(font)
        text.set_fontsize(8)
    return _png(figure)


def trend_chart(labels: Sequence[str], series: dict[str, Sequence[float | None]], title: str,
                font_file: str | None = None) -> bytes:
    """Lines of the monthly rates in percent (a month without a denominator leaves a gap).
    `font_file`: as for department_rates_chart."""
    font = chinese_font(font_file)
    figure = _figure(7.2, 3.4)
    axes = figure.subplots()
    xs = list(range(len(labels)))
    for index, (key, values) in enumerate(series.items()):
        ys = [float("nan") if v is None else 100 * v for v in values]
        axes.plot(xs, ys, marker="o", markersize=3, label=RATE_LABELS.get(key, key), color=COLORS[index % len(COLORS)])
    axes.set_xticks(xs, labels=list(labels), fontproperties=font, fontsize=8, rotation=30)
    axes.set_ylim(0, 105)
    axes.set_ylabel("%", fontproperties=font)
    axes.set_title(title, fontproperties=font, fontsize=11)
    axes.grid(alpha=0.3)
    legend = axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=4, frameon=False)
    for text in legend.get_texts():
        text.set_fontproperties(font)
        text.set_fontsize(8)
    return _png(figure)
