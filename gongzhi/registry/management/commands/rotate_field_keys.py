"""Re-encrypt every sealed registry field with the current key (the first in GONGZHI_FIELD_KEYS).
After it has run, older keys can be removed from the configuration."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from gongzhi.registry import rotation


class Command(BaseCommand):
    help = "用当前密钥重新加密基础数据中的证件号码和电话。"

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=1000)

    def handle(self, *args, batch: int, **options):
        counts = rotation.rotate_all(batch=batch)
        for label, n in counts.items():
            self.stdout.write(f"{label}: 重新加密 {n} 行")
