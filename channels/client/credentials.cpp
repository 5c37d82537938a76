// The tools' credentials. See credentials.h.
#include "channels/client/credentials.h"

#include <cstdlib>
#include <fstream>

namespace spime::client {

bool apply_credentials(const std::string& cafile, const std::string& token_file, Options* options,
                       std::string* error) {
  if (!cafile.empty()) {
    std::ifstream in(cafile);
    if (!in) {
      *error = "--cafile " + cafile + ": cannot read it";
      return false;
    }
    options->cafile = cafile;
  }
  std::string token;
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in || !std::getline(in, token)) {
      *error = "--token-file " + token_file + ": cannot read it";
      return false;
    }
    if (!token.empty() && token.back() == '\r') token.pop_back();
    if (token.empty()) {
      *error = "--token-file " + token_file + ": its first line is empty";
      return false;
    }
  } else if (const char* env = std::getenv(kTokenEnvironment); env && *env) {
    token = env;
  }
  options->bearer_token = std::move(token);
  return true;
}

}  // namespace spime::client
