// The variables a configuration declares itself, as nginx's ngx_http_add_variable makes them:
// `set $x ...`, `map SOURCE $x { }` and the named captures `(?<x>...)` of its regexes (location,
// server_name, rewrite, if, map). Names are given an index when first referenced, declared or
// not, so a reference may come before the `set` or `map` that declares it (nginx resolves the
// names once the whole configuration is read); one never declared is `unknown "x" variable`.
//
// VarRegistry: built while the configuration is read, then immutable (owned by the WebConfig).
// UserVars: one per worker, holding one request's values; single thread. A `map` variable is
// evaluated when a template first reads it in a request and the value is kept for the rest of
// the request (every time for a `volatile` map), as nginx's cacheable variables.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace wc::web::vars {

struct RequestVars;
class UserVars;

// Computes a lazily evaluated variable (a `map`) for the request `v` describes: appends the value
// to `out`. `def` is the Entry's lazy_def. May read other variables (through `user`).
using LazyEval = void (*)(const void* def, const RequestVars& v, UserVars& user, std::string& out);

class VarRegistry {
 public:
  struct Entry {
    std::string name;                // lowercase, without '$'
    bool declared = false;           // by set, map or a named capture
    std::string first_use;           // where it was first referenced ("in F:L"), for the error
    const void* lazy_def = nullptr;  // map: its definition, evaluated by `lazy`
    LazyEval lazy = nullptr;
    bool is_volatile = false;  // map ... { volatile; }: evaluated at every use
  };

  // The index of `name` (any case), added undeclared if new; `where` is kept for the error.
  uint32_t reference(std::string_view name, std::string_view where);
  // The index of `name`, declared.
  uint32_t declare(std::string_view name);
  [[nodiscard]] std::optional<uint32_t> find(std::string_view name) const;
  [[nodiscard]] const Entry& entry(uint32_t index) const { return entries_[index]; }
  [[nodiscard]] Entry& entry(uint32_t index) { return entries_[index]; }
  [[nodiscard]] size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }
  // The first entry referenced but never declared, or null.
  [[nodiscard]] const Entry* first_undeclared() const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::vector<Entry> entries_;
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> index_;
};

class UserVars {
 public:
  // Forgets the previous request's values (keeps the buffers). Cheap when nothing is declared.
  void reset(const VarRegistry* registry);
  void set(uint32_t index, std::string_view value);
  // The value: a set one, a map's (evaluated now if not yet in this request), else empty (an
  // unset variable reads as empty, as nginx's `set` ones do). Never a null view. A map that
  // needs its own value while being evaluated gets empty (nginx: a cycle error).
  [[nodiscard]] std::string_view get(uint32_t index, const RequestVars& v);
  [[nodiscard]] bool is_set(uint32_t index) const noexcept {
    return index < state_.size() && state_[index] == kSet;
  }

 private:
  enum : uint8_t { kUnset, kSet, kEvaluating };
  const VarRegistry* registry_ = nullptr;
  std::vector<std::string> values_;
  std::vector<uint8_t> state_;
};

}  // namespace wc::web::vars
