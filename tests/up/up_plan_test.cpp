// What `up` derives from a stack before it starts anything: ports, paths, the generated config.
#include <gtest/gtest.h>

#include "up/up.h"
#include "up/web_conf.h"

namespace wc::up {
namespace {

const std::string kShare = std::string(WEBCYCLE_SOURCE_DIR) + "/share/";
const std::string kDemo = kShare + "demo/";

UpOptions demo_options() {
  UpOptions o;
  o.share_dir = kShare;
  o.runtime_dir = "/tmp/up-plan-test-runtime";
  return o;
}

TEST(UrlWithPort, AddsThePortWhenNotEighty) {
  EXPECT_EQ(url_with_port("http://search.mysite.test/search?q=%s", 8080),
            "http://search.mysite.test:8080/search?q=%s");
  EXPECT_EQ(url_with_port("http://search.mysite.test/search?q=%s", 80),
            "http://search.mysite.test/search?q=%s");
  EXPECT_EQ(url_with_port("http://s.test:81/?q=%s", 8080), "http://s.test:81/?q=%s");
  EXPECT_EQ(url_with_port("http://s.test?q=%s", 8080), "http://s.test:8080?q=%s");
}

TEST(PlanStack, DemoOnEightyEightyWhenEightyIsRefused) {
  auto plan = plan_stack(demo_options(), [](const std::string&) { return false; });
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->stack_path, kDemo + "stack.conf");
  EXPECT_EQ(plan->web_port, 8080);
  EXPECT_TRUE(plan->port_fell_back);
  EXPECT_EQ(plan->web_listen, "127.0.0.1:8080");
  EXPECT_EQ(plan->search, "http://search.mysite.test:8080/search?q=%s");
  EXPECT_EQ(plan->hosts, kDemo + "hosts");
  EXPECT_EQ(plan->resolv_conf, "/tmp/up-plan-test-runtime/resolv.conf");
  EXPECT_EQ(plan->web_conf, "/tmp/up-plan-test-runtime/conf/webcycle.conf");
  EXPECT_EQ(plan->access_log, "/tmp/up-plan-test-runtime/logs/access.log");
  EXPECT_EQ(plan->error_log, "/tmp/up-plan-test-runtime/logs/error.log");
  EXPECT_EQ(plan->dns_query_log, "/tmp/up-plan-test-runtime/logs/dns-query.log");
  EXPECT_EQ(plan->stack.apps[0].access_log, "/tmp/up-plan-test-runtime/logs/app-app.access.log");
  EXPECT_NE(plan->web_conf_text.find("root " + kDemo + "www;"), std::string::npos);
  EXPECT_EQ(plan->web_conf_text.find("listen 80;"), std::string::npos);
  EXPECT_EQ(plan->web_conf_text.find("listen 80 "), std::string::npos);
  EXPECT_NE(plan->web_conf_text.find("listen 8080 default_server;"), std::string::npos);
  EXPECT_EQ(plan->web_conf_text.find("dns {"), std::string::npos);
  EXPECT_EQ(plan->web_conf_text.find("app app {"), std::string::npos);
  EXPECT_EQ(plan->web_conf_text.find("client {"), std::string::npos);
}

TEST(PlanStack, EightyWhenItBindsAndPortFlagsOverride) {
  auto plan = plan_stack(demo_options(), [](const std::string&) { return true; });
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->web_port, 80);
  EXPECT_FALSE(plan->port_fell_back);
  EXPECT_EQ(plan->search, "http://search.mysite.test/search?q=%s");
  // The demo's `listen 443 ssl`: 443 binds here, the certificate names every server_name.
  EXPECT_EQ(plan->tls_port, 443);
  EXPECT_EQ(plan->ca_file, "/tmp/up-plan-test-runtime/ca.pem");
  EXPECT_EQ(plan->tls_dir, "/tmp/up-plan-test-runtime/conf/tls");
  EXPECT_EQ(plan->tls_names,
            (std::vector<std::string>{"www.mysite.test", "app.mysite.test", "search.mysite.test",
                                      "localhost", "127.0.0.1"}));

  UpOptions o = demo_options();
  o.web_port = 18080;
  o.dns_port = 15353;
  plan = plan_stack(o, [](const std::string&) -> bool {
    ADD_FAILURE() << "no bind try";
    return false;
  });
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->web_port, 18080);
  EXPECT_EQ(plan->stack.dns.listen, std::vector<std::string>{"127.0.0.1:15353"});
  // With --port, HTTPS gets a free port (stacks side by side), tried without a bind of 443.
  EXPECT_NE(plan->tls_port, 0);
  EXPECT_NE(plan->tls_port, 443);
  for (const std::string& l : listen_args(plan->stack.web)) {
    EXPECT_TRUE(listen_port(l) == 18080 || listen_port(l) == plan->tls_port) << l;
  }
  o.tls_port = 18443;
  plan = plan_stack(o, [](const std::string&) { return false; });
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->tls_port, 18443);
}

TEST(PlanStack, AStackFileErrorComesBack) {
  UpOptions o = demo_options();
  o.stack_path = "/nonexistent/stack.conf";
  auto plan = plan_stack(o, [](const std::string&) { return true; });
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("/nonexistent/stack.conf"), std::string::npos);
}

TEST(DefaultRuntimeDir, NamedForTheStacksFolder) {
  const std::string d = default_runtime_dir(kDemo + "stack.conf");
  EXPECT_TRUE(d.ends_with("/webcycle-up/demo") || d.ends_with("/demo")) << d;
}

}  // namespace
}  // namespace wc::up
