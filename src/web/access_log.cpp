#include "web/access_log.h"

#include "web/router.h"

namespace wc::web {

namespace {

vars::Escape escape_of(config::LogFormat::Escape e) {
  switch (e) {
    case config::LogFormat::Escape::kJson:
      return vars::Escape::json;
    case config::LogFormat::Escape::kNone:
      return vars::Escape::none;
    case config::LogFormat::Escape::kDefault:
      break;
  }
  return vars::Escape::log;
}

}  // namespace

Status AccessLog::init(const config::WebConfig& config, Router& router) {
  router_ = &router;
  std::vector<const config::LocationConf*> stack;
  stack.push_back(&config.http.loc);
  for (const auto& server : config.http.servers) stack.push_back(&server->loc);
  while (!stack.empty()) {
    const config::LocationConf* loc = stack.back();
    stack.pop_back();
    for (const auto& child : loc->nested) stack.push_back(child.get());
    std::vector<Target> targets;
    for (const config::AccessLogConf& al : loc->access_logs) {
      auto it = formats_.find(al.format);
      if (it == formats_.end()) {
        auto compiled = vars::LogFormat::compile(al.format->format, escape_of(al.format->escape),
                                                 &config.variables);
        if (!compiled) {
          return fail(compiled.error().message + " in log_format \"" + al.format->name + "\"");
        }
        if (compiled->tmpl().uses(vars::Template::Var::request_id)) router.require_request_id();
        it = formats_.emplace(al.format, std::move(*compiled)).first;
      }
      auto writer = files_.get(al.path);
      if (!writer) return std::unexpected(writer.error());
      targets.push_back(Target{*writer, &it->second});
    }
    targets_.emplace(loc, std::move(targets));
  }
  return {};
}

void AccessLog::log(const Exchange& ex) {
  if (ex.location == nullptr) return;
  const auto it = targets_.find(ex.location);
  if (it == targets_.end() || it->second.empty()) return;
  vars::RequestVars v;
  router_->fill_vars(ex, v);
  for (const Target& t : it->second) {
    line_.clear();
    t.format->append_line(v, line_);
    t.writer->append(line_);
  }
}

}  // namespace wc::web
