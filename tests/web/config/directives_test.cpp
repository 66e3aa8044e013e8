// Directive placement, arity, values, duplicates, inheritance and -g, with nginx's messages.
#include <gtest/gtest.h>

#include "config_test_util.h"
#include "web/config/locations.h"

namespace wc::web::config {
namespace {

using testing::kEvents;
using testing::load_error;
using testing::load_text;
using testing::TempDir;

class Directives : public ::testing::Test {
 protected:
  std::string conf() const { return dir.path() + "conf/webcycle.conf"; }
  std::string at(int line) const { return " in " + conf() + ":" + std::to_string(line); }
  TempDir dir;
};

TEST_F(Directives, MinimalConfigGetsNginxDefaults) {
  auto c = load_text(dir, "events {}\nhttp { server { listen 127.0.0.1:8080; } }\n");
  ASSERT_TRUE(c) << c.error().message;
  const WebConfig& w = **c;
  EXPECT_EQ(w.prefix, dir.path());
  EXPECT_EQ(w.main.worker_processes, 1);
  EXPECT_EQ(w.main.worker_connections, 512);
  EXPECT_EQ(w.main.pid_path, dir.path() + "logs/webcycle.pid");
  ASSERT_EQ(w.main.error_logs.size(), 1u);
  EXPECT_EQ(w.main.error_logs[0].path, dir.path() + "logs/error.log");
  EXPECT_EQ(w.main.error_logs[0].level, LogLevel::kError);
  ASSERT_EQ(w.http.servers.size(), 1u);
  const LocationConf& loc = w.http.servers[0]->loc;
  EXPECT_EQ(loc.root, dir.path() + "html");
  EXPECT_EQ(loc.index, std::vector<std::string>{"index.html"});
  EXPECT_EQ(loc.default_type, "text/plain");
  EXPECT_FALSE(loc.sendfile);
  EXPECT_EQ(loc.keepalive_timeout_ms, 75000);
  EXPECT_EQ(loc.keepalive_requests, 1000);
  EXPECT_EQ(loc.client_max_body_size, 1 << 20);
  ASSERT_EQ(loc.access_logs.size(), 1u);
  EXPECT_EQ(loc.access_logs[0].path, dir.path() + "logs/access.log");
  EXPECT_EQ(loc.access_logs[0].format->name, "combined");
  EXPECT_EQ(w.http.servers[0]->large_client_header_buffers_num, 4);
  EXPECT_EQ(w.http.servers[0]->large_client_header_buffers_size, 8192);
  EXPECT_EQ(w.http.servers[0]->client_header_timeout_ms, 60000);
  EXPECT_EQ(w.http.servers[0]->primary_name(), "");
}

TEST_F(Directives, MainContextValues) {
  auto c = load_text(dir,
                     "worker_processes auto;\npid /run/w.pid;\nerror_log logs/e.log warn;\n"
                     "events { worker_connections 1024; multi_accept on; }\n");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ((*c)->main.worker_processes, 0);
  EXPECT_EQ((*c)->main.pid_path, "/run/w.pid");
  EXPECT_EQ((*c)->main.error_logs[0].path, dir.path() + "logs/e.log");
  EXPECT_EQ((*c)->main.error_logs[0].level, LogLevel::kWarn);
  EXPECT_EQ((*c)->main.worker_connections, 1024);
  EXPECT_TRUE((*c)->main.multi_accept);
  EXPECT_FALSE((*c)->http.present);
}

TEST_F(Directives, EventsSectionIsRequired) {
  EXPECT_EQ(load_error(dir, "worker_processes 1;\n"), "no \"events\" section in configuration");
}

TEST_F(Directives, UnknownAndUnsupported) {
  EXPECT_EQ(load_error(dir, "events {}\nfoo bar;\n"), "unknown directive \"foo\"" + at(2));
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\nserver {\nlocation / {\nproxy_cache c;\n}}}\n"),
            "\"proxy_cache\" directive is not supported yet" + at(5));
  for (const char* d : {"limit_rate 10k", "split_clients $a $b", "source_charset koi8-r",
                        "satisfy any", "sub_filter a b"}) {
    std::string text = std::string("events {}\nhttp {\nserver {\n") + d + ";\n}}\n";
    std::string name = std::string(d).substr(0, std::string(d).find(' '));
    EXPECT_EQ(load_error(dir, text), "\"" + name + "\" directive is not supported yet" + at(4));
  }
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\nupstream app {\nip_hash;\n}\n}\n"),
            "\"ip_hash\" directive is not supported yet" + at(4));
}

TEST_F(Directives, AddHeaderListsReplaceTheEnclosingLevels) {
  auto c =
      load_text(dir, std::string(kEvents) +
                         "http {\nadd_header A 1;\nadd_header B $uri always;\n"
                         "server {\nlocation /own/ { add_header C 3; }\nlocation /in/ {}\n}\n}\n");
  ASSERT_TRUE(c) << c.error().message;
  const LocationConf& server = (*c)->http.servers[0]->loc;
  ASSERT_EQ(server.add_headers.size(), 2u);
  EXPECT_EQ(server.add_headers[1].name, "B");
  EXPECT_EQ(server.add_headers[1].value, "$uri");
  EXPECT_TRUE(server.add_headers[1].always);
  EXPECT_FALSE(server.add_headers[0].always);
  ASSERT_EQ(server.nested.size(), 2u);
  for (const auto& loc : server.nested) {
    if (loc->pattern == "/own/") {
      ASSERT_EQ(loc->add_headers.size(), 1u);
      EXPECT_EQ(loc->add_headers[0].name, "C");
    } else {
      EXPECT_EQ(loc->add_headers.size(), 2u);
    }
  }
  EXPECT_EQ(load_error(dir, std::string(kEvents) + "http {\nadd_header X y z;\n}\n"),
            "invalid parameter \"z\"" + at(3));
}

TEST_F(Directives, ErrorPageAsNginxReadsIt) {
  auto c = load_text(dir, std::string(kEvents) +
                              "http {\nerror_page 404 /404.html;\nserver {\n"
                              "error_page 500 502 =200 /50x.html;\nerror_page 405 = @x;\n"
                              "location @x {}\nlocation /in/ {}\n}\n}\n");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ((*c)->http.loc.error_pages.size(), 1u);
  const LocationConf& server = (*c)->http.servers[0]->loc;
  ASSERT_EQ(server.error_pages.size(), 2u);  // its own list, not the http level's
  EXPECT_EQ(server.error_pages[0].codes, (std::vector<int>{500, 502}));
  EXPECT_EQ(server.error_pages[0].overwrite, 200);
  EXPECT_EQ(server.error_pages[0].uri, "/50x.html");
  EXPECT_EQ(server.error_pages[1].overwrite, 0);
  EXPECT_EQ(server.error_pages[1].uri, "@x");
  for (const auto& loc : server.nested) EXPECT_EQ(loc->error_pages.size(), 2u);
  const std::string http = std::string(kEvents) + "http {\n";
  EXPECT_EQ(load_error(dir, http + "error_page 200 /x;\n}\n"),
            "value \"200\" must be between 300 and 599" + at(3));
  EXPECT_EQ(load_error(dir, http + "error_page 499 /x;\n}\n"), "invalid value \"499\"" + at(3));
  EXPECT_EQ(load_error(dir, http + "error_page =301 /x;\n}\n"), "invalid value \"=301\"" + at(3));
}

TEST_F(Directives, InertDirectivesWarn) {
  auto c = load_text(dir, std::string(kEvents) + "http {\ngzip on;\ngzip_comp_level 5;\n}\n");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ((*c)->warnings.size(), 2u);
  EXPECT_EQ((*c)->warnings[0], "\"gzip\" directive is not supported yet, ignored" + at(3));
  // listen ... ssl is TLS now: without a certificate, nginx's message at the server.
  EXPECT_EQ(load_error(dir, std::string(kEvents) + "http {\nserver {\nlisten 443 ssl;\n}\n}\n"),
            "no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive" + at(3));
}

// Debian's stock /etc/nginx layout loads unchanged (paths moved under a scratch dir).
TEST_F(Directives, DebianDefaultNginxConfLoads) {
  std::string d = dir.path();
  dir.write("etc/nginx/sites-enabled/default",
            "server {\n\tlisten 80 default_server;\n\tlisten [::]:80 default_server;\n"
            "\troot /var/www/html;\n\tindex index.html index.htm index.nginx-debian.html;\n"
            "\tserver_name _;\n\tlocation / {\n\t\t# First attempt to serve request as file\n"
            "\t\ttry_files $uri $uri/ =404;\n\t}\n}\n");
  std::string mime = std::string(WEBCYCLE_SOURCE_DIR) + "/share/mime.types";
  std::string path = dir.write(
      "etc/nginx/nginx.conf",
      "user www-data;\nworker_processes auto;\npid /run/nginx.pid;\nerror_log " + d +
          "log/error.log;\ninclude " + d +
          "etc/nginx/modules-enabled/*.conf;\n\n"
          "events {\n\tworker_connections 768;\n\t# multi_accept on;\n}\n\nhttp {\n"
          "\tsendfile on;\n\ttcp_nopush on;\n\ttypes_hash_max_size 2048;\n\t# server_tokens off;\n"
          "\tinclude " +
          mime +
          ";\n\tdefault_type application/octet-stream;\n"
          "\tssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3; # Dropping SSLv3, ref: POODLE\n"
          "\tssl_prefer_server_ciphers on;\n\taccess_log " +
          d +
          "log/access.log;\n"
          "\tgzip on;\n\tinclude " +
          d +
          "etc/nginx/conf.d/*.conf;\n"
          "\tinclude " +
          d + "etc/nginx/sites-enabled/*;\n}\n");
  auto c = load_config(path, "/usr/share/nginx/");
  ASSERT_TRUE(c) << c.error().message;
  const WebConfig& w = **c;
  EXPECT_EQ(w.main.user, "www-data");
  EXPECT_EQ(w.main.worker_processes, 0);
  EXPECT_EQ(w.main.worker_connections, 768);
  ASSERT_EQ(w.listen_groups.size(), 2u);
  EXPECT_EQ(w.listen_groups[1].listen.addr_text, "[::]:80");
  const ServerConf& s = *w.http.servers[0];
  EXPECT_EQ(s.primary_name(), "_");
  EXPECT_EQ(find_location(s, "/x").try_files, (std::vector<std::string>{"$uri", "$uri/", "=404"}));
  EXPECT_EQ(s.loc.root, "/var/www/html");
  EXPECT_EQ(s.loc.access_logs.at(0).path, d + "log/access.log");
  EXPECT_EQ(mime_type(s.loc, "/a.css"), "text/css");
  EXPECT_EQ(w.files.size(), 3u);  // nginx.conf, mime.types, sites-enabled/default
}

TEST_F(Directives, Placement) {
  EXPECT_EQ(load_error(dir, "events {}\nroot /x;\n"),
            "\"root\" directive is not allowed here" + at(2));
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\nlisten 80;\n}\n"),
            "\"listen\" directive is not allowed here" + at(3));
  EXPECT_EQ(load_error(dir, "events {}\nserver {\n}\n"),
            "\"server\" directive is not allowed here" + at(2));
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\nserver {\nlocation / {\nserver_name a;\n}}}\n"),
            "\"server_name\" directive is not allowed here" + at(5));
  EXPECT_EQ(load_error(dir, "events {\nworker_processes 2;\n}\n"),
            "\"worker_processes\" directive is not allowed here" + at(2));
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\nserver {\nalias /x/;\n}}\n"),
            "\"alias\" directive is not allowed here" + at(4));
}

TEST_F(Directives, Arity) {
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\nserver {\nlisten;\n}}\n"),
            "invalid number of arguments in \"listen\" directive" + at(4));
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\nsendfile on off;\n}\n"),
            "invalid number of arguments in \"sendfile\" directive" + at(3));
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\nserver {\ntry_files $uri;\n}}\n"),
            "invalid number of arguments in \"try_files\" directive" + at(4));
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\nsendfile on {\n}\n}\n"),
            "directive \"sendfile\" is not terminated by \";\"" + at(3));
  EXPECT_EQ(load_error(dir, "events;\n"), "directive \"events\" has no opening \"{\"" + at(1));
}

TEST_F(Directives, Duplicates) {
  EXPECT_EQ(load_error(dir, "worker_processes 1;\nworker_processes 2;\nevents {}\n"),
            "\"worker_processes\" directive is duplicate" + at(2));
  EXPECT_EQ(load_error(dir, "events {}\nevents {}\n"), "\"events\" directive is duplicate" + at(2));
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\nserver {\nroot /a;\nroot /b;\n}}\n"),
            "\"root\" directive is duplicate" + at(5));
  EXPECT_EQ(
      load_error(dir, "events {}\nhttp {\nserver {\nlocation /a/ {\nroot /a;\nalias /b/;\n}}}\n"),
      "\"alias\" directive is duplicate, \"root\" directive was specified earlier" + at(6));
  // The same directive at different levels is not a duplicate.
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\nroot /a;\nserver {\nroot /b;\n}}\n"), "");
}

TEST_F(Directives, Values) {
  EXPECT_EQ(
      load_error(dir, "events {}\nhttp {\nsendfile yes;\n}\n"),
      "invalid value \"yes\" in \"sendfile\" directive, it must be \"on\" or \"off\"" + at(3));
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\nclient_max_body_size 1x;\n}\n"),
            "\"client_max_body_size\" directive invalid value" + at(3));
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\nsend_timeout soon;\n}\n"),
            "\"send_timeout\" directive invalid value" + at(3));
  EXPECT_EQ(load_error(dir, "worker_processes many;\nevents {}\n"),
            "invalid value \"many\" in \"worker_processes\" directive" + at(1));
  EXPECT_EQ(load_error(dir, "events { worker_connections lots; }\n"),
            "invalid number \"lots\"" + at(1));
  EXPECT_EQ(load_error(dir, "error_log x.log loud;\nevents {}\n"),
            "invalid log level \"loud\"" + at(1));
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\nserver {\nreturn abc;\n}}\n"),
            "invalid return code \"abc\"" + at(4));
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\nserver {\nlisten 70000;\n}}\n"),
            "invalid port in \"70000\" of the \"listen\" directive" + at(4));
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\nserver {\nlisten 80 fast;\n}}\n"),
            "invalid parameter \"fast\"" + at(4));
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\nserver {\nlocation ~ ( {}\n}}\n").substr(0, 23),
            "pcre2_compile() failed:");
}

TEST_F(Directives, ParsedValues) {
  auto c = load_text(dir, std::string(kEvents) +
                              "http {\n sendfile on; tcp_nopush on;\n keepalive_timeout 30s 25;\n"
                              " keepalive_requests 50; client_max_body_size 8m;\n"
                              " client_body_timeout 10s; send_timeout 500ms;\n"
                              " client_header_timeout 5s; large_client_header_buffers 2 16k;\n"
                              " client_header_buffer_size 2k; server_tokens off; etag off;\n"
                              " if_modified_since before; log_not_found off;\n"
                              " server { listen 8080; } }\n");
  ASSERT_TRUE(c) << c.error().message;
  const ServerConf& s = *(*c)->http.servers[0];
  EXPECT_TRUE(s.loc.sendfile);
  EXPECT_TRUE(s.loc.tcp_nopush);
  EXPECT_EQ(s.loc.keepalive_timeout_ms, 30000);
  EXPECT_EQ(s.loc.keepalive_header_timeout_s, 25);
  EXPECT_EQ(s.loc.keepalive_requests, 50);
  EXPECT_EQ(s.loc.client_max_body_size, 8 << 20);
  EXPECT_EQ(s.loc.client_body_timeout_ms, 10000);
  EXPECT_EQ(s.loc.send_timeout_ms, 500);
  EXPECT_EQ(s.client_header_timeout_ms, 5000);
  EXPECT_EQ(s.large_client_header_buffers_num, 2);
  EXPECT_EQ(s.large_client_header_buffers_size, 16384);
  EXPECT_EQ(s.client_header_buffer_size, 2048);
  EXPECT_FALSE(s.loc.server_tokens);
  EXPECT_FALSE(s.loc.etag);
  EXPECT_EQ(s.loc.if_modified_since, IfModifiedSince::kBefore);
  EXPECT_FALSE(s.loc.log_not_found);
}

TEST_F(Directives, LogFormatsAndAccessLogs) {
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\naccess_log logs/a.log main;\n}\n"),
            "unknown log format \"main\"" + at(3));
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\nlog_format a x;\nlog_format a y;\n}\n"),
            "duplicate \"log_format\" name \"a\"" + at(4));
  EXPECT_EQ(load_error(dir, "events {}\nhttp {\nserver {\nlog_format a x;\n}}\n"),
            "\"log_format\" directive is not allowed here" + at(4));
  auto c = load_text(dir, std::string(kEvents) +
                              "http {\n log_format main '$remote_addr '\n   '\"$request\"';\n"
                              " log_format js escape=json '{\"s\":$status}';\n"
                              " access_log logs/main.log main buffer=32k flush=5s;\n"
                              " access_log /var/log/all.log;\n"
                              " server { listen 8080; location /quiet { access_log off; } "
                              "location /own { access_log logs/own.log js; } } }\n");
  ASSERT_TRUE(c) << c.error().message;
  const HttpConf& h = (*c)->http;
  EXPECT_EQ(h.find_log_format("main")->format, "$remote_addr \"$request\"");
  EXPECT_EQ(h.find_log_format("js")->escape, LogFormat::Escape::kJson);
  const ServerConf& s = *h.servers[0];
  ASSERT_EQ(s.loc.access_logs.size(), 2u);
  EXPECT_EQ(s.loc.access_logs[0].path, dir.path() + "logs/main.log");
  EXPECT_EQ(s.loc.access_logs[0].format->name, "main");
  EXPECT_EQ(s.loc.access_logs[0].buffer_size, 32768);
  EXPECT_EQ(s.loc.access_logs[0].flush_ms, 5000);
  EXPECT_EQ(s.loc.access_logs[1].format->name, "combined");
  EXPECT_TRUE(find_location(s, "/quiet/x").access_logs.empty());
  const LocationConf& own = find_location(s, "/own");
  ASSERT_EQ(own.access_logs.size(), 1u);  // replaces the inherited two, does not add to them
  EXPECT_EQ(own.access_logs[0].format->name, "js");
}

TEST_F(Directives, InheritanceHttpServerLocationNested) {
  auto c = load_text(
      dir, std::string(kEvents) +
               "http {\n root /srv/www;\n index index.html index.htm;\n"
               " default_type application/octet-stream; sendfile on;\n"
               " server {\n  listen 8080;\n  index main.html;\n"
               "  location /a/ {\n   root /srv/a;\n   location /a/b/ { sendfile off; }\n  }\n"
               "  location /c/ { alias /data/c/; index one.html; index two.html; }\n"
               "  try_files $uri =404;\n"
               " }\n"
               " server { listen 8081; }\n"
               "}\n");
  ASSERT_TRUE(c) << c.error().message;
  const ServerConf& s = *(*c)->http.servers[0];
  EXPECT_EQ(s.loc.root, "/srv/www");
  EXPECT_EQ(s.loc.index, std::vector<std::string>{"main.html"});  // replaced, not appended
  EXPECT_EQ(s.loc.try_files, (std::vector<std::string>{"$uri", "=404"}));
  const LocationConf& a = find_location(s, "/a/x");
  EXPECT_EQ(a.pattern, "/a/");
  EXPECT_EQ(a.root, "/srv/a");
  EXPECT_EQ(a.index, std::vector<std::string>{"main.html"});
  EXPECT_EQ(a.default_type, "application/octet-stream");
  EXPECT_TRUE(a.sendfile);
  EXPECT_TRUE(a.try_files.empty());  // server-level try_files is not inherited, as nginx
  const LocationConf& b = find_location(s, "/a/b/c");
  EXPECT_EQ(b.pattern, "/a/b/");
  EXPECT_EQ(b.root, "/srv/a");  // from the enclosing location
  EXPECT_FALSE(b.sendfile);
  const LocationConf& cl = find_location(s, "/c/x");
  EXPECT_TRUE(cl.root_is_alias);
  EXPECT_EQ(cl.root, "/data/c/");
  EXPECT_EQ(cl.index, (std::vector<std::string>{"one.html", "two.html"}));  // same level appends
  const ServerConf& s2 = *(*c)->http.servers[1];
  EXPECT_EQ(s2.loc.index, (std::vector<std::string>{"index.html", "index.htm"}));
  EXPECT_EQ(s2.loc.root, "/srv/www");
}

TEST_F(Directives, ValuesAfterBlocksStillInherit) {
  auto c = load_text(dir, std::string(kEvents) +
                              "http {\n server { listen 8080; location / { } root /late; }\n"
                              " default_type text/late;\n}\n");
  ASSERT_TRUE(c) << c.error().message;
  const LocationConf& l = find_location(*(*c)->http.servers[0], "/");
  EXPECT_EQ(l.root, "/late");
  EXPECT_EQ(l.default_type, "text/late");
}

TEST_F(Directives, RelativeRootAndTrailingSlash) {
  auto c =
      load_text(dir, std::string(kEvents) +
                         "http { server { listen 8080; root site/; location /v { root $host; } } }\n");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ((*c)->http.servers[0]->loc.root, dir.path() + "site");
  EXPECT_EQ(find_location(*(*c)->http.servers[0], "/v").root, "$host");
  // A root's variables are checked as nginx does: an unknown one fails -t.
  EXPECT_EQ(load_error(dir, std::string(kEvents) +
                                "http { server { listen 8080; location /v { root $x; } } }\n"),
            "unknown \"x\" variable" + at(2));
}

TEST_F(Directives, ReturnsStayAtTheirLevel) {
  auto c = load_text(
      dir, std::string(kEvents) +
               "http { server { listen 8080; return 301 https://$host$request_uri;\n"
               " location / { return 404; } }\n"
               " server { listen 8081; location /x { return 403 \"no\"; location /x/y {} } }\n"
               " server { listen 8082; location / { return https://example.com/; } } }\n");
  ASSERT_TRUE(c) << c.error().message;
  const auto& servers = (*c)->http.servers;
  // The server level's return is run by the router before the location search (its rewrite
  // script), so it answers for every location; a location keeps its own.
  EXPECT_EQ(servers[0]->loc.ret.code, 301);
  EXPECT_EQ(servers[0]->loc.ret.text, "https://$host$request_uri");
  ASSERT_EQ(servers[0]->loc.script.size(), 1u);
  EXPECT_EQ(servers[0]->loc.script[0].kind, RewriteStep::Kind::kReturn);
  EXPECT_FALSE(servers[0]->loc.has_rewrite);
  EXPECT_EQ(find_location(*servers[0], "/").ret.code, 404);
  EXPECT_EQ(find_location(*servers[1], "/x").ret.code, 403);
  EXPECT_EQ(find_location(*servers[1], "/x").ret.text, "no");
  EXPECT_EQ(find_location(*servers[1], "/x/y").ret.code,
            0);  // not inherited from the enclosing one
  EXPECT_EQ(find_location(*servers[2], "/").ret.code, 302);
}

TEST_F(Directives, CommandLineDirectives) {
  auto c = load_text(dir, kEvents, "worker_processes 3; pid /tmp/g.pid;");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ((*c)->main.worker_processes, 3);
  EXPECT_EQ((*c)->main.pid_path, "/tmp/g.pid");
  EXPECT_EQ(load_error(dir, std::string("worker_processes 2;\n") + kEvents, "worker_processes 3;"),
            "\"worker_processes\" directive is duplicate" + at(1));
  EXPECT_EQ(load_error(dir, kEvents, "bogus 1;"), "unknown directive \"bogus\" in command line");
  EXPECT_EQ(load_error(dir, kEvents, "worker_processes 1"),
            "unexpected end of parameter, expecting \";\" in command line");
}

TEST_F(Directives, Listen) {
  auto c = load_text(
      dir, std::string(kEvents) +
               "http { server { listen 127.0.0.1:8080 default_server reuseport backlog=100;\n"
               " listen [::1]:8081; listen 8082; listen localhost; listen *:8083; }\n"
               " server { server_name x; } }\n");
  ASSERT_TRUE(c) << c.error().message;
  const auto& ls = (*c)->http.servers[0]->listens;
  ASSERT_EQ(ls.size(), 5u);
  EXPECT_EQ(ls[0].addr_text, "127.0.0.1:8080");
  EXPECT_TRUE(ls[0].default_server);
  EXPECT_TRUE(ls[0].reuseport);
  EXPECT_EQ(ls[0].backlog, 100);
  EXPECT_EQ(ls[1].addr_text, "[::1]:8081");
  EXPECT_EQ(ls[1].family, AF_INET6);
  EXPECT_EQ(ls[2].addr_text, "0.0.0.0:8082");
  EXPECT_TRUE(ls[2].wildcard);
  EXPECT_EQ(ls[3].addr_text, "127.0.0.1:80");
  EXPECT_EQ(ls[4].addr_text, "0.0.0.0:8083");
  // A server without listen gets *:80 as root, *:8000 otherwise, as nginx.
  const auto& dl = (*c)->http.servers[1]->listens;
  ASSERT_EQ(dl.size(), 1u);
  EXPECT_EQ(dl[0].addr_text, geteuid() == 0 ? "0.0.0.0:80" : "0.0.0.0:8000");
  EXPECT_EQ(
      load_error(dir, std::string(kEvents) + "http { server {\nlisten example.com:80;\n} }\n"),
      "host not found in \"example.com:80\" of the \"listen\" directive" + at(3));
  EXPECT_EQ(load_error(dir, std::string(kEvents) + "http { server {\nlisten 80 ssl;\n} }\n"),
            "no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive" + at(2));
}

TEST_F(Directives, ListenGroupErrors) {
  EXPECT_EQ(
      load_error(dir, std::string(kEvents) + "http {\nserver { listen 8080 default_server; }\n"
                                             "server {\nlisten 8080 default_server;\n}\n}\n"),
      "a duplicate default server for 0.0.0.0:8080" + at(5));
  EXPECT_EQ(load_error(dir, std::string(kEvents) + "http {\nserver { listen 8080 backlog=10; }\n"
                                                   "server {\nlisten 8080 reuseport;\n}\n}\n"),
            "duplicate listen options for 0.0.0.0:8080" + at(5));
  EXPECT_EQ(load_error(
                dir, std::string(kEvents) + "http {\nserver {\nlisten 8080;\nlisten 8080;\n}\n}\n"),
            "a duplicate listen 0.0.0.0:8080" + at(5));
}

TEST_F(Directives, Locations) {
  EXPECT_EQ(load_error(dir, std::string(kEvents) +
                                "http {\nserver {\nlocation /x {}\nlocation /x {}\n}\n}\n"),
            "duplicate location \"/x\"" + at(5));
  EXPECT_EQ(load_error(dir, std::string(kEvents) +
                                "http {\nserver {\nlocation = /x {}\nlocation = /x {}\n}\n}\n"),
            "duplicate location \"/x\"" + at(5));
  EXPECT_EQ(load_error(dir, std::string(kEvents) +
                                "http {\nserver {\nlocation /a {\nlocation /b {}\n}\n}\n}\n"),
            "location \"/b\" is outside location \"/a\"" + at(5));
  EXPECT_EQ(load_error(dir, std::string(kEvents) +
                                "http {\nserver {\nlocation = /a {\nlocation /a/b {}\n}\n}\n}\n"),
            "location \"/a/b\" cannot be inside the exact location \"/a\"" + at(5));
  EXPECT_EQ(load_error(dir, std::string(kEvents) +
                                "http {\nserver {\nlocation /a {\nlocation @n {}\n}\n}\n}\n"),
            "named location \"@n\" can be on the server level only" + at(5));
  EXPECT_EQ(load_error(dir, std::string(kEvents) + "http {\nserver {\nlocation !! /a {}\n}\n}\n"),
            "invalid location modifier \"!!\"" + at(4));
  EXPECT_EQ(
      load_error(
          dir, std::string(kEvents) +
                   "http {\nserver {\nlocation = /x {}\nlocation /x {}\nlocation ^~ /y {}\n}\n}\n"),
      "");
}

TEST_F(Directives, IncludeMimeTypesRelativeToConfDirAndDump) {
  dir.write("conf/mime.types", "types {\n  text/html html;\n  image/png PNG;\n}\n");
  auto c = load_text(
      dir, std::string(kEvents) + "http {\n include mime.types;\n server { listen 8080; } }\n");
  ASSERT_TRUE(c) << c.error().message;
  const LocationConf& l = (*c)->http.servers[0]->loc;
  EXPECT_EQ(mime_type(l, "/x/logo.png"), "image/png");
  EXPECT_EQ(mime_type(l, "/x/a.jpg"), "text/plain");  // replaced nginx's built-in list
  std::string dump = dump_config(**c);
  EXPECT_EQ(dump.find("# configuration file " + dir.path() + "conf/webcycle.conf:\nevents {}\n"),
            0u);
  EXPECT_NE(dump.find("# configuration file " + dir.path() + "conf/mime.types:\ntypes {\n"),
            std::string::npos);
  EXPECT_EQ((*c)->files.size(), 2u);
}

TEST_F(Directives, MimeTypesFallsBackToShareDir) {
  std::string path =
      dir.write("conf/webcycle.conf",
                std::string(kEvents) + "http { include mime.types; server { listen 8080; } }\n");
  LoadOptions o;
  o.conf_file = path;
  o.prefix = dir.path();
  auto missing = load_config(o);
  ASSERT_FALSE(missing);
  EXPECT_EQ(
      missing.error().message,
      "open() \"" + dir.path() + "conf/mime.types\" failed (2: No such file or directory)" + at(2));
  o.share_dir = std::string(WEBCYCLE_SOURCE_DIR) + "/share";
  auto c = load_config(o);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(mime_type((*c)->http.servers[0]->loc, "/app.wasm"), "application/wasm");
}

TEST_F(Directives, TypesBlockWarnsOnDuplicateExtension) {
  auto c = load_text(dir, std::string(kEvents) +
                              "http {\n types { text/a x; text/b x; }\n default_type text/d;\n"
                              " server { listen 8080; location /t { types { text/t t; } } } }\n");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ((*c)->warnings.size(), 1u);
  EXPECT_EQ((*c)->warnings[0],
            "duplicate extension \"x\", content type: \"text/b\", previous "
            "content type: \"text/a\"" +
                at(3));
  const ServerConf& s = *(*c)->http.servers[0];
  EXPECT_EQ(mime_type(s.loc, "f.x"), "text/b");
  EXPECT_EQ(mime_type(find_location(s, "/t/a.x"), "/t/a.x"), "text/d");
  EXPECT_EQ(mime_type(find_location(s, "/t/a.t"), "/t/a.t"), "text/t");
}

}  // namespace
}  // namespace wc::web::config
