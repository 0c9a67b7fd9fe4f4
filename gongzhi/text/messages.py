"""Reading message files in the public_messages.csv format (`id,user,title,detail,time,dislikes,likes`)."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Message:
    id: str
    title: str
    detail: str
    when: dt.datetime | None
    likes: int = 0
    dislikes: int = 0

    @property
    def text(self) -> str:
        return f"{self.title}。{self.detail}"


def parse_time(value: str) -> dt.datetime | None:
    value = (value or "").strip()
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def _int(value: str) -> int:
    try:
        return int(float(value or 0))
    except ValueError:
        return 0


def read_messages(path: str | Path) -> list[Message]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [
            Message(
                id=(row.get("id") or "").strip(),
                title=row.get("title") or "",
                detail=row.get("detail") or "",
                when=parse_time(row.get("time") or ""),
                likes=_int(row.get("likes", "0")),
                dislikes=_int(row.get("dislikes", "0")),
            )
            for row in csv.DictReader(fh)
        ]
