#include "web/vars/user_vars.h"

#include <algorithm>
#include <cassert>

namespace wc::web::vars {

namespace {

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

uint32_t VarRegistry::reference(std::string_view name, std::string_view where) {
  std::string key = lowercase(name);
  if (auto it = index_.find(key); it != index_.end()) return it->second;
  const auto index = static_cast<uint32_t>(entries_.size());
  Entry e;
  e.name = key;
  e.first_use = where;
  entries_.push_back(std::move(e));
  index_.emplace(std::move(key), index);
  return index;
}

uint32_t VarRegistry::declare(std::string_view name) {
  const uint32_t index = reference(name, {});
  entries_[index].declared = true;
  return index;
}

std::optional<uint32_t> VarRegistry::find(std::string_view name) const {
  if (auto it = index_.find(lowercase(name)); it != index_.end()) return it->second;
  return std::nullopt;
}

const VarRegistry::Entry* VarRegistry::first_undeclared() const {
  for (const Entry& e : entries_) {
    if (!e.declared) return &e;
  }
  return nullptr;
}

void UserVars::reset(const VarRegistry* registry) {
  registry_ = registry;
  const size_t n = registry == nullptr ? 0 : registry->size();
  if (values_.size() != n) {
    values_.resize(n);
    state_.resize(n);
  }
  std::fill(state_.begin(), state_.end(), kUnset);
}

void UserVars::set(uint32_t index, std::string_view value) {
  assert(index < values_.size());
  values_[index].assign(value.data(), value.size());
  state_[index] = kSet;
}

std::string_view UserVars::get(uint32_t index, const RequestVars& v) {
  if (index >= values_.size()) return std::string_view("", 0);
  std::string& value = values_[index];
  if (state_[index] == kSet) return {value.data(), value.size()};
  if (state_[index] == kEvaluating) return std::string_view("", 0);
  const VarRegistry::Entry& e = registry_->entry(index);
  if (e.lazy == nullptr) return std::string_view("", 0);
  state_[index] = kEvaluating;
  std::string computed;
  e.lazy(e.lazy_def, v, *this, computed);
  value = std::move(computed);
  state_[index] = e.is_volatile ? kUnset : kSet;
  return {value.data(), value.size()};
}

}  // namespace wc::web::vars
