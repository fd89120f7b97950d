"""Gunicorn settings side by side: ``python benchmarks/workers.py 4x2 2x2 [--rounds 4]``.

Each setting ``WxT`` is ``--workers W --threads T`` of the platform's worker class
(``lms.core.serving.ThreadWorker``). The demo province is built once on a PostgreSQL database of its own
(dropped at the end) with run.py's 200 learners. Then, round after round, each setting serves the
hello world and the learner mix on 8 connections in turn, as run.py does. Prints the ratio, p99 and
CPU of each run and each setting's medians: on a shared machine one run moves by ±20 %, so only
rounds alternated within minutes compare two settings. A measurement, not a test.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run  # noqa: E402  (benchmarks/run.py: the same seeding, server and load generator)


def setting(text: str) -> tuple[int, int]:
    found = re.fullmatch(r"(\d+)x(\d+)", text)
    if not found:
        raise argparse.ArgumentTypeError(f"{text!r}: expected WORKERSxTHREADS, e.g. 2x2")
    return int(found.group(1)), int(found.group(2))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("settings", nargs="+", type=setting, help="WORKERSxTHREADS, e.g. 4x2 2x2")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=float, default=8, help="measured seconds of each run (after 2 s of warm-up)")
    parser.add_argument("--server", default=run.SERVER)
    args = parser.parse_args(argv)

    with run.served_province(args.server, "workers") as (learners, env, work):
        sessions = run.learner_sessions(learners)
        runs: dict[str, list[dict]] = {f"{w}x{t}": [] for w, t in args.settings}
        for number in range(1, args.rounds + 1):
            for workers, threads in args.settings:
                name = f"{workers}x{threads}"
                run.GUNICORN = ["--worker-class", "lms.core.serving.ThreadWorker", "--workers", str(workers),
                                "--threads", str(threads), "--backlog", "2048"]
                measured = {}
                for kind, app_spec, chdir, target in (("hello", "hello:create_app()", BENCH, {"paths": ["/"]}),
                                                      ("learner", "lms:create_app()", run.ROOT, {"sessions": sessions})):
                    server = run.Server(app_spec, env, work / f"{kind}.log", chdir=chdir)
                    try:
                        measured[kind] = run.load("throughput", {"port": server.port, "server_pid": server.process.pid,
                                                                 "connections": 8, "warmup": 2, "duration": args.duration,
                                                                 **target}, work, 300)
                    finally:
                        server.stop()
                hello, mix = measured["hello"], measured["learner"]
                ratio = mix["rps"] / hello["rps"] if hello["rps"] else 0.0
                runs[name].append({"ratio": ratio, "p99": mix["p99_ms"], "rps": mix["rps"], "hello": hello["rps"]})
                print(f"round {number} {name}: hello {hello['rps']} requests/s ({hello['server_cpu_ms_per_request']} ms); "
                      f"learner {mix['rps']} pages/s, p50 {mix['p50_ms']} ms, p99 {mix['p99_ms']} ms, CPU "
                      f"{mix['server_cpu_ms_per_request']} + {mix['postgres_cpu_ms_per_request']} ms; ratio {ratio:.3f}",
                      flush=True)
        for name, values in runs.items():
            med = {key: statistics.median(v[key] for v in values) for key in ("ratio", "p99", "rps", "hello")}
            print(f"median {name}: ratio {med['ratio']:.3f}, learner p99 {med['p99']:.1f} ms, learner {med['rps']:.1f} "
                  f"pages/s, hello {med['hello']:.1f} requests/s over {len(values)} rounds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
