// Fuzzes `webcycle up`'s stack-file reading: the text through core's nginx-syntax parser, then
// read_stack() (dns, app and client blocks), then the web server's part written back out
// (serialize_conf) with its line map. Invariant: the written text parses again to the same tree
// (names, args, blocks), and writing that tree gives the same text. `include` is refused so the
// harness never reads the file system.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/conf_parser.h"
#include "fuzz_util.h"
#include "up/stack_file.h"
#include "up/web_conf.h"

namespace {

bool same(const std::vector<wc::core::ConfNode>& a, const std::vector<wc::core::ConfNode>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].args != b[i].args || a[i].block != b[i].block ||
        !same(a[i].children, b[i].children)) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  wc::core::ParseOptions options;
  options.allow_include = false;
  wc::core::ConfTree tree;
  if (!wc::core::parse_conf_text(input, "/fuzz/stack.conf", options, &tree)) return 0;
  auto stack = wc::up::read_stack(tree.nodes, "/fuzz");
  if (!stack) return 0;
  std::vector<wc::up::SourceLine> lines;
  const std::string written = wc::up::serialize_conf(stack->web, &lines);
  FUZZ_CHECK(static_cast<size_t>(std::count(written.begin(), written.end(), '\n')) == lines.size());
  wc::core::ConfTree again;
  auto reparsed = wc::core::parse_conf_text(written, "/fuzz/written.conf", options, &again);
  FUZZ_CHECK(reparsed.has_value());
  FUZZ_CHECK(same(stack->web, again.nodes));
  FUZZ_CHECK(wc::up::serialize_conf(again.nodes) == written);
  (void)wc::up::annotate_lines("x in /fuzz/written.conf:3\n", "/fuzz/written.conf", lines, 1);
  return 0;
}
