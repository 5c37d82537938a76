#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cli/command.h"

namespace spime::cli {

bool read_file(const std::string& path, std::string* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": " + std::strerror(errno);
    return false;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  *out = buf.str();
  return true;
}

}  // namespace spime::cli
