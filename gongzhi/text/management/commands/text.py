"""`gongzhi text …`: evaluate and cross-validate the category classifier on labelled CSV files,
train a model version from the deployment's closed cases, and find duplicates and hot issues in
any messages file (`id,user,title,detail,time,dislikes,likes`)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.errors import DomainError


class Command(BaseCommand):
    help = "Text analysis: evaluate | cv | train | duplicates | hot"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ev = sub.add_parser(
            "evaluate",
            help="the deployed model: train on one labelled CSV, test on another "
            "(--train/--test), or on the older part of one file, test on the newer (--split time FILE)",
        )
        ev.add_argument("file", nargs="?", help="with --split time: the one labelled CSV")
        ev.add_argument("--train")
        ev.add_argument("--test")
        ev.add_argument("--split", choices=["time"], default=None)
        ev.add_argument("--test-share", type=float, default=0.2, help="with --split time: the newest share")
        ev.add_argument("--seed", type=int, default=None)
        cv = sub.add_parser(
            "cv", help="stratified k-fold cross-validation of the deployed model on a labelled CSV"
        )
        cv.add_argument("file")
        cv.add_argument("--folds", type=int, default=5)
        cv.add_argument("--seed", type=int, default=None)
        sub.add_parser("train", help="train a model version on closed cases (activated if not worse)")
        dup = sub.add_parser("duplicates", help="pairs of near-duplicate messages: id1,id2,score")
        dup.add_argument("file")
        dup.add_argument("--min-score", type=float, default=0.5)
        dup.add_argument("--days", type=float, default=None, help="only pairs this close in time")
        dup.add_argument(
            "--groups", action="store_true", help="families of reposts instead of pairs: group,size,ids"
        )
        hot = sub.add_parser("hot", help="clusters of messages about the same issue: size,ids,terms")
        hot.add_argument("file")
        hot.add_argument("--threshold", type=float, default=0.3)
        hot.add_argument(
            "--evaluate",
            metavar="READINGS",
            help="score the clusters against people's readings (CSV team,issue,message_id): "
            "for each issue the readers agree on, the best cluster's Jaccard index",
        )
        hot.add_argument("--min-size", type=int, default=3)
        hot.add_argument("--top", type=int, default=0, help="print only the best N clusters")

    def handle(self, *args, **opts) -> None:
        getattr(self, "_" + opts["action"])(opts)

    def _seed(self, opts) -> int:
        from gongzhi.text.classify import SEED

        return SEED if opts.get("seed") is None else opts["seed"]

    def _read(self, path: str):
        from gongzhi.text.classify import read_labelled

        try:
            data = read_labelled(path)
        except (OSError, KeyError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        if not data.labels:
            raise CommandError(f"{path}: no labelled rows (columns id,title,detail,time,category)")
        return data

    def _evaluate(self, opts) -> None:
        from gongzhi.text.classify import evaluate

        if opts["split"] == "time":
            from gongzhi.text.classify import split_by_time

            if not opts["file"] or opts["train"] or opts["test"]:
                raise CommandError("--split time takes one labelled file: evaluate --split time FILE")
            if not 0 < opts["test_share"] < 1:
                raise CommandError("--test-share must be between 0 and 1")
            data = self._read(opts["file"])
            if not any(data.times):
                raise CommandError(f"{opts['file']}: no readable time column to split by")
            train, test = split_by_time(data, test_share=opts["test_share"])
            newest = max(t for t in train.times if t) if any(train.times) else None
            self.stderr.write(f"time split: train up to {newest}, test after")
        else:
            if not opts["train"] or not opts["test"] or opts["file"]:
                raise CommandError(
                    "evaluate --train TRAIN.csv --test TEST.csv, or evaluate --split time FILE"
                )
            train, test = self._read(opts["train"]), self._read(opts["test"])
        started = time.monotonic()
        result = evaluate(train, test, seed=self._seed(opts))
        self.stderr.write(
            f"train {len(train.labels)}, test {len(test.labels)}, {time.monotonic() - started:.1f}s"
        )
        self.stdout.write("\n".join(result.lines()))

    def _cv(self, opts) -> None:
        from gongzhi.text.classify import cross_validate

        data = self._read(opts["file"])
        if opts["folds"] < 2:
            raise CommandError("--folds must be at least 2")
        result, per_fold = cross_validate(data, folds=opts["folds"], seed=self._seed(opts))
        self.stdout.write("folds " + " ".join(f"{f:.3f}" for f in per_fold))
        self.stdout.write("\n".join(result.lines()))

    def _train(self, opts) -> None:
        from gongzhi.text.services import train_category_model

        try:
            result = train_category_model()
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        m = result.version.metrics.get("category", {})
        self.stdout.write(
            f"v{result.version.version} trained on {result.version.trained_on}, "
            f"held back {result.version.held_back}: macro-F1 {m.get('macro_f1', 0):.3f}, "
            f"top-3 {m.get('top3', 0):.3f}; {'active' if result.activated else 'not activated'} ({result.reason})"
        )

    def _messages(self, path: str):
        from gongzhi.text.messages import read_messages

        try:
            return read_messages(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc

    def _duplicates(self, opts) -> None:
        from gongzhi.text.duplicates import all_pairs, repost_groups

        msgs = self._messages(opts["file"])
        if opts["groups"]:
            groups = repost_groups(
                [m.id for m in msgs],
                [m.text for m in msgs],
                min_score=opts["min_score"],
                times=[m.when for m in msgs],
                days=opts["days"],
            )
            for number, members in enumerate(groups, 1):
                self.stdout.write(f"{number},{len(members)},{' '.join(str(i) for i in members)}")
            return
        pairs = all_pairs(
            [m.id for m in msgs],
            [m.text for m in msgs],
            min_score=opts["min_score"],
            times=[m.when for m in msgs],
            days=opts["days"],
        )
        for a, b, score in pairs:
            self.stdout.write(f"{a},{b},{score:.3f}")

    def _hot(self, opts) -> None:
        from gongzhi.text.hot import Item, hot_issues

        msgs = self._messages(opts["file"])
        clusters = hot_issues(
            [Item(m.id, m.title, m.text, m.when, m.likes) for m in msgs],
            threshold=opts["threshold"],
            min_size=opts["min_size"],
        )
        if opts["evaluate"]:
            self._hot_evaluate(clusters, opts["evaluate"])
            return
        if opts["top"]:
            clusters = clusters[: opts["top"]]
        for c in clusters:
            self.stdout.write(f"{c.size},{' '.join(str(i) for i in c.ids)},{' '.join(c.terms)}")

    def _hot_evaluate(self, clusters, path: str) -> None:
        import csv
        from collections import defaultdict

        from gongzhi.text.hot import agreed_issues, evaluate

        readings: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
        try:
            with open(path, encoding="utf-8-sig", newline="") as fh:
                for row in csv.DictReader(fh):
                    readings[row["team"]][row["issue"]].add(row["message_id"])
        except (OSError, KeyError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc} (columns team,issue,message_id)") from exc
        agreed = agreed_issues(readings)
        each = {f"{team}:{issue}": ids for team, issues in readings.items() for issue, ids in issues.items()}
        self.stdout.write(
            f"{len(clusters)} clusters, the largest {max((c.size for c in clusters), default=0)}"
        )
        for title, issues in (("issues the readers agree on", agreed), ("each reader's issues", each)):
            scores = evaluate(clusters, issues)
            self.stdout.write(f"\n{title}: issue,size,best_jaccard,best_cluster_size")
            for s in scores:
                self.stdout.write(f"{s.name},{s.size},{s.best_jaccard:.3f},{s.best_size}")
            if scores:
                mean = sum(s.best_jaccard for s in scores) / len(scores)
                reached = sum(1 for s in scores if s.best_jaccard >= 0.5)
                self.stdout.write(f"mean {mean:.3f}; {reached} of {len(scores)} at 0.5 or more")
