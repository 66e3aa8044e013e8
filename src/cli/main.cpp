// webcycle: one binary, one command per part of the cycle (SPEC.md "One binary").
#include <cstdio>
#include <cstring>
#include <string_view>

int main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "--version") {
    std::printf("webcycle %s\n", WEBCYCLE_VERSION);
    return 0;
  }
  std::fprintf(stderr, "usage: webcycle <command> [options]\n");
  return 2;
}
