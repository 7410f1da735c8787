"""Benchmark of assisted dispatch (issue 16): suggestion accuracy on held-out appeals, training time,
suggestion latency, similar-case search over a large ledger, duplicate detection on planted pairs.

    .venv/bin/python bench/suggest_bench.py [--train-size 10000] [--index-size 100000] [--queries 1000]

- Accuracy: trained on the shipped starter set only, evaluated on bench/data/suggest-eval.tsv
  (hand-written, another voice, never trained on) and on the 12345 simulator's problem texts
  (written earlier by another author for the hotline simulator: a second, independent check).
- Training: on N appeals composed with tools/suggest_starter.py's phrase banks (another seed).
- Latency: one `CategoryModel.suggest` per call (segmentation, features, probabilities,
  explanation), timed one by one over the evaluation texts.
- Similar cases: an index of M synthetic closed appeals; one `SimilarCases.search` per query.
- Duplicates: the 20 hand-written restatements (bench/data/suggest-duplicates.tsv) and 1,000 planted
  template pairs, each against the enterprise's own earlier appeals, and as many new appeals that are
  not duplicates (half of them of the same category as an earlier appeal of the enterprise).
Not a test: prints Markdown tables for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
try:
    import appeals  # noqa: F401
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(ROOT / "workers"))
sys.path.insert(0, str(ROOT / "tools"))

import numpy as np  # noqa: E402
import suggest_starter as phrases  # noqa: E402

from appeals.hotline.simulator import PROBLEMS  # noqa: E402
from appeals.suggest import Example, read_examples, starter_examples, train  # noqa: E402
from appeals.suggest.duplicates import is_duplicate, similarities  # noqa: E402
from appeals.suggest.evaluation import evaluate  # noqa: E402
from appeals.suggest.similar import ClosedAppeal, SimilarCases  # noqa: E402

EVAL = ROOT / "bench" / "data" / "suggest-eval.tsv"
DUPLICATES = ROOT / "bench" / "data" / "suggest-duplicates.tsv"
HOTLINE_PREFIX = ("来电人反映：", "市民热线转来工单：", "企业通过12345反映，", "企业来电称，", "")
REPLIES = ("已协调{dept}办理，问题已解决。", "经{dept}现场核实，已列入计划分步解决。", "已向企业说明政策规定，暂不具备解决条件。",
           "已召开专题会协调，{dept}已完成整改。")


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def composed(rng: random.Random, n: int) -> list[Example]:
    categories = list(phrases.BANK)
    return [Example(c, *phrases.compose(rng, c)) for c in (rng.choice(categories) for _ in range(n))]


def accuracy(model) -> None:
    held_out = read_examples(EVAL)
    simulator = [Example(c, p.format(year=2025, amount=80, kva=1250, workers=50), h.format(amount=80))
                 for c, items in PROBLEMS.items() for p, h in items]
    print("\n### Accuracy (trained on the starter set: "
          f"{model.examples} examples, {model.seconds:.1f} s)\n")
    print("| evaluation set | examples | top-1 | top-3 |\n|---|---:|---:|---:|")
    results = {}
    problem_only = [Example(e.category, e.problem, "") for e in held_out]
    for name, examples in (("hand-written held-out set", held_out), ("12345 simulator texts", simulator),
                           ("held-out set, 主要困难和问题 only", problem_only)):
        r = evaluate(model, examples)
        results[name] = r
        print(f"| {name} | {r.total} | {r.top1 * 100:.1f}% | {r.top3 * 100:.1f}% |")
    r = results["hand-written held-out set"]
    print("\nPer category (hand-written held-out set):\n\n| category | examples | precision | recall |\n|---|---:|---:|---:|")
    for category, v in r.per_category.items():
        print(f"| {category} | {v['support']} | {v['precision'] * 100:.0f}% | {v['recall'] * 100:.0f}% |")
    print("\nConfusions (true → suggested, both sets): " + ", ".join(
        f"{k} {r.confusions[k] + results['12345 simulator texts'].confusions[k]}" for k in r.confusions))
    for name, res in results.items():
        for e in res.errors:
            print(f"- miss ({name}): {e['category']} → {e['suggested']}: {e['problem']}")


def training_and_latency(rng: random.Random, size: int, queries: int) -> object:
    examples = composed(rng, size)
    started = time.perf_counter()
    model = train(examples)
    seconds = time.perf_counter() - started
    texts = [e for e in read_examples(EVAL)]
    model.suggest("预热", "")
    times, cpu = [], []
    for i in range(queries):
        e = texts[i % len(texts)]
        t0, c0 = time.perf_counter(), time.thread_time()
        model.suggest(e.problem, e.requested_help)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    print(f"\n### Training and suggestion\n\n| what | value |\n|---|---:|\n| training on {size:,} appeals | {seconds:.1f} s |"
          f"\n| suggestion p50 | {pct(times, 50):.2f} ms |\n| suggestion p95 | {pct(times, 95):.2f} ms |"
          f"\n| suggestion max | {max(times):.2f} ms |\n| suggestion CPU time p95 (this thread) | {pct(cpu, 95):.2f} ms |")
    return model


def similar_search(rng: random.Random, size: int, queries: int) -> None:
    categories = list(phrases.BANK)
    depts = ("供电公司", "自然资源局", "人社局", "金融办", "发改局", "工信局")
    cases = []
    closed = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in range(size):
        c = rng.choice(categories)
        problem, help_ = phrases.compose(rng, c)
        cases.append(ClosedAppeal(f"p{i}", f"某县服企办收（2025）第{i}号", c, problem, help_, rng.choice("AABC"),
                                  rng.choice(REPLIES).format(dept=rng.choice(depts)), closed,
                                  f"某县第{i}号有限公司", "联系人"))
    started = time.perf_counter()
    index = SimilarCases(cases)
    build = time.perf_counter() - started
    texts = read_examples(EVAL)
    index.search("预热")
    times, cpu, hits = [], [], 0
    for i in range(queries):
        e = texts[i % len(texts)]
        t0, c0 = time.perf_counter(), time.thread_time()
        found = index.search(e.problem, e.requested_help)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
        hits += bool(found) and found[0].category == e.category
    print(f"\n### Similar past cases over {size:,} closed appeals\n\n| what | value |\n|---|---:|"
          f"\n| index build (once per worker, again when appeals were closed) | {build:.1f} s |"
          f"\n| search p50 | {pct(times, 50):.1f} ms |\n| search p95 | {pct(times, 95):.1f} ms |"
          f"\n| search CPU time p95 (this thread) | {pct(cpu, 95):.1f} ms |"
          f"\n| most similar case of the same category | {hits / queries * 100:.0f}% of queries |")


def duplicates(model, rng: random.Random, planted: int) -> None:
    def verdicts(new: str, history: list[str]) -> list[bool]:
        cat_new = model.suggest(new).category
        scores = similarities(model, new, history)
        return [is_duplicate(s, model.suggest(h).category == cat_new) for s, h in zip(scores, history, strict=True)]

    def score(cases: list[tuple[str, list[str], int | None]]) -> tuple[int, int, int, int]:
        tp = fp = fn = tn = 0
        for new, history, truth in cases:
            flagged = verdicts(new, history)
            for j, f in enumerate(flagged):
                if j == truth:
                    tp += f
                    fn += not f
                else:
                    fp += f
                    tn += not f
        return tp, fp, fn, tn

    hand = [line.split("\t") for line in DUPLICATES.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    others = read_examples(EVAL)
    hand_cases = []
    for category, first, second in hand:
        fillers = [e.text for e in rng.sample(others, 2)]
        history = [first, *fillers]
        rng.shuffle(history)
        hand_cases.append((second, history, history.index(first)))
        # a new, different problem of the same enterprise and category: not a duplicate
        same_category = [e.text for e in others if e.category == category and e.text != second]
        hand_cases.append((rng.choice(same_category), history, None))

    template_cases = []
    categories = list(phrases.BANK)
    for i in range(planted):
        c = rng.choice(categories)
        bank = phrases.BANK[c]
        situation = rng.choice(bank["situations"])
        slots = {k: rng.choice(v) for k, v in phrases.SLOTS.items()}
        first = rng.choice(phrases.OPENERS) + situation.format(**slots) + "，" + rng.choice(phrases.CONSEQUENCES) \
            + rng.choice(bank["requests"])
        history = [first] + [" ".join(phrases.compose(rng, rng.choice(categories))) for _ in range(2)]
        rng.shuffle(history)
        if i % 2 == 0:
            slots = {k: rng.choice(v) for k, v in phrases.SLOTS.items()}
            new = rng.choice(HOTLINE_PREFIX) + situation.format(**slots) + "。" + rng.choice(bank["requests"])
            template_cases.append((new, history, history.index(first)))
        else:  # the same enterprise, another problem of the same category
            other = rng.choice([s for s in bank["situations"] if s != situation])
            new = rng.choice(HOTLINE_PREFIX) + other.format(**slots) + "。" + rng.choice(bank["requests"])
            template_cases.append((new, history, None))

    print("\n### Duplicates (each new appeal against its enterprise's earlier appeals)\n\n"
          "| planted set | duplicates | not duplicates | recall | precision | false alarms per non-duplicate appeal |"
          "\n|---|---:|---:|---:|---:|---:|")
    for name, cases in (("hand-written restatements", hand_cases), ("template restatements", template_cases)):
        tp, fp, fn, _tn = score(cases)
        positives = sum(1 for c in cases if c[2] is not None)
        negatives = len(cases) - positives
        false_alarm_appeals = sum(any(verdicts(n, h)) for n, h, t in cases if t is None)
        print(f"| {name} | {positives} | {negatives} | {tp / (tp + fn) * 100:.0f}% | "
              f"{(tp / (tp + fp) * 100) if tp + fp else 0:.0f}% | {false_alarm_appeals / negatives * 100:.0f}% |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-size", type=int, default=10_000)
    parser.add_argument("--index-size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--planted", type=int, default=1000)
    args = parser.parse_args()
    import os

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, "
          f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    starter = train(starter_examples())
    accuracy(starter)
    training_and_latency(random.Random(7), args.train_size, args.queries)
    similar_search(random.Random(8), args.index_size, args.queries)
    duplicates(starter, random.Random(9), args.planted)


if __name__ == "__main__":
    main()
