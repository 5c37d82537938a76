// Table: the human-readable output of the client commands: columns aligned
// on the widest cell (UTF-8 counted in characters), two spaces apart, the
// last column not padded, a header line first. print_fields: the same for
// one thing's "key  value" lines.
// Thread-safety: a value; not shared.
#pragma once

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace spime::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}

  // A row with fewer cells than the header is padded with empty ones.
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }

  void print(std::FILE* out = stdout) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// "key  value" lines, the values aligned; a pair with an empty value is left out.
void print_fields(const std::vector<std::pair<std::string, std::string>>& fields,
                  std::FILE* out = stdout);

}  // namespace spime::cli
