// The spime binary: `spime <command> ...`.
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0) {
    std::fprintf(stderr, "usage: spime krl check FILE... | spime krl eval 'EXPR'\n");
    return argc < 2 ? 2 : 0;
  }
  std::fprintf(stderr, "spime: unknown command '%s'\n", argv[1]);
  return 2;
}
