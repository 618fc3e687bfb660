"""Measure kg.lineage on hand-labelled task pairs: precision / recall / F1 and a PR table.

    .venv/bin/python scripts/lineage_eval.py [PAIRS_JSON] [--ablation]

The threshold is chosen on the pairs marked "dev" and reported on the "test" pairs and on all pairs;
kg.lineage.THRESHOLD should equal the chosen one (the script says so when it does not).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kg import lineage

PAIRS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "lineage" / "pairs.json"
ABLATIONS = {
    "bigrams only": lineage.Weights(unit=0.0, value=0.0, indicator=1.0, stop_phrases=False, clause=0.0),
    "+ stop phrases": lineage.Weights(unit=0.0, value=0.0, indicator=1.0, clause=0.0),
    "+ quantities": lineage.Weights(indicator=1.0, clause=0.0),
    "+ indicator bigrams": lineage.Weights(clause=0.0),
    "+ best clause (the method)": lineage.DEFAULT_WEIGHTS,
}


def scores_of(pairs: list[dict], weights: lineage.Weights = lineage.DEFAULT_WEIGHTS) -> list[float]:
    """Score every pair with IDF from all texts of the file (as link() does with the tasks it links)."""
    scorer = lineage.Scorer([text for p in pairs for text in (p["a"], p["b"])], weights)
    return [scorer.score(p["a"], p["b"]) for p in pairs]


def _line(name: str, m: lineage.Measure) -> str:
    return f"{name:<10} P={m.precision:.2f} R={m.recall:.2f} F1={m.f1:.2f}  (tp={m.tp} fp={m.fp} fn={m.fn})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", nargs="?", type=Path, default=PAIRS)
    parser.add_argument("--ablation", action="store_true", help="also compare the method's features")
    args = parser.parse_args()
    pairs = json.loads(args.pairs.read_text(encoding="utf-8"))["pairs"]
    labels = [p["same"] for p in pairs]
    scores = scores_of(pairs)
    dev = [i for i, p in enumerate(pairs) if p["split"] == "dev"]
    test = [i for i, p in enumerate(pairs) if p["split"] == "test"]

    def subset(idx: list[int]) -> tuple[list[float], list[bool]]:
        return [scores[i] for i in idx], [labels[i] for i in idx]

    chosen = lineage.choose_threshold(*subset(dev))
    print(
        f"{len(pairs)} pairs ({sum(labels)} same, {len(labels) - sum(labels)} different); "
        f"dev {len(dev)}, test {len(test)}"
    )
    print(f"threshold chosen on dev: {chosen:.2f}  (kg.lineage.THRESHOLD = {lineage.THRESHOLD:.2f})")
    for name, idx in (("dev", dev), ("test", test), ("all", list(range(len(pairs))))):
        print(_line(name, lineage.measure(*subset(idx), lineage.THRESHOLD)))

    print("\nPR table (all pairs)\nthreshold  precision  recall  F1")
    for t in (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7):
        m = lineage.measure(scores, labels, t)
        mark = "  <- THRESHOLD" if abs(t - lineage.THRESHOLD) < 1e-9 else ""
        print(f"{t:9.2f}  {m.precision:9.2f}  {m.recall:6.2f}  {m.f1:.2f}{mark}")

    errors = [(scores[i], p) for i, p in enumerate(pairs) if (scores[i] >= lineage.THRESHOLD) != p["same"]]
    print(f"\nerrors at THRESHOLD ({len(errors)}):")
    for score, p in sorted(errors, key=lambda e: -e[0]):
        kind = "false link " if not p["same"] else "missed link"
        print(f"  {kind} {score:.3f} #{p['id']} [{p['kind']}/{p['split']}] {p['a'][:28]} | {p['b'][:28]}")

    if args.ablation:
        print(
            "\nablation (threshold re-chosen on dev for each)        dev F1   test P   test R  test F1  seed 一.7/二.22"
        )
        for name, weights in ABLATIONS.items():
            s = scores_of(pairs, weights)
            t = lineage.choose_threshold([s[i] for i in dev], [labels[i] for i in dev])
            d = lineage.measure([s[i] for i in dev], [labels[i] for i in dev], t)
            m = lineage.measure([s[i] for i in test], [labels[i] for i in test], t)
            seed = next(
                s[i] for i, p in enumerate(pairs) if p.get("note", "").startswith("seed 一.7 / 二.22")
            )
            found = "found" if seed >= t else "missed"
            print(
                f"  {name:<28} t={t:.2f} {d.f1:9.2f} {m.precision:8.2f} {m.recall:8.2f} {m.f1:8.2f}  {seed:.2f} {found}"
            )
    if chosen != lineage.THRESHOLD:
        print(f"\nnote: kg.lineage.THRESHOLD differs from the threshold chosen on dev ({chosen:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
