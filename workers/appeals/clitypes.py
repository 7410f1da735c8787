"""Click parameter types shared by the commands: a moment as people type dates (the 12345 import's
parser, `appeals.hotline.timeparse`), so `--since 2026年11月1日`, `2026/11/1`, `2026-11-01 08:30` all work."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from .hotline.timeparse import parse_datetime


class Moment(click.ParamType):
    """An aware datetime (Asia/Shanghai unless an offset is given) from any spelling `parse_datetime`
    reads: 2026-11-01, 2026/11/1, 2026年11月1日, 2026年11月1日 8:30, 20261101, ISO 8601 with offset.
    Anything else is a usage error with a Chinese message (exit code 2)."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
        if moment is None:
            self.fail(f"无法识别的日期“{str(value)[:40]}”：请写作 2026-11-01、2026/11/1 或 2026年11月1日"
                      "（可加时间，如 2026年11月1日 8:30）", param, ctx)
        return moment


MOMENT = Moment()
