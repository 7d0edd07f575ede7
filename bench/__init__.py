"""Performance benchmarks for cx-tui (`make bench`); not part of `make test`.

`python -m bench.run` runs every scenario and writes `bench/results/latest.md` and `.json`.
Each scenario runs in its own process, against fake vendor servers that run in another process
on 127.0.0.1 (`bench.fakeserver`), so the servers never compete with the measured event loop.
"""
