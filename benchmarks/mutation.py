"""Mutation score of the checks: every mutant of every solution, and the corpus of correct answers.

    python benchmarks/mutation.py [--assignment ID ...] [--seeds 1,2] [--limit N]

Each mutant (devtools/mutation/) is graded in-process under every seed; it is killed when the
same tests fail it under each seed. A survivor must be listed, with the reason, in
tests/assignments/equivalent_<assignment>.py; the engine also compares each survivor's functions with
the solution's on the observers' calls with random inputs and weights ("probe"). A mutant whose
verdict differs between seeds is reported apart: a verdict must never depend on the draw. Every
correct answer of tests/assignments/correct_<assignment>.py must keep full marks. Writes each
assignment's result, with its provenance, into benchmarks/results/mutation.json (keeping the others') and
prints a summary.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
sys.path.insert(0, str(REPO))

from autograder import registry  # noqa: E402
from benchmarks.provenance import provenance, recorded_assignments  # noqa: E402
from devtools import mutation  # noqa: E402
from tests.assignments.variants import equivalent as equivalent_mutants  # noqa: E402


def run_assignment(assignment_id: str, seeds: tuple[int, ...], limit: int | None, log) -> dict:
    started = time.monotonic()
    equivalent = equivalent_mutants(assignment_id)
    with mutation.Worker(assignment_id, seeds=seeds) as worker:
        mutants = worker.mutants()[:limit]
        results, survivors, seed_dependent = {}, [], []
        for number, mutant in enumerate(mutants, 1):
            graded = worker.grade({mutant.cell: mutant.source})
            results[mutant.key] = graded
            if graded.depends_on_seed:
                seed_dependent.append({"mutant": mutant.key, "failed": {str(s): sorted(f) for s, f in graded.failed.items()}})
            elif graded.full_marks:
                probe = worker.differences({mutant.cell: mutant.source})
                survivors.append({"mutant": mutant.key, "reason": equivalent.get(mutant.key),
                                  "probe": probe or "same outputs, weights and settings on every recorded call"})
            log(f"  [{number}/{len(mutants)}] {'killed ' if graded.killed else 'SURVIVED'} "
                f"{graded.seconds:6.1f} s  {mutant.key[:110]}")
        corpus = {}
        for name, replacements in importlib.import_module(f"tests.assignments.correct_{assignment_id}").CORRECT.items():
            graded = worker.grade(replacements)
            corpus[name] = {"full_marks": graded.full_marks and not graded.cell_errors,
                            "failed": {str(s): f for s, f in graded.failed.items() if f}, "errors": graded.cell_errors}
            log(f"  corpus {name}: {'full marks' if corpus[name]['full_marks'] else 'LOST POINTS'}")
    killed = sum(1 for graded in results.values() if graded.killed)
    explained = [s for s in survivors if s["reason"]]
    by_operator = {}
    for mutant in mutants:
        counts = by_operator.setdefault(mutant.operator, {"killed": 0, "total": 0})
        counts["total"] += 1
        counts["killed"] += results[mutant.key].killed
    return {
        "killed": killed,
        "total": len(mutants),
        "equivalent": len(explained),
        "mutation_score": round(killed / max(1, len(mutants) - len(explained)), 4),
        "by_operator": by_operator,
        "survivors": survivors,
        "unexplained_survivors": [s["mutant"] for s in survivors if not s["reason"]],
        "stale_equivalent_entries": sorted(set(equivalent) - {s["mutant"] for s in survivors}),
        "seed_dependent": seed_dependent,
        "corpus": corpus,
        "corpus_full_marks": f"{sum(c['full_marks'] for c in corpus.values())}/{len(corpus)}",
        "seconds": round(time.monotonic() - started, 1),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", action="append", choices=registry.assignment_ids(REPO), help="default: all")
    parser.add_argument("--seeds", default=",".join(map(str, mutation.SEEDS)), help="observer seeds, comma-separated")
    parser.add_argument("--limit", type=int, help="only the first N mutants of each assignment (a quick look)")
    args = parser.parse_args(argv)
    seeds = tuple(int(s) for s in args.seeds.split(","))
    report = {}
    for assignment_id in args.assignment or registry.assignment_ids(REPO):
        print(f"{assignment_id}:", flush=True)
        result = run_assignment(assignment_id, seeds, args.limit, lambda line: print(line, flush=True))
        report[assignment_id] = {**provenance(), "seeds": list(seeds), **result}
    path = RESULTS / "mutation.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"assignments": {**recorded_assignments(path), **report}}, indent=2) + "\n")
    problems = 0
    print("\n| assignment | killed/total | equivalent | mutation score | corpus | seconds |\n|---|---|---|---|---|---|")
    for assignment_id, result in report.items():
        print(f"| {assignment_id} | {result['killed']}/{result['total']} | {result['equivalent']} | "
              f"{result['mutation_score']:.1%} | {result['corpus_full_marks']} | {result['seconds']} |")
    for assignment_id, result in report.items():
        for key in result["unexplained_survivors"]:
            print(f"UNEXPLAINED SURVIVOR {assignment_id}: {key}")
        for entry in result["seed_dependent"]:
            print(f"VERDICT DEPENDS ON THE SEED {assignment_id}: {entry['mutant']} {entry['failed']}")
        for name, outcome in result["corpus"].items():
            if not outcome["full_marks"]:
                print(f"CORRECT ANSWER LOST POINTS {assignment_id}: {name} {outcome}")
        problems += (len(result["unexplained_survivors"]) + len(result["seed_dependent"])
                     + sum(not c["full_marks"] for c in result["corpus"].values()))
    print(f"\nwrote {RESULTS / 'mutation.json'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
