#!/usr/bin/env python3
"""Fills a newswatch database through the real pipeline, for looking at `newswatch report`.

Serves the ECB+ story set (../shared/data/stories, 40 real events reported by many
articles) as six RSS feeds on a loopback server, with publication times shifted to end two
hours ago, writes a config with a few topics, and runs `newswatch once` twelve times, the
feeds growing in time order between runs as they would over those days. One headline
carries markup-like text, to see that the report shows it as text.

    scripts/demo-store.py OUT_DIR [NEWSWATCH_BINARY] [ARCHIVE.jsonl]

Leaves OUT_DIR/config.toml and OUT_DIR/newswatch.db; then
    newswatch --config OUT_DIR/config.toml report --out OUT_DIR/report.html
Standard library only; no network beyond 127.0.0.1.
"""

import datetime as dt
import html
import http.server
import json
import os
import subprocess
import sys
import threading
from email.utils import format_datetime

OUTLETS = ["Wire Service", "Daily Courier", "Evening Post", "Metro News", "Harbour Times", "The Observer"]
TOPICS = {
    "Crime and courts": "police OR shooting OR charged OR arrested OR murder OR inmate",
    "Fires and disasters": "fire OR blaze OR earthquake OR quake OR flood",
    "Celebrities": "rehab OR actress OR actor OR singer OR publicist OR pin-up",
    "Elections": "election OR voters OR ballot OR parliament",
}


def main():
    out = os.path.abspath(sys.argv[1])
    binary = sys.argv[2] if len(sys.argv) > 2 else "newswatch"
    here = os.path.dirname(os.path.abspath(__file__))
    archive = sys.argv[3] if len(sys.argv) > 3 else os.path.join(
        here, "../../shared/data/stories/ecbplus-dev.input.jsonl")
    os.makedirs(out, exist_ok=True)
    rows = [json.loads(l) for l in open(archive, encoding="utf-8") if l.strip()]
    rows.append({
        "id": "markup", "title": "Fire at \"Smith & Sons\" warehouse: losses < $1m, says <b>council</b>",
        "text": "A fire broke out at the council hall on Monday. Firefighters saved the museum.",
        "published": rows[-1]["published"],
    })
    parse = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    shift = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2) - max(parse(r["published"]) for r in rows)
    feeds = {i: [] for i in range(len(OUTLETS))}
    for n, r in enumerate(rows):
        feeds[n % len(OUTLETS)].append(r)

    cutoff = [None]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            try:
                i = int(self.path.strip("/").split(".")[0].removeprefix("feed"))
                shown = [r for r in feeds[i] if parse(r["published"]) <= cutoff[0]]
                body = rss(i, shown, shift, self.server.server_address[1]).encode()
            except (ValueError, KeyError):
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = os.path.join(out, "config.toml")
    with open(config, "w", encoding="utf-8") as f:
        f.write(f'[daemon]\ndatabase = "{out}/newswatch.db"\nnotify_existing = true\n'
                'fetch_articles = false\nper_host_delay = "0s"\n\n')
        for i, name in enumerate(OUTLETS):
            f.write(f'[[feeds]]\nurl = "http://127.0.0.1:{port}/feed{i}.xml"\nname = "{name}"\n\n')
        for name, query in TOPICS.items():
            f.write(f'[[topics]]\nname = "{name}"\nquery = {json.dumps(query)}\n'
                    'min_update_interval = "3h"\n\n')
        f.write("[notify]\ndesktop = false\nlog = false\n")
    times = sorted(parse(r["published"]) for r in rows)
    for k in range(1, 13):
        cutoff[0] = times[len(times) * k // 12 - 1]
        subprocess.run([binary, "--quiet", "--config", config, "once"], check=True)
    server.shutdown()


def rss(i, rows, shift, port):
    items = []
    for r in reversed(rows):  # newest first, as feeds list them
        published = dt.datetime.fromisoformat(r["published"].replace("Z", "+00:00")) + shift
        text = "".join(f"<p>{html.escape(p)}</p>" for p in r.get("text", "").split("\n") if p.strip())
        items.append(
            f"<item><guid isPermaLink=\"false\">{html.escape(r['id'])}</guid>"
            f"<title>{html.escape(r['title'])}</title>"
            f"<link>https://news.example/{i}/{html.escape(r['id'])}</link>"
            f"<description>{html.escape(text)}</description>"
            f"<pubDate>{format_datetime(published)}</pubDate></item>")
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>"
            f"<title>{OUTLETS[i]}</title><link>http://127.0.0.1:{port}/</link>"
            + "".join(items) + "</channel></rss>")


if __name__ == "__main__":
    main()
