#include "up/up.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "tls/issuer.h"
#include "up/port_choice.h"
#include "up/probe.h"
#include "up/supervisor.h"
#include "up/web_conf.h"

namespace wc::up {
namespace {

namespace fs = std::filesystem;
using core::ConfNode;

std::string folder_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string absolute(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return ec ? path : p.string();
}

// The first `name` directive directly in `nodes` (not in nested blocks).
const ConfNode* find_directive(const std::vector<ConfNode>& nodes, std::string_view name) {
  for (const ConfNode& n : nodes) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

std::string log_path(const std::vector<ConfNode>& level, std::string_view directive,
                     const std::string& runtime, const std::string& fallback) {
  const ConfNode* n = find_directive(level, directive);
  if (n == nullptr || n->args.empty() || n->args[0] == "off") return runtime + "/" + fallback;
  return resolve_path(n->args[0], runtime);
}

// A browse argument with the web port put in, when it names a host ("www.mysite.test/about.html",
// "http://app.mysite.test/") and the port is not 80. Flags and search words stay as they are.
std::string input_with_port(const std::string& arg, uint16_t port) {
  if (port == 80 || arg.empty() || arg[0] == '-' || arg.find(' ') != std::string::npos) return arg;
  if (arg.starts_with("http://")) return url_with_port(arg, port);
  size_t slash = arg.find('/');
  std::string host = arg.substr(0, slash);
  if (host.find('.') == std::string::npos || host.find(':') != std::string::npos) return arg;
  return host + ":" + std::to_string(port) + (slash == std::string::npos ? "" : arg.substr(slash));
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789-_./:=@%+,") == std::string::npos) {
    return s;
  }
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// "webcycle" when the `webcycle` on PATH is this binary, else this binary's path.
std::string self_name() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "webcycle";
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    fs::path candidate = fs::path(dirs.substr(start, end - start)) / "webcycle";
    if (fs::equivalent(candidate, exe, ec)) return "webcycle";
    start = end + 1;
  }
  return exe.string();
}

Status write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return sys_fail("write(\"" + path + "\")");
  return {};
}

// A private key: created 0600 (never readable by others, even for a moment).
Status write_key_file(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return sys_fail("open(\"" + path + "\")");
  (void)::fchmod(fd, 0600);
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) return sys_fail("write(\"" + path + "\")");
  return {};
}

Status make_dirs(const std::string& path);

// HTTPS for the stack: its own CA (kept across starts in the runtime folder, so a --cacert given
// once stays good) and a certificate for the stack's names, signed by it, made now.
Status make_tls_files(const Plan& plan) {
  if (auto st = make_dirs(plan.tls_dir); !st) return st;
  (void)::chmod(plan.tls_dir.c_str(), 0700);
  const std::string ca_key = plan.tls_dir + "/ca.key";
  tls::Pem ca;
  std::ifstream cert_in(plan.ca_file), key_in(ca_key);
  if (cert_in && key_in) {
    ca.certificate.assign(std::istreambuf_iterator<char>(cert_in), {});
    ca.key.assign(std::istreambuf_iterator<char>(key_in), {});
  }
  if (ca.certificate.empty() || ca.key.empty()) {
    auto made = tls::make_ca("webcycle up CA (" + plan.runtime_dir + ")");
    if (!made) return std::unexpected(made.error());
    ca = std::move(*made);
    if (auto st = write_key_file(ca_key, ca.key); !st) return st;
    if (auto st = write_file(plan.ca_file, ca.certificate); !st) return st;
  }
  auto leaf = tls::make_certificate(ca, plan.tls_names);
  if (!leaf) return std::unexpected(leaf.error());
  if (auto st = write_key_file(plan.tls_dir + "/demo.key", leaf->key); !st) return st;
  return write_file(plan.tls_dir + "/demo.crt", leaf->certificate);
}

Status make_dirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return fail(ec.value(), "mkdir(\"" + path + "\") failed (" + ec.message() + ")");
  return {};
}

void print_table(const Plan& plan) {
  const std::string self = self_name();
  std::string t;
  // Rows first, then the column widths they need.
  std::vector<std::array<std::string, 3>> rows;
  auto row = [&](const std::string& what, const std::string& where, const std::string& logs) {
    rows.push_back({what, where, logs});
  };
  t += "\nwebcycle up: " + plan.stack_path + " is up (Ctrl-C stops it all)\n\n";
  row("what", "listens on", "logs");
  if (plan.stack.dns.present) {
    std::string listens;
    for (const std::string& l : plan.stack.dns.listen) listens += (listens.empty() ? "" : " ") + l;
    row("dns", listens + " (udp, tcp)", plan.stack.dns.query_log);
  }
  for (const AppSpec& app : plan.stack.apps) {
    row("app " + app.name, app.bind, app.access_log + "\n" + app.error_log);
  }
  std::string web_where;
  std::vector<std::string> seen;
  for (std::string l : listen_args(plan.stack.web)) {
    if (l.find_first_not_of("0123456789") == std::string::npos) l = "*:" + l;
    if (std::find(seen.begin(), seen.end(), l) != seen.end()) continue;
    seen.push_back(l);
    web_where += (web_where.empty() ? "" : " ") + l;
  }
  if (plan.has_web) row("web", web_where, plan.access_log + "\n" + plan.error_log);
  size_t w0 = 0, w1 = 0;
  for (const auto& r : rows) {
    w0 = std::max(w0, r[0].size());
    w1 = std::max(w1, r[1].size());
  }
  for (const auto& r : rows) {
    std::string line = "  " + r[0] + std::string(w0 + 2 - r[0].size(), ' ') + r[1] +
                       std::string(w1 + 2 - r[1].size(), ' ');
    size_t nl = r[2].find('\n');
    t += line + r[2].substr(0, nl) + "\n";
    if (nl != std::string::npos) t += std::string(line.size(), ' ') + r[2].substr(nl + 1) + "\n";
  }
  if (plan.port_fell_back) {
    t += "\n  port 80 could not be bound here (not root?): the web server listens on 8080\n";
  }
  t += "\nthe client's side:\n";
  t += "  hosts file    " + plan.hosts + "\n";
  if (!plan.resolv_conf.empty()) t += "  resolv.conf   " + plan.resolv_conf + "\n";
  if (!plan.search.empty()) t += "  search        " + plan.search + "\n";
  if (plan.has_web) t += "  web config    " + plan.web_conf + " (generated from the stack file)\n";
  t += "\nin another shell (webcycle's own children have these set already):\n";
  t += "  export WEBCYCLE_HOSTS=" + shell_quote(plan.hosts);
  if (!plan.resolv_conf.empty()) t += " WEBCYCLE_RESOLV_CONF=" + shell_quote(plan.resolv_conf);
  if (!plan.search.empty()) t += " WEBCYCLE_SEARCH=" + shell_quote(plan.search);
  t += "\n";
  std::vector<std::vector<std::string>> tries = plan.stack.client.tries;
  if (tries.empty()) {
    for (const ConfNode* http = find_directive(plan.stack.web, "http"); http != nullptr;
         http = nullptr) {
      for (const ConfNode& server : http->children) {
        if (server.name != "server") continue;
        if (const ConfNode* names = find_directive(server.children, "server_name")) {
          for (const std::string& name : names->args) {
            if (!name.empty() && name.find_first_of("*~") == std::string::npos) {
              tries.push_back({"-v", name});
            }
          }
        }
      }
    }
  }
  if (!tries.empty()) t += "\ntry:\n";
  for (const auto& args : tries) {
    std::string line = "  " + self + " browse";
    for (const std::string& a : args) line += " " + shell_quote(input_with_port(a, plan.web_port));
    t += line + "\n";
  }
  if (plan.tls_port != 0) {
    // HTTPS with the CA `up` made for this stack (curl takes the same --cacert).
    t += "\nhttps (certificates from the stack's own CA, " + plan.ca_file + "):\n";
    const std::string port = plan.tls_port == 443 ? "" : ":" + std::to_string(plan.tls_port);
    for (const std::string& name : plan.tls_names) {
      if (name == "localhost" || name == "127.0.0.1") continue;
      t += "  " + self + " browse --cacert " + shell_quote(plan.ca_file) + " https://" + name +
           port + "/\n";
    }
  }
  t += "\n";
  std::fputs(t.c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace

std::string default_runtime_dir(const std::string& stack_path) {
  std::string name = fs::path(folder_of(absolute(stack_path))).filename().string();
  if (name.empty() || name == "/") name = "stack";
  const char* xdg = std::getenv("XDG_RUNTIME_DIR");
  if (xdg != nullptr && xdg[0] == '/' && ::access(xdg, W_OK) == 0) {
    return std::string(xdg) + "/webcycle-up/" + name;
  }
  return "/tmp/webcycle-up-" + std::to_string(::getuid()) + "/" + name;
}

std::string url_with_port(const std::string& url, uint16_t port) {
  if (port == 80) return url;
  size_t scheme = url.find("://");
  size_t host_start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t host_end = url.find_first_of("/?#", host_start);
  if (host_end == std::string::npos) host_end = url.size();
  std::string host = url.substr(host_start, host_end - host_start);
  if (host.find(':') != std::string::npos) return url;
  return url.substr(0, host_end) + ":" + std::to_string(port) + url.substr(host_end);
}

Result<Plan> plan_stack(const UpOptions& options,
                        const std::function<bool(const std::string&)>& try_bind) {
  Plan plan;
  std::string stack_path =
      options.stack_path.empty() ? options.share_dir + "demo/stack.conf" : options.stack_path;
  plan.stack_path = absolute(stack_path);
  auto stack = load_stack_file(plan.stack_path, options.share_dir);
  if (!stack) return std::unexpected(stack.error());
  plan.stack = std::move(*stack);
  Stack& s = plan.stack;
  const std::string base = folder_of(plan.stack_path);
  plan.runtime_dir = options.runtime_dir.empty() ? default_runtime_dir(plan.stack_path)
                                                 : absolute(options.runtime_dir);
  const std::string& rt = plan.runtime_dir;

  // The web server: `listen 80` (or none) -> the chosen port.
  std::vector<std::string> on_80;
  std::vector<std::string> listens = listen_args(s.web);
  for (const std::string& l : listens) {
    if (listen_port(l) == 80) on_80.push_back(l);
  }
  if (!on_80.empty() || listens.empty()) {
    PortChoice choice = choose_web_port(on_80, options.web_port, try_bind);
    plan.web_port = choice.port;
    plan.port_fell_back = choice.fell_back;
    (void)move_listen_port(s.web, 80, choice.port);
  } else if (options.web_port) {
    (void)move_listen_port(s.web, listen_port(listens.front()), *options.web_port);
    plan.web_port = *options.web_port;
  } else {
    plan.web_port = listen_port(listens.front());
  }
  // HTTPS: `listen 443 ... ssl` -> 443 where it can be bound, else 8443 (or --tls-port).
  std::vector<std::string> on_443;
  for (const std::string& l : listens) {
    if (listen_port(l) == 443) on_443.push_back(l);
  }
  if (!on_443.empty()) {
    plan.tls_port = choose_tls_port(on_443, options.tls_port, options.web_port.has_value(),
                                    try_bind, free_tcp_port);
    (void)move_listen_port(s.web, 443, plan.tls_port);
    plan.tls_dir = rt + "/conf/tls";
    plan.ca_file = rt + "/ca.pem";
    if (const ConfNode* http = find_directive(s.web, "http")) {
      for (const ConfNode& server : http->children) {
        if (server.name != "server") continue;
        if (const ConfNode* names = find_directive(server.children, "server_name")) {
          for (const std::string& name : names->args) {
            if (!name.empty() && name.find_first_of("*~") == std::string::npos &&
                std::find(plan.tls_names.begin(), plan.tls_names.end(), name) ==
                    plan.tls_names.end()) {
              plan.tls_names.push_back(name);
            }
          }
        }
      }
    }
    plan.tls_names.push_back("localhost");
    plan.tls_names.push_back("127.0.0.1");
  }
  listens = listen_args(s.web);
  plan.web_listen = connect_address(listens.empty() ? std::to_string(plan.web_port) : listens[0]);
  absolutize_paths(s.web, base);
  plan.web_conf = rt + "/conf/webcycle.conf";
  plan.web_conf_text = "# Generated by `webcycle up` from " + plan.stack_path +
                       "\n# (edit that file, not this one: up writes this one at each start).\n" +
                       serialize_conf(s.web, &plan.web_lines);
  const ConfNode* http = find_directive(s.web, "http");
  plan.has_web = http != nullptr;
  plan.access_log = log_path(http != nullptr ? http->children : std::vector<ConfNode>{},
                             "access_log", rt, "logs/access.log");
  plan.error_log = log_path(s.web, "error_log", rt, "logs/error.log");

  // The DNS server and the resolv.conf naming it.
  if (s.dns.present) {
    if (options.dns_port) {
      for (std::string& l : s.dns.listen) l = with_port(l, *options.dns_port);
    }
    if (s.dns.query_log.empty()) s.dns.query_log = rt + "/logs/dns-query.log";
    plan.dns_query_log = s.dns.query_log;
    plan.resolv_conf = rt + "/resolv.conf";
  }
  for (AppSpec& app : s.apps) {
    if (app.access_log.empty()) app.access_log = rt + "/logs/app-" + app.name + ".access.log";
    if (app.error_log.empty()) app.error_log = rt + "/logs/app-" + app.name + ".error.log";
  }
  plan.hosts = s.client.hosts.empty() ? rt + "/hosts" : s.client.hosts;
  if (!s.client.search.empty()) plan.search = url_with_port(s.client.search, plan.web_port);
  return plan;
}

int run_up(const UpOptions& options) {
  auto planned = plan_stack(options, can_bind);
  if (!planned) {
    std::fprintf(stderr, "webcycle up: %s\n", planned.error().message.c_str());
    return 1;
  }
  Plan plan = std::move(*planned);
  if (options.check_only) {
    std::printf(
        "webcycle up: the stack file %s is ok: %s%zu app(s), %s\n", plan.stack_path.c_str(),
        plan.stack.dns.present ? "dns, " : "", plan.stack.apps.size(),
        plan.has_web ? ("web on port " + std::to_string(plan.web_port)).c_str() : "no web server");
    return 0;
  }
  const Stack& s = plan.stack;
  const std::string& rt = plan.runtime_dir;
  for (const std::string& dir : {rt, rt + "/conf", rt + "/logs"}) {
    if (auto st = make_dirs(dir); !st) {
      std::fprintf(stderr, "webcycle up: runtime folder: %s\n", st.error().message.c_str());
      return 1;
    }
  }
  (void)::chmod(rt.c_str(), 0700);
  Status written = write_file(plan.web_conf, plan.web_conf_text);
  if (written && !plan.resolv_conf.empty()) {
    written =
        write_file(plan.resolv_conf,
                   "# Written by `webcycle up`: the stack's DNS server.\nnameserver " +
                       connect_address(s.dns.listen.front()) + "\noptions timeout:1 attempts:2\n");
  }
  if (written && plan.tls_port != 0) written = make_tls_files(plan);
  if (written && s.client.hosts.empty()) {
    written = write_file(plan.hosts, "127.0.0.1 localhost\n::1 localhost\n");
  }
  if (!written) {
    std::fprintf(stderr, "webcycle up: %s\n", written.error().message.c_str());
    return 1;
  }
  // The children (and so the apps' own outgoing requests) resolve as the printed client does.
  ::setenv("WEBCYCLE_HOSTS", plan.hosts.c_str(), 1);
  if (!plan.resolv_conf.empty()) ::setenv("WEBCYCLE_RESOLV_CONF", plan.resolv_conf.c_str(), 1);
  if (!plan.search.empty()) ::setenv("WEBCYCLE_SEARCH", plan.search.c_str(), 1);
  ::setenv("WEBCYCLE_WEB_PORT", std::to_string(plan.web_port).c_str(), 1);

  std::vector<ChildSpec> children;
  if (s.dns.present) {
    ChildSpec dns;
    dns.name = "dns";
    dns.argv = {"dns"};
    for (const std::string& l : s.dns.listen) dns.argv.insert(dns.argv.end(), {"--listen", l});
    for (const auto& [origin, file] : s.dns.zones) {
      dns.argv.insert(dns.argv.end(), {"--zone", origin + "=" + file});
    }
    if (!s.dns.hosts.empty()) dns.argv.insert(dns.argv.end(), {"--hosts", s.dns.hosts});
    dns.argv.insert(dns.argv.end(), {"--query-log", s.dns.query_log});
    dns.probe = ChildSpec::Probe::kDns;
    dns.address = s.dns.listen.front();
    dns.dns_name = s.dns.zones.empty() ? "localhost" : s.dns.zones.front().first;
    dns.output = rt + "/logs/dns.out";
    children.push_back(std::move(dns));
  }
  for (const AppSpec& app : s.apps) {
    ChildSpec c;
    c.name = "app " + app.name;
    c.argv = {"app",
              "-b",
              app.bind,
              "-w",
              std::to_string(app.workers),
              "--chdir",
              app.chdir,
              "--graceful-timeout",
              "5",
              "--access-logfile",
              app.access_log,
              "--error-logfile",
              app.error_log,
              "--access-logformat",
              "%(h)s %(l)s %(u)s %(t)s \"%(r)s\" %(s)s %(b)s \"%(f)s\" \"%(a)s\" "
              "rid=%({x-request-id}i)s"};
    for (const std::string& e : app.env) c.argv.insert(c.argv.end(), {"-e", e});
    c.argv.push_back(app.module);
    c.probe = ChildSpec::Probe::kHttp;  // bound is not enough: a worker must have loaded the app
    c.address = app.bind;
    c.output = rt + "/logs/app-" + app.name + ".out";
    children.push_back(std::move(c));
  }
  // A stack without an http block runs no web server (a DNS-only stack, say).
  if (plan.has_web) {
    ChildSpec web;
    web.name = "web";
    web.argv = {"web", "-c", plan.web_conf, "-p", rt + "/"};
    web.address = plan.web_listen;
    web.output = rt + "/logs/web.out";
    web.explain = [&plan](const std::string& text) {
      return annotate_lines(text, plan.web_conf, plan.web_lines, kWebConfFirstLine);
    };
    children.push_back(std::move(web));
  }

  std::fprintf(stderr, "webcycle up: starting %s (runtime folder %s)\n", plan.stack_path.c_str(),
               rt.c_str());
  SupervisorOptions sup;
  sup.grace_ms = options.grace_ms;
  sup.on_ready = [&plan] { print_table(plan); };
  // HUP: the web server's part of the stack file is read again (same ports, same runtime folder),
  // so an edit of stack.conf reaches the web server with its reload. dns and app blocks are read
  // at start only.
  sup.on_hup = [&plan, &options] {
    UpOptions again = options;
    again.stack_path = plan.stack_path;
    again.runtime_dir = plan.runtime_dir;
    if (plan.web_port != 0) again.web_port = plan.web_port;
    if (plan.tls_port != 0) again.tls_port = plan.tls_port;
    auto fresh = plan_stack(again, can_bind);
    if (!fresh) {
      std::fprintf(stderr, "webcycle up: HUP: %s; the web server keeps its config\n",
                   fresh.error().message.c_str());
      return;
    }
    if (fresh->web_conf_text == plan.web_conf_text) return;
    if (auto st = write_file(plan.web_conf, fresh->web_conf_text); !st) {
      std::fprintf(stderr, "webcycle up: HUP: %s\n", st.error().message.c_str());
      return;
    }
    plan.web_conf_text = std::move(fresh->web_conf_text);
    plan.web_lines = std::move(fresh->web_lines);
    std::fprintf(stderr, "webcycle up: HUP: %s re-written from %s\n", plan.web_conf.c_str(),
                 plan.stack_path.c_str());
  };
  return supervise(children, sup);
}

}  // namespace wc::up
