"""search.mysite.test: the demo's search engine, plain WSGI (PEP 3333), standard library only.

At start it indexes the text of the demo sites: every HTML file of the static site
www.mysite.test, read from disk (WEBCYCLE_DEMO_WWW, default ../../www from this folder), and the
pages of the application app.mysite.test by their known text (demo_app.PAGES).

/search?q=WORDS answers an HTML page with an <ol id="results"> of the matching pages, best first.
Ranking: a page's score is, over the query's words, the word's count in the page's text plus
three times its count in the title; pages with more distinct query words come first, then by
score, then by URL. A page matching no query word is not listed. /search.json gives the same list
as JSON. Links carry the port the request came in on (Host header), so they work on 8080 too.
"""

import html
import html.parser
import json
import os
import re
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
WWW = os.path.normpath(os.path.join(HERE, os.environ.get("WEBCYCLE_DEMO_WWW", "../../www")))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "../app")))
import demo_app  # noqa: E402  (the app's pages and their text)

WORD = re.compile(r"[a-z0-9]+")
TITLE_WEIGHT = 3


class _Text(html.parser.HTMLParser):
    """The title and the visible text of one HTML page (less the menu, header and footer every
    page of the site repeats)."""

    def __init__(self):
        super().__init__()
        self.title, self.text, self._in = "", [], []

    def handle_starttag(self, tag, attrs):
        self._in.append(tag)

    def handle_endtag(self, tag):
        while self._in and self._in.pop() != tag:
            pass

    def handle_data(self, data):
        if "title" in self._in:
            self.title += data
        elif not ({"style", "script", "nav", "header", "footer"} & set(self._in)):
            self.text.append(data)


def _words(text):
    return WORD.findall(text.lower())


def _doc(site, path, title, text):
    return {"site": site, "path": path, "title": title.strip(), "text": " ".join(text.split()),
            "title_words": _words(title), "words": _words(text)}


def build_index():
    docs = []
    for folder, _, files in os.walk(WWW):
        for name in sorted(files):
            if not name.endswith(".html"):
                continue
            full = os.path.join(folder, name)
            parser = _Text()
            with open(full, encoding="utf-8") as f:
                parser.feed(f.read())
            path = "/" + os.path.relpath(full, WWW).replace(os.sep, "/")
            if path.endswith("/index.html"):
                path = path[: -len("index.html")]
            docs.append(_doc("www.mysite.test", path, parser.title, "".join(parser.text)))
    for path, (title, text) in demo_app.PAGES.items():
        docs.append(_doc("app.mysite.test", path, title, text))
    return docs


INDEX = build_index()


def search(query):
    terms = list(dict.fromkeys(_words(query)))
    results = []
    for doc in INDEX:
        matched, score = 0, 0
        for term in terms:
            hits = doc["words"].count(term) + TITLE_WEIGHT * doc["title_words"].count(term)
            if hits:
                matched += 1
                score += hits
        if matched:
            results.append((matched, score, doc))
    results.sort(key=lambda r: (-r[0], -r[1], r[2]["site"], r[2]["path"]))
    return [(score, doc) for _, score, doc in results]


def _port(environ):
    host = environ.get("HTTP_HOST", "")
    if ":" in host and not host.endswith("]"):
        port = host.rsplit(":", 1)[1]
        return "" if port == "80" else ":" + port
    return ""


def _snippet(doc, terms, size=160):
    text = doc["text"]
    low = text.lower()
    hits = [m.start() for m in (re.search(r"\b" + re.escape(t) + r"\b", low) for t in terms) if m]
    at = min(hits or [0])
    start = max(0, at - 40)
    if start:
        start = text.find(" ", start) + 1  # from a word's start
    cut = text[start:start + size]
    return ("..." if start else "") + cut + ("..." if start + size < len(text) else "")


def _respond(start_response, status, ctype, body):
    start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(body))),
                            ("Cache-Control", "no-store")])
    return [body]


FORM = ('<form action="/search" method="get"><input name="q" id="q" value="{0}" size="40">'
        ' <button type="submit" id="go">Search</button></form>')


def app(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    params = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    query = params.get("q", [""])[0]
    port = _port(environ)
    rid = environ.get("HTTP_X_REQUEST_ID", "")
    if path == "/search.json":
        found = [{"url": "http://" + d["site"] + port + d["path"], "title": d["title"],
                  "score": s} for s, d in search(query)]
        body = json.dumps({"query": query, "results": found, "request_id": rid}, indent=2)
        return _respond(start_response, "200 OK", "application/json", body.encode("utf-8"))
    if path not in ("/", "/search"):
        return _respond(start_response, "404 Not Found", "text/plain; charset=utf-8",
                        b"no such page\n")
    found = search(query) if path == "/search" else []
    terms = _words(query)
    items = "".join(
        '<li><a href="http://{site}{port}{path}">{title}</a> <cite>{site}{path}</cite>'
        '<p>{snippet}</p></li>'.format(site=d["site"], port=port, path=d["path"],
                                       title=html.escape(d["title"]),
                                       snippet=html.escape(_snippet(d, terms)))
        for _, d in found)
    if path == "/search":
        summary = '<p id="summary">{0} result(s) for <q>{1}</q></p>'.format(
            len(found), html.escape(query))
        listing = '<ol id="results">{0}</ol>'.format(items) if found else \
            '<p id="none">Nothing on the demo sites matches.</p>'
    else:
        summary = "<p>Search the demo sites: www.mysite.test and app.mysite.test.</p>"
        listing = ""
    title = "Search: " + query if path == "/search" else "Search the demo"
    body = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}}
cite{{color:#18794e;font-style:normal;font-size:.85rem}} li{{margin-bottom:.8rem}} li p{{margin:.2rem 0}}</style>
</head>
<body>
<h1>mysite search</h1>
{form}
{summary}
{listing}
<p style="color:#667;font-size:.85rem">request <code id="request-id">{rid}</code></p>
</body>
</html>
""".format(title=html.escape(title), form=FORM.format(html.escape(query)), summary=summary,
           listing=listing, rid=html.escape(rid))
    return _respond(start_response, "200 OK", "text/html; charset=utf-8", body.encode("utf-8"))
