"""app.mysite.test: the demo's Python application, plain WSGI (PEP 3333), standard library only.

Every page is made per request: the time, the request id the web server sent (X-Request-ID, the
same id as in its access log and in this app's access log), and the headers the app saw.
  /            home
  /time        the time now, the request id
  /headers     every request header the app received
  /form        a form that POSTs; the answer shows what was sent
  /api/info    the same facts as JSON
PAGES holds each page's title and text; the demo's search engine indexes them from here.
"""

import datetime
import html
import json
import os
import urllib.parse

PAGES = {
    "/": ("The demo application",
          "A Python WSGI application run by webcycle app behind the web server. Its pages are "
          "made per request: the time, the request id, the headers it saw, a form that posts."),
    "/time": ("What time is it",
              "The time now, made by the Python application for this one request, and the "
              "request id that the web server and the application both log."),
    "/headers": ("Request headers",
                 "Every request header the application received from the web server acting "
                 "as a reverse proxy: Host, X-Request-ID, X-Forwarded-For, User-Agent."),
    "/form": ("A form that posts",
              "An HTML form sent with POST: the application reads the request body and shows "
              "what was sent, field by field."),
    "/api/info": ("JSON endpoint",
                  "The request facts as JSON: time, request id, method, path and headers."),
}

NAV = "".join('<a href="{0}">{1}</a> '.format(path, html.escape(title))
              for path, (title, _) in PAGES.items())


def _headers(environ):
    out = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            out[key[5:].replace("_", "-").title()] = value
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            out[key.replace("_", "-").title()] = environ[key]
    return out


def _facts(environ):
    return {
        "time": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "request_id": environ.get("HTTP_X_REQUEST_ID", ""),
        "method": environ.get("REQUEST_METHOD", ""),
        "path": environ.get("PATH_INFO", ""),
        "query": environ.get("QUERY_STRING", ""),
        "host": environ.get("HTTP_HOST", ""),
        "pid": os.getpid(),
        "headers": _headers(environ),
    }


def _page(environ, title, body, status="200 OK"):
    facts = _facts(environ)
    text = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}}
nav a{{margin-right:1rem}} table{{border-collapse:collapse}} td,th{{border:1px solid #ccd;padding:.2rem .5rem;text-align:left}}
.facts{{color:#556;font-size:.9rem}}</style></head>
<body>
<nav>{nav} <a href="http://www.mysite.test{port}/">the static site</a></nav>
<h1>{title}</h1>
{body}
<p class="facts">made at <span id="time">{time}</span> by process {pid} for request
<code id="request-id">{rid}</code></p>
</body>
</html>
""".format(title=html.escape(title), nav=NAV, body=body, time=facts["time"], pid=facts["pid"],
           rid=html.escape(facts["request_id"]), port=_port(environ))
    return status, "text/html; charset=utf-8", text.encode("utf-8")


def _port(environ):
    host = environ.get("HTTP_HOST", "")
    if ":" in host and not host.endswith("]"):
        port = host.rsplit(":", 1)[1]
        return "" if port == "80" else ":" + port
    return ""


def _read_form(environ):
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    return urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)


def home(environ):
    items = "".join('<li><a href="{0}">{1}</a>: {2}</li>'.format(
        p, html.escape(t), html.escape(x)) for p, (t, x) in PAGES.items() if p != "/")
    return _page(environ, PAGES["/"][0], "<p>{0}</p><ul>{1}</ul>".format(
        html.escape(PAGES["/"][1]), items))


def time_page(environ):
    facts = _facts(environ)
    return _page(environ, PAGES["/time"][0],
                 '<p>It is <strong id="now">{0}</strong> here.</p>'
                 '<p>The web server gave this request the id <code>{1}</code>: look for it in '
                 'the web server\'s access.log and in this application\'s access log.</p>'.format(
                     facts["time"], html.escape(facts["request_id"])))


def headers_page(environ):
    rows = "".join("<tr><th>{0}</th><td>{1}</td></tr>".format(html.escape(k), html.escape(v))
                   for k, v in sorted(_headers(environ).items()))
    return _page(environ, PAGES["/headers"][0],
                 '<table id="headers">{0}</table>'.format(rows))


FORM = """<form method="post" action="/form">
<p><label>Your name <input name="name" id="name" value=""></label></p>
<p><label>Your message <textarea name="message" id="message" rows="3" cols="40"></textarea></label></p>
<p><button type="submit" id="send">Send</button></p>
</form>"""


def form_page(environ):
    if environ.get("REQUEST_METHOD") == "POST":
        fields = _read_form(environ)
        rows = "".join('<tr><th>{0}</th><td>{1}</td></tr>'.format(html.escape(k), html.escape(v))
                       for k, v in fields)
        body = ('<p id="sent">You sent {0} field(s) with POST:</p><table id="fields">{1}</table>'
                '<p><a href="/form">Send another</a></p>').format(len(fields), rows)
        return _page(environ, "What you sent", body)
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return _page(environ, "Method not allowed", "<p>GET or POST only.</p>",
                     "405 Method Not Allowed")
    return _page(environ, PAGES["/form"][0], FORM)


def info(environ):
    return "200 OK", "application/json", json.dumps(_facts(environ), indent=2).encode("utf-8")


ROUTES = {"/": home, "/time": time_page, "/headers": headers_page, "/form": form_page,
          "/api/info": info}


def app(environ, start_response):
    handler = ROUTES.get(environ.get("PATH_INFO", "/"))
    if handler is None:
        status, ctype, body = _page(environ, "Not found",
                                    "<p>The application has no such page.</p>", "404 Not Found")
    else:
        status, ctype, body = handler(environ)
    start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(body))),
                            ("Cache-Control", "no-store")])
    return [body]
