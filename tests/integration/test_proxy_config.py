"""`upstream` blocks, proxy_pass and the proxy_* directives through the real binary's -t and -T:
what loads, and nginx 1.22's messages at nginx's FILE:LINE. Run with WEBCYCLE_TEST_SERVER=nginx
to check the expectations against Debian's nginx (the few webcycle-only refusals are skipped
there). Only numeric addresses and "localhost" are used: no resolver is asked."""

import re
import unittest

from harness import ServerTestCase

# Line 7 of every config below is the first line of BODY (fixed so messages can name lines).
FULL = """pid logs/test.pid;
error_log logs/error.log;
@NGINX_MAIN@
events {}
http {
@NGINX_HTTP@
BODY
}
"""
FIRST = 7

GOOD = """upstream app {
    least_conn;
    server 127.0.0.1:@PORT@ weight=3 max_fails=2 fail_timeout=5s;
    server localhost:@PORT@ backup;
    server [::1]:@PORT@ down;
    server unix:@PREFIX@/app.sock;
    keepalive 16;
    keepalive_timeout 30s;
    keepalive_requests 500;
}
proxy_set_header Host $proxy_host;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_http_version 1.1;
proxy_read_timeout 30s;
log_format up '$remote_addr "$request" $status $upstream_addr $upstream_status '
              '$upstream_response_time $upstream_connect_time $upstream_header_time';
server {
    listen 127.0.0.1:@PORT@;
    access_log logs/access.log up;
    proxy_connect_timeout 2s;
    location / {
        proxy_pass http://app;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_next_upstream error timeout http_502 http_503 non_idempotent;
        proxy_next_upstream_tries 3;
        proxy_next_upstream_timeout 10s;
    }
    location /api/ {
        proxy_pass http://127.0.0.1:@PORT@/v1/;
        proxy_redirect default;
        proxy_redirect http://backend/ /;
        proxy_buffering off;
        proxy_request_buffering off;
        proxy_buffer_size 8k;
        proxy_buffers 16 8k;
        proxy_max_temp_file_size 0;
        proxy_hide_header X-Powered-By;
        proxy_pass_header Server;
        proxy_intercept_errors on;
        proxy_pass_request_headers on;
        proxy_pass_request_body on;
        location /api/static/ { root html; }
    }
    location ~ \\.php$ { proxy_pass http://later; proxy_redirect off; proxy_send_timeout 1m; }
    location @fallback { proxy_pass http://unix:@PREFIX@/app.sock; }
}
upstream later { server 127.0.0.1:@PORT@; }
"""


class ProxyConfigTest(ServerTestCase):
    def message(self, output, level, message):
        """Asserts output holds the [level] line with message (a regex): 'webcycle: [emerg] M' or
        nginx's error-log form 'DATE TIME [emerg] PID#TID: M'."""
        if self.server.is_nginx:
            prefix = r"(nginx: |\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} )\[" + level + r"\] (\d+#\d+: )?"
        else:
            prefix = r"webcycle: \[" + level + r"\] "
        self.assertRegex(output, re.compile("^" + prefix + message + "$", re.M))

    def server_for(self, body):
        return self.start_server("FULL:" + FULL.replace("BODY", body), start=False)

    def failing_t(self, body, message):
        """-t on a config with BODY fails with [emerg] message; LINE+n in message is the n-th
        line of BODY (0-based), CONF the config's path."""
        s = self.server_for(body)
        r = s.run_cli(["-t"])
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 1, out)
        message = re.sub(r"LINE\+(\d+)", lambda m: str(FIRST + int(m.group(1))), message)
        self.message(out, "emerg", message.replace("CONF", re.escape(s.conf_path)))
        self.assertIn(f"{s.name}: configuration file {s.conf_path} test failed", out)
        return out

    def passing_t(self, body):
        s = self.server_for(body)
        r = s.run_cli(["-t"])
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 0, out)
        self.assertIn(f"{s.name}: configuration file {s.conf_path} test is successful", out)
        return s, out

    def webcycle_only(self):
        if self.server is not None and self.server.is_nginx:
            self.skipTest("webcycle's own refusal (nginx supports this)")

    # ---- what loads ----------------------------------------------------------------------------
    def test_full_proxy_config_loads(self):
        s, out = self.passing_t(GOOD)
        self.assertNotIn("[emerg]", out)
        self.assertNotIn("[warn]", out)

    def test_T_prints_the_config(self):
        s = self.server_for(GOOD)
        r = s.run_cli(["-T"])
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(s.conf_path) as f:
            text = f.read()
        self.assertIn(f"# configuration file {s.conf_path}:\n{text}", r.stdout)
        self.assertIn("upstream later { server 127.0.0.1:", r.stdout)

    def test_upstream_from_an_include(self):
        s = self.start_server(
            "FULL:" + FULL.replace("BODY", "include upstreams/*.conf;\n"
                                   "server { listen 127.0.0.1:@PORT@;\n"
                                   "  location / { proxy_pass http://app; } }"),
            start=False,
            files={"conf/upstreams/app.conf": "upstream app {\n    server 127.0.0.1:@PORT@;\n}\n"})
        r = s.run_cli(["-T"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"# configuration file {s.path('conf/upstreams/app.conf')}:\nupstream app",
                      r.stdout)

    def test_load_balancing_method_redefined_warns(self):
        s, out = self.passing_t("upstream a { keepalive 2; least_conn; server 127.0.0.1:1; }")
        self.message(out, "warn", "load balancing method redefined in " +
                     re.escape(s.conf_path) + f":{FIRST}")

    def test_duplicate_next_upstream_value_warns(self):
        s, out = self.passing_t("server { location / { proxy_next_upstream error error; } }")
        self.message(out, "warn", 'duplicate value "error" in ' + re.escape(s.conf_path) +
                     f":{FIRST}")

    # ---- upstream errors -----------------------------------------------------------------------
    def test_duplicate_upstream(self):
        self.failing_t("upstream app { server 127.0.0.1:1; }\nupstream APP { server 127.0.0.1:2; }",
                       r'duplicate upstream "APP" in CONF:LINE+1')

    def test_no_servers_are_inside_upstream(self):
        # Reported at the block's closing brace.
        self.failing_t("upstream app {\n    keepalive 2;\n}",
                       r"no servers are inside upstream in CONF:LINE+2")

    def test_only_backup_servers(self):
        self.failing_t("upstream app\n{\n    server 127.0.0.1:1 backup;\n}",
                       r'no servers in upstream "app" in CONF:LINE+1')

    def test_server_parameters(self):
        self.failing_t("upstream a { server 127.0.0.1:1 weight=0; }",
                       r'invalid parameter "weight=0" in CONF:LINE+0')
        self.failing_t("upstream a { server 127.0.0.1:1 fail_timeout=500ms; }",
                       r'invalid parameter "fail_timeout=500ms" in CONF:LINE+0')
        self.failing_t("upstream a { server 127.0.0.1:70000; }",
                       r'invalid port in upstream "127.0.0.1:70000" in CONF:LINE+0')
        self.failing_t("upstream a { server 127.0.0.1:1/x; }",
                       r'invalid host in upstream "127.0.0.1:1/x" in CONF:LINE+0')
        self.failing_t("upstream a { server unix:; }",
                       r'no path in the unix domain socket in upstream "unix:" in CONF:LINE+0')
        self.failing_t("upstream a { keepalive 0; server 127.0.0.1:1; }",
                       r'invalid value "0" in "keepalive" directive in CONF:LINE+0')

    def test_upstream_placement(self):
        self.failing_t("server { upstream a { server 127.0.0.1:1; } }",
                       r'"upstream" directive is not allowed here in CONF:LINE+0')
        self.failing_t("upstream a { server 127.0.0.1:1; root html; }",
                       r'"root" directive is not allowed here in CONF:LINE+0')

    # ---- proxy_pass errors ---------------------------------------------------------------------
    def test_uri_part_in_regex_location(self):
        self.failing_t("server {\n    location ~ /x {\n        proxy_pass http://127.0.0.1:1/x;\n"
                       "    }\n}",
                       r'"proxy_pass" cannot have URI part in location given by regular '
                       r'expression, or inside named location, or inside "if" statement, or '
                       r'inside "limit_except" block in CONF:LINE+2')

    def test_invalid_url_prefix(self):
        self.failing_t("server { location / { proxy_pass 127.0.0.1:1; } }",
                       r"invalid URL prefix in CONF:LINE+0")

    def test_invalid_port(self):
        self.failing_t("server { location / { proxy_pass http://127.0.0.1:0/; } }",
                       r'invalid port in upstream "127.0.0.1:0/" in CONF:LINE+0')

    def test_upstream_may_not_have_port(self):
        self.failing_t("server {\n    location / { proxy_pass http://app:8000; }\n}\n"
                       "upstream app { server 127.0.0.1:1; }",
                       r'upstream "app" may not have port 8000 in CONF:LINE+1')

    def test_duplicate_and_misplaced_proxy_pass(self):
        self.failing_t("server { location / { proxy_pass http://127.0.0.1:1; "
                       "proxy_pass http://127.0.0.1:2; } }",
                       r'"proxy_pass" directive is duplicate in CONF:LINE+0')
        self.failing_t("server { proxy_pass http://127.0.0.1:1; }",
                       r'"proxy_pass" directive is not allowed here in CONF:LINE+0')

    # ---- proxy_* errors ------------------------------------------------------------------------
    def test_buffer_checks_at_the_end_of_http(self):
        # nginx checks these when it merges: the place is the http block's "}".
        self.failing_t("server {\n    location / { proxy_buffer_size 16k; }\n}",
                       r'"proxy_busy_buffers_size" must be less than the size of all '
                       r'"proxy_buffers" minus one buffer in CONF:LINE+3')
        self.failing_t("server { location / { proxy_buffers 1 4k; } }",
                       r'there must be at least 2 "proxy_buffers" in CONF:LINE+1')

    def test_unknown_variable_has_no_place(self):
        self.failing_t("server { location / { proxy_pass http://127.0.0.1:1;\n"
                       "    proxy_set_header X-Thing $no_such_thing; } }",
                       r'unknown "no_such_thing" variable')

    def test_proxy_redirect(self):
        self.failing_t("server { location / { proxy_redirect default; } }",
                       r'"proxy_redirect default" should be placed after the "proxy_pass" '
                       r'directive in CONF:LINE+0')
        self.failing_t("server { location / { proxy_redirect off; proxy_redirect off; } }",
                       r'"proxy_redirect" directive is duplicate in CONF:LINE+0')

    def test_values(self):
        self.failing_t("server { location / { proxy_http_version 2.0; } }",
                       r'invalid value "2.0" in CONF:LINE+0')
        self.failing_t("server { location / { proxy_next_upstream sometimes; } }",
                       r'invalid value "sometimes" in CONF:LINE+0')
        self.failing_t("server { location / { proxy_read_timeout forever; } }",
                       r'"proxy_read_timeout" directive invalid value in CONF:LINE+0')
        self.failing_t("server { location / { proxy_buffering maybe; } }",
                       r'invalid value "maybe" in "proxy_buffering" directive, it must be "on" '
                       r'or "off" in CONF:LINE+0')

    # ---- webcycle's own refusals -----------------------------------------------------------------
    def test_https_needs_tls(self):
        self.server_for("")  # sets self.server for webcycle_only
        self.webcycle_only()
        self.failing_t("server { location / { proxy_pass https://127.0.0.1:1; } }",
                       r"https protocol requires SSL support in CONF:LINE+0")

    def test_refused_as_not_supported_yet(self):
        self.server_for("")
        self.webcycle_only()
        self.failing_t("server { location / { proxy_pass http://$host:8000; } }",
                       r'variables in the "proxy_pass" directive are not supported yet in '
                       r'CONF:LINE+0')
        self.failing_t("server { location / { proxy_cache zone; } }",
                       r'"proxy_cache" directive is not supported yet in CONF:LINE+0')
        self.failing_t("upstream a { ip_hash; server 127.0.0.1:1; }",
                       r'"ip_hash" directive is not supported yet in CONF:LINE+0')
        self.failing_t("upstream a { server 127.0.0.1:1 max_conns=10; }",
                       r'the "max_conns" parameter of the "server" directive is not supported '
                       r'yet in CONF:LINE+0')


if __name__ == "__main__":
    unittest.main()
