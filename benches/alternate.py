#!/usr/bin/env python3
"""Times commands in turn, round after round, and prints each one's medians.

    python3 benches/alternate.py ROUNDS 'LABEL|[NAME=VALUE ...] COMMAND ...' ...

Running the commands alternately, rather than one after the other, puts each
under the same machine: on a shared machine whose speed drifts, a comparison
made in the same minutes is the one that holds. Prints the median wall-clock
time and CPU time (user + system, children included) of each command. Two
builds of docwright compared this way each need their own copy of the cache
(`XDG_CACHE_HOME=...`), so that one's files do not change the other's.
"""

import os
import resource
import shlex
import statistics
import subprocess
import sys
import time


def parse(spec: str):
    label, command = spec.split("|", 1)
    words = shlex.split(command)
    env = dict(os.environ)
    while words and "=" in words[0] and not words[0].startswith(("/", ".")):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    return label, words, env


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    commands = [parse(spec) for spec in sys.argv[2:]]
    times = {label: ([], []) for label, _, _ in commands}
    for _ in range(rounds):
        for label, words, env in commands:
            before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.monotonic()
            done = subprocess.run(words, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            wall, after = time.monotonic() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode != 0:
                sys.exit(f"{label}: exit {done.returncode}: {done.stderr}")
            cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            times[label][0].append(wall)
            times[label][1].append(cpu)
    for label, (wall, cpu) in times.items():
        print(f"{label:24s} wall {statistics.median(wall) * 1000:7.2f} ms   cpu {statistics.median(cpu) * 1000:7.2f} ms")


if __name__ == "__main__":
    main()
