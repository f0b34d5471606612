#!/usr/bin/env python3
"""Gives a labelled `backtest` archive real-looking publication times, to score story grouping
as the daemon meets it: events break on different days and their reports follow within hours.

ECB+ (../shared/data/stories) times its articles ten minutes apart in random order, so
time tells nothing there and look-alike events (two quakes years apart) arrive side by side.
This writes the same articles with each event starting at a random moment in SPAN_DAYS,
the second event of a look-alike pair at least GAP_DAYS after the first (when GAP_DAYS > 0),
and each article following its event's start by an exponential delay of mean MEAN_HOURS,
in time order. --titles drops the text (a headline stream).

    scripts/retime-stories.py INPUT.jsonl GOLD.jsonl SEED SPAN_DAYS MEAN_HOURS [GAP_DAYS] [--titles] > OUT.jsonl
    newswatch --config all.toml backtest OUT.jsonl | python3 ../shared/data/score_stories.py GOLD.jsonl /dev/stdin

Look-alike pairs are read from the gold's `topic` field (events of one topic). Standard
library only; the same arguments give the same stream.
"""

import datetime as dt
import json
import random
import sys


def main(argv):
    titles = "--titles" in argv
    args = [a for a in argv[1:] if a != "--titles"]
    if len(args) not in (5, 6):
        sys.exit(__doc__)
    input_path, gold_path, seed, span, mean = args[:5]
    gap = float(args[5]) if len(args) == 6 else 0.0
    rng = random.Random(int(seed))
    span_h, mean_h, gap_h = float(span) * 24, float(mean), gap * 24

    event, topic_of = {}, {}
    with open(gold_path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                g = json.loads(line)
                event[g["id"]] = g["story"]
                topic_of[g["story"]] = g.get("topic", g["story"])

    start = {e: rng.uniform(0, span_h) for e in sorted(set(event.values()))}
    if gap_h > 0:
        by_topic = {}
        for e in sorted(start):
            by_topic.setdefault(topic_of[e], []).append(e)
        for events in by_topic.values():
            for first, other in zip(events, events[1:]):
                if abs(start[other] - start[first]) < gap_h:
                    start[other] = (start[first] + rng.uniform(gap_h, max(gap_h, span_h / 2))) % span_h

    t0 = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    rows = []
    with open(input_path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            if r["id"] not in event:
                continue
            hours = start[event[r["id"]]] + rng.expovariate(1 / mean_h)
            r["published"] = (t0 + dt.timedelta(hours=hours)).isoformat()
            if titles:
                r["text"] = ""
            rows.append((hours, r))
    rows.sort(key=lambda x: x[0])
    for _, r in rows:
        print(json.dumps(r, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
