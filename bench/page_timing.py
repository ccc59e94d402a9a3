"""Median in-process time of the case page (300 entries) and the overview, 25 requests each after two warm-up
requests: `python -m bench.page_timing LABEL`. For comparing two checkouts on the same data set, run alternately
(the machine's load moves these figures more than small changes do; see docs/performance.md)."""

import statistics
import sys
import time


def main(label: str = "") -> None:
    from bench import environment

    environment.setup()
    from bench.generate import load_info
    from bench.measure import _client

    info = load_info()
    client, _user = _client(info["user"])
    for name, path in (("case_300", f"/dossiers/d/{info['big_case']}/"),
                       ("overview_open", f"/dossiers/{info['school']}/")):
        client.get(path)
        client.get(path)
        times = []
        for _ in range(25):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        print(label, name, response.status_code, "median_ms", round(statistics.median(times), 1),
              "min_ms", round(min(times), 1), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:2])
