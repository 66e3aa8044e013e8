"""The files both servers serve, byte for byte the same and with the same modification time, so
ETag ("%x-%x" of mtime and size) and Last-Modified agree between them. Paths are relative to the
server's prefix; html/ is the usual root."""

import email.utils
import gzip
import os

# 2024-03-01 12:00:00 UTC: a fixed past time, so If-Modified-Since comparisons are stable.
MTIME = 1709294400


def _big_text():
    lines = [f"line {i:05d} of the big file: the quick brown fox jumps over the lazy dog\n"
             for i in range(300)]
    return "".join(lines)


def _png():
    # Not a valid image, only bytes that are not text (every byte value once, then some).
    return bytes(range(256)) * 3 + b"\x89PNG\r\n\x1a\n"


FILES = {
    "html/index.html": "<!doctype html><title>home</title><p>home page</p>\n",
    "html/about.html": "<p>about us</p>\n",
    "html/style.css": "body { color: #333; }\n",
    "html/app.js": "console.log('app');\n",
    "html/data.json": '{"ok": true, "n": 42}\n',
    "html/img.png": _png(),
    "html/big.txt": _big_text(),
    "html/empty.txt": "",
    "html/noext": "a file without an extension\n",
    "html/UPPER.TXT": "upper-case name\n",
    "html/with space.txt": "a space in the name\n",
    "html/caf\u00e9.txt": "non-ASCII name\n",
    "html/100%.txt": "a percent sign in the name\n",
    "html/a+b.txt": "a plus in the name\n",
    "html/.hidden": "a dot file\n",
    "html/dir/index.html": "<p>dir index</p>\n",
    "html/dir/page.html": "<p>dir page</p>\n",
    "html/dir/sub/deep.txt": "deep in dir\n",
    "html/noindex/file.txt": "a directory without an index\n",
    "html/alt/default.htm": "<p>the alternative index</p>\n",
    "html/errors/404.html": "<p>custom not found</p>\n",
    "html/errors/50x.html": "<p>custom server error</p>\n",
    "html/errors/403.html": "<p>custom forbidden</p>\n",
    "html/private/secret.txt": "internal only\n",
    "html/spa/index.html": "<!doctype html><div id=app></div><script src=/assets/main.js></script>\n",
    "html/spa/assets/main.js": "render();\n",
    "html/spa/assets/main.css": "#app { margin: 0 }\n",
    "html/spa/robots.txt": "User-agent: *\n",
    "html/spa/docs/index.html": "<p>spa docs</p>\n",
    "html/vhost-a/index.html": "<p>site a</p>\n",
    "html/vhost-b/index.html": "<p>site b</p>\n",
    "html/vhost-wild/index.html": "<p>wildcard site</p>\n",
    "html/vhost-regex/index.html": "<p>regex site</p>\n",
    "html/vhost-default/index.html": "<p>default site</p>\n",
    "assets/logo.txt": "served through alias\n",
    "assets/css/site.css": "h1 { font-size: 2em }\n",
    "assets/index.html": "<p>assets index</p>\n",
}

FILES["html/gz/page.html"] = "<p>" + "compressible " * 50 + "</p>\n"
FILES["html/gz/page.html.gz"] = gzip.compress(FILES["html/gz/page.html"].encode(), mtime=0)
FILES["html/gz/only.txt.gz"] = gzip.compress(b"only the gzip twin exists\n", mtime=0)
FILES["html/style.css.gz"] = gzip.compress(FILES["html/style.css"].encode(), mtime=0)

# For the auth_basic config (pending): users apr1/apr1pw, bcrypt/bcryptpw, crypt/cryptpw,
# sha/shapw, plain/plainpw.
FILES["conf/htpasswd"] = """# a comment
apr1:$apr1$saltsalt$zVDncyaUQdg97.iNzoLrP/
bcrypt:$2b$05$abcdefghijklmnopqrstuuTmHGD1q0NGBjYI6evjaX5UpuGijG7V6
crypt:$6$saltsalt$AwG0uydIMu5dYdg1IjNvowxN8ghcjnZNwoSJHfPnx88cszfWl9Gkj0.h5JkbSark/UnOwld7KtekPRHxBt7.E1
sha:{SHA}qs67vlse11GdWHE+bbh7CYDxCOs=
plain:{PLAIN}plainpw
"""

DIRS = ["html/emptydir/"]


def write(server):
    """Writes every file into server's prefix with the fixed mtime (directories too)."""
    for rel, content in FILES.items():
        server.write_file(rel, content, mtime=MTIME)
    for rel in DIRS:
        server.write_file(rel, b"")
    for root, dirs, _ in os.walk(server.prefix):
        for d in dirs:
            os.utime(os.path.join(root, d), (MTIME, MTIME))


def content(rel):
    c = FILES[rel]
    return c.encode() if isinstance(c, str) else c


def etag(rel):
    return '"%x-%x"' % (MTIME, len(content(rel)))


def last_modified():
    return email.utils.formatdate(MTIME, usegmt=True)
