"""A Flask application (Debian's python3-flask) for webcycle's integration tests and bench/app.sh:
`flask_app:app` or the factory `flask_app:create_app()`.

Routes: /  (the 13-byte "Hello, World!"), /user/<name>, /json (GET: a document; POST: echoes
the JSON it was sent), /form (POST: the form fields back as JSON), /upload (multipart: each
file's name, size and sha256), /stream (a generator response), /stream_ctx?name=N
(stream_with_context reading request.args while streaming), /missing (abort(404)), /error (an
exception: Flask's 500 page), /redirect (302 to /target), /target, /cookie/set, /cookie/get,
/session (a signed session counter), /query?k=v (request.args as JSON).
"""

import hashlib

from flask import (Flask, Response, abort, jsonify, make_response, redirect, request, session,
                   stream_with_context)


def create_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "webcycle-test-secret"  # a fixed key: tests only

    @app.route("/")
    def hello():
        return Response("Hello, World!", mimetype="text/plain")

    @app.route("/user/<name>")
    def user(name):
        return f"<p>Hello, {name}!</p>"

    @app.route("/json", methods=["GET", "POST"])
    def json_route():
        if request.method == "POST":
            return jsonify(received=request.get_json(), method="POST")
        return jsonify(items=[1, 2, 3], name="webcycle", nested={"ok": True})

    @app.route("/form", methods=["POST"])
    def form():
        return jsonify(fields={k: request.form.getlist(k) for k in sorted(request.form)},
                       content_type=request.mimetype)

    @app.route("/upload", methods=["POST"])
    def upload():
        files = []
        for field in sorted(request.files):
            for f in request.files.getlist(field):
                data = f.read()
                files.append({"field": field, "filename": f.filename, "size": len(data),
                              "sha256": hashlib.sha256(data).hexdigest(),
                              "content_type": f.mimetype})
        return jsonify(files=files, fields=dict(request.form))

    @app.route("/stream")
    def stream():
        n = request.args.get("n", 5, type=int)

        def gen():
            for i in range(n):
                yield f"line {i}\n"
        return Response(gen(), mimetype="text/plain")

    @app.route("/stream_ctx")
    def stream_ctx():
        def gen():
            yield "hello "
            yield request.args.get("name", "nobody")  # needs the request context
            yield "!"
        return Response(stream_with_context(gen()), mimetype="text/plain")

    @app.route("/missing")
    def missing():
        abort(404)

    @app.route("/error")
    def error():
        raise RuntimeError("flask-boom")

    @app.route("/redirect")
    def to_target():
        return redirect("/target")

    @app.route("/target")
    def target():
        return "you arrived"

    @app.route("/cookie/set")
    def cookie_set():
        resp = make_response("cookie set")
        resp.set_cookie("flavour", "oatmeal", path="/", httponly=True)
        resp.set_cookie("other", "1", max_age=60)
        return resp

    @app.route("/cookie/get")
    def cookie_get():
        return jsonify(cookies=dict(request.cookies))

    @app.route("/session")
    def session_counter():
        session["n"] = session.get("n", 0) + 1
        return jsonify(n=session["n"])

    @app.route("/query")
    def query():
        return jsonify({k: request.args.getlist(k) for k in sorted(request.args)})

    return app


app = create_app()
