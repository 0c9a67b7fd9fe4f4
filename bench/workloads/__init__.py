"""The workloads, in the order they run. Each is `run(scale, log) -> list[Row]`."""

from bench.workloads import dashboard, geo, http, intake, partition, peer, queue, slots, text
from gongzhi.insight import benchmark as insight_benchmark

REGISTRY = [
    ("queue", queue.run),
    ("dashboard", dashboard.run),
    ("geo", geo.run),
    ("intake", intake.run),
    ("http", http.run),
    ("registry", slots.registry_import),
    ("duplicates", slots.duplicate_lookup),
    ("text", text.run),
    ("peer", peer.run),
    ("partition", partition.run),
    ("insight", insight_benchmark.run),
]
