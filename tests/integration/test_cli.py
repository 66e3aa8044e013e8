"""The command line: -t, -T, -c, -p, -g, config errors with FILE:LINE, include globs, bad flags."""

import re
import subprocess
import unittest

from harness import ServerTestCase, wait_until

GOOD_SITE = """
    server {
        listen 127.0.0.1:@PORT@;
        server_name localhost;
        root html;
    }
"""


class CliTest(ServerTestCase):
    def emerg(self, output, message):
        """Asserts output holds the [emerg] line with message (a regex).
        webcycle prints "webcycle: [emerg] MESSAGE"; Debian's nginx (its default error log is
        stderr) prints the same through its error-log format: "DATE TIME [emerg] PID#TID: "."""
        if self.server.is_nginx:
            prefix = r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \[emerg\] \d+#\d+: "
        else:
            prefix = r"webcycle: \[emerg\] "
        self.assertRegex(output, re.compile("^" + prefix + message + "$", re.M))

    def failing_t(self, config, message, full=False):
        s = self.start_server(("FULL:" + config) if full else config, start=False)
        r = s.run_cli(["-t"])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        out = r.stdout + r.stderr
        self.emerg(out, message.replace("CONF", re.escape(s.conf_path)))
        self.assertIn(f"{s.name}: configuration file {s.conf_path} test failed", out)
        return s, out

    def test_t_ok(self):
        s = self.start_server(GOOD_SITE, start=False)
        r = s.run_cli(["-t"])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout + r.stderr
        self.assertIn(f"{s.name}: the configuration file {s.conf_path} syntax is ok\n", out)
        self.assertIn(f"{s.name}: configuration file {s.conf_path} test is successful\n", out)

    def test_t_unknown_directive(self):
        self.failing_t(GOOD_SITE.replace("root html;", "root html;\n        bogus 1;"),
                       r'unknown directive "bogus" in CONF:\d+')

    def test_t_error_names_the_right_line(self):
        config = ("pid logs/test.pid;\nerror_log logs/error.log info;\nevents {}\nhttp {\n"
                  "    server {\n        listen 127.0.0.1:@PORT@;\n        bogus 1;\n    }\n}\n")
        self.failing_t(config, r'unknown directive "bogus" in CONF:7', full=True)

    def test_t_directive_in_wrong_block(self):
        config = "pid logs/test.pid;\nevents {\n    root x;\n}\nhttp {}\n"
        self.failing_t(config, r'"root" directive is not allowed here in CONF:3', full=True)
        config = "pid logs/test.pid;\nevents {}\nhttp {\n    server_name a;\n}\n"
        self.failing_t(config, r'"server_name" directive is not allowed here in CONF:4',
                       full=True)

    def test_t_invalid_value(self):
        config = "pid logs/test.pid;\nworker_processes abc;\nevents {}\n"
        # nginx: '"worker_processes" directive invalid value'; other directives say 'invalid
        # value "abc" in ...'. Either wording, naming the directive, at FILE:LINE.
        self.failing_t(config, r'(?=.*worker_processes).*invalid value.* in CONF:2', full=True)

    def test_t_wrong_number_of_arguments(self):
        config = "pid logs/test.pid;\nevents {}\nhttp {\n    root;\n}\n"
        self.failing_t(config, r'invalid number of arguments in "root" directive in CONF:4',
                       full=True)

    def test_t_syntax_errors(self):
        self.failing_t("pid logs/test.pid;\nevents {}\nhttp {\n", r'unexpected end of file, '
                       r'expecting "}" in CONF:4', full=True)
        self.failing_t("pid logs/test.pid;\nevents {}\n}\n", r'unexpected "}" in CONF:3',
                       full=True)
        self.failing_t('pid logs/test.pid;\nevents {}\nhttp { server { return 200 "x" } }\n',
                       r'unexpected "}" in CONF:3', full=True)

    def test_t_duplicate_location(self):
        self.failing_t("server { listen 127.0.0.1:@PORT@; location / {} location / {} }",
                       r'duplicate location "/" in CONF:\d+')

    def test_t_bad_regex(self):
        s, out = self.failing_t('server { listen 127.0.0.1:@PORT@; location ~ "(" {} }',
                                r'pcre2_compile\(\) failed: missing closing parenthesis in "\(" '
                                r'(at "[^"]*" )?in CONF:\d+')

    def test_t_missing_include(self):
        s = self.start_server("include nothere.conf;", start=False)
        r = s.run_cli(["-t"])
        self.assertEqual(r.returncode, 1)
        self.emerg(r.stderr + r.stdout,
                   r'open\(\) "' + re.escape(s.path("conf/nothere.conf")) +
                   r'" failed \(2: No such file or directory\) in ' + re.escape(s.conf_path) +
                   r":\d+")

    def test_missing_config_file(self):
        s = self.start_server(GOOD_SITE, start=False)
        r = s.run_cli(["-t", "-c", "conf/nonexist.conf"])
        self.assertEqual(r.returncode, 1)
        self.emerg(r.stderr + r.stdout, r'open\(\) "' + re.escape(s.path("conf/nonexist.conf")) +
                   r'" failed \(2: No such file or directory\)')

    def test_include_glob(self):
        s = self.start_server("include sites/*.conf;", nports=2, start=False, files={
            "conf/sites/a.conf": "server { listen 127.0.0.1:@PORT0@; return 200 \"a\\n\"; }\n",
            "conf/sites/b.conf": "server { listen 127.0.0.1:@PORT1@; return 200 \"b\\n\"; }\n",
            "conf/sites/c.conf.off": "this is not a config;\n",
        })
        r = s.run_cli(["-t"])
        self.assertEqual(r.returncode, 0, r.stderr)
        s.start()
        self.assertEqual(s.get("/", port=s.ports[0])[2], b"a\n")
        self.assertEqual(s.get("/", port=s.ports[1])[2], b"b\n")
        # An include glob that matches nothing is not an error.
        s2 = self.start_server("include none/*.conf;" + GOOD_SITE, start=False)
        self.assertEqual(s2.run_cli(["-t"]).returncode, 0)

    def test_T_dumps_every_file(self):
        s = self.start_server(GOOD_SITE, start=False)
        r = s.run_cli(["-T"])
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(s.conf_path) as f:
            main = f.read()
        with open(s.path("conf/mime.types")) as f:
            mime = f.read()
        self.assertIn(f"# configuration file {s.conf_path}:\n{main}", r.stdout)
        self.assertIn(f"# configuration file {s.path('conf/mime.types')}:\n{mime}", r.stdout)
        self.assertIn("test is successful", r.stdout + r.stderr)

    def test_g_adds_directives(self):
        s = self.start_server(GOOD_SITE, start=False, worker_processes=None)
        r = s.run_cli(["-t", "-g", "worker_processes 2;"])
        self.assertEqual(r.returncode, 0, r.stderr)
        r = s.run_cli(["-t", "-g", "bogus 2;"])
        self.assertEqual(r.returncode, 1)
        self.emerg(r.stderr + r.stdout, r'unknown directive "bogus" in command line')
        r = s.run_cli(["-t", "-g", "worker_processes 2"])
        self.assertEqual(r.returncode, 1)
        # nginx: 'unexpected end of parameter, expecting ";" in command line'.
        self.emerg(r.stderr + r.stdout, r'unexpected end of \w+, expecting ";".* in command line')

    def test_g_applies_when_running(self):
        s = self.start_server(GOOD_SITE, start=False, worker_processes=None)
        s.start(["-g", "worker_processes 3;"])
        self.assertTrue(wait_until(lambda: len(s.worker_pids()) == 3, 5), s.worker_pids())

    def test_g_duplicate_of_config_directive(self):
        s = self.start_server(GOOD_SITE, start=False)
        r = s.run_cli(["-t", "-g", "pid logs/other.pid;"])
        self.assertEqual(r.returncode, 1)
        self.emerg(r.stderr + r.stdout,
                   r'"pid" directive is duplicate in ' + re.escape(s.conf_path) + r":1")

    def test_bad_config_refuses_to_start(self):
        s = self.start_server(GOOD_SITE.replace("root html;", "bogus;"), start=False)
        cmd = s.command(["-g", "daemon off;"] if s.is_nginx else [])
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 1)
        self.emerg(r.stderr + r.stdout, r'unknown directive "bogus" in ' +
                   re.escape(s.conf_path) + r":\d+")
        with self.assertRaises(OSError):
            s.connect(timeout=1).close()

    def test_bad_flag(self):
        s = self.start_server(GOOD_SITE, start=False)
        r = s.run_cli(["-Z"])
        if s.is_nginx:
            # nginx exits 1; SPEC.md wants exit 2 for webcycle.
            self.assertEqual(r.returncode, 1)
            self.assertIn('invalid option: "Z"', r.stderr)
        else:
            self.assertEqual(r.returncode, 2)
            lines = r.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, r.stderr)
            self.assertIn("-Z", lines[0])
        r = s.run_cli(["-s", "bogus"])
        if s.is_nginx:
            self.assertEqual(r.returncode, 1)
            self.assertIn('invalid option: "-s bogus"', r.stderr)
        else:
            self.assertEqual(r.returncode, 2)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn("bogus", r.stderr)

    def test_help(self):
        s = self.start_server(GOOD_SITE, start=False)
        if s.is_nginx:
            r = s.run_cli(["-h"], with_prefix=False)
        else:
            r = s.run_cli(["--help"], with_prefix=False)
        self.assertEqual(r.returncode, 0)
        out = r.stdout + r.stderr
        for flag in ("-t", "-T", "-s", "-p", "-c", "-g"):
            self.assertIn(flag, out)


if __name__ == "__main__":
    unittest.main()
