"""Search: ``search`` (the same search as /search and /api/search), ``reindex`` and ``lemmas``."""

from __future__ import annotations

import html
import json
import os
import re
import sys
import time

from readingroom.cli.indexing import index_after_write
from readingroom.records.params import InvalidQuery
from readingroom.search import lemmas, services
from readingroom.search.indexing import IndexBusy, reindex, request_rebuild


def cmd_search(args) -> int:
    params: dict = {"q": " ".join(args.query), "sort": args.sort, "page": args.page, "per_page": args.limit}
    for item in args.filter or []:
        key, sep, value = item.partition("=")
        if not sep:
            print(f"error: --filter takes FACET=VALUE, not {item!r}", file=sys.stderr)
            return 2
        params.setdefault(key, [])
        if isinstance(params[key], list):
            params[key].append(value)
        else:
            params[key] = value
    for key in ("date_from", "date_to"):
        if getattr(args, key):
            params[key] = getattr(args, key)
    try:
        page = services.search(params, facets=args.format == "json" or args.facets)
    except InvalidQuery as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(page.as_json(), ensure_ascii=False, indent=2))
        return 0
    for notice in page.notices:
        print(f"note: {notice}", file=sys.stderr)
    about = "" if page.results.total_exact else "about "
    print(f"{about}{page.total:,} results" + (f" (page {page.page} of {page.pages})" if page.pages > 1 else ""))
    for n, d in enumerate(page.documents, start=page.request.offset + 1):
        print(
            f"\n{n}. {d['title']}\n   {d['id']} · {d['date']['display'] or 'undated'}"
            + (f" · {d['repository']}" if d["repository"] else "")
        )
        if d["snippet"]:
            text = html.unescape(re.sub(r"</?b>", "*", d["snippet"]))
            print("   " + " ".join(text.split()))
    if args.facets:
        for f in page.facet_list():
            print(f"\n{f['label']}: " + ", ".join(f"{v['label']} ({v['count']})" for v in f["values"][:10]))
    return 0


def cmd_reindex(args) -> int:
    try:
        result = reindex(
            progress=lambda done, total: print(f"reindex: {done:,} of {total:,}", file=sys.stderr)
            if done % 20000 == 0
            else None
        )
    except IndexBusy:
        # a running server owns the index: ask it to rebuild, and wait for it
        t0 = time.monotonic()
        request_rebuild()
        print("reindex: the running server rebuilds the search index ...", file=sys.stderr, flush=True)
        if not index_after_write(timeout=float(os.environ.get("READINGROOM_INDEX_WAIT_SECONDS", "3600"))):
            return 1
        print(f"reindexed by the running server in {time.monotonic() - t0:.1f} s")
        return 0
    print(f"reindexed {result['documents']:,} documents in {result['seconds']} s ({result['backend']})")
    return 0


def cmd_lemmas(args) -> int:
    built = lemmas.build_all(report=True)
    print(f"lemmas: {len(built)} built, {len(lemmas.LANGUAGES) - len(built)} already there, in {lemmas.directory()}")
    return 0
