"""Run the benchmarks (``make bench``): prints tables and writes benchmarks/results.json.

Benchmarks are run on demand, never as timed tests: machines are shared and noisy, so
compare only figures measured side by side in one run.
"""

import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from benchmarks import chain, jacobian  # noqa: E402
from benchmarks.common import machine  # noqa: E402

SUITES = {"jacobian": jacobian, "chain": chain}


def main(argv=None):
    names = (argv if argv is not None else sys.argv[1:]) or list(SUITES)
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {list(SUITES)}")
        return 2
    results = {"machine": machine()}
    for name in names:
        rows = SUITES[name].run()
        SUITES[name].report(rows)
        print()
        results[name] = rows
    out = pathlib.Path(__file__).with_name("results.json")
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
