#include "cli/table.h"

#include <algorithm>

namespace spime::cli {

namespace {

// Characters, not bytes: UTF-8 continuation bytes do not count.
std::size_t width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

void print_row(std::FILE* out, const std::vector<std::string>& row,
               const std::vector<std::size_t>& widths) {
  std::string line;
  for (std::size_t i = 0; i < widths.size(); ++i) {
    const std::string cell = i < row.size() ? row[i] : "";
    line += cell;
    if (i + 1 < widths.size()) line.append(widths[i] - width(cell) + 2, ' ');
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  std::fprintf(out, "%s\n", line.c_str());
}

}  // namespace

void Table::print(std::FILE* out) const {
  std::vector<std::size_t> widths(header_.size(), 0);
  for (std::size_t i = 0; i < header_.size(); ++i) widths[i] = width(header_[i]);
  for (const auto& row : rows_) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], width(row[i]));
  }
  print_row(out, header_, widths);
  for (const auto& row : rows_) print_row(out, row, widths);
}

void print_fields(const std::vector<std::pair<std::string, std::string>>& fields, std::FILE* out) {
  std::size_t key_width = 0;
  for (const auto& [key, value] : fields) {
    if (!value.empty()) key_width = std::max(key_width, width(key));
  }
  for (const auto& [key, value] : fields) {
    if (value.empty()) continue;
    std::fprintf(out, "%s%s  %s\n", key.c_str(), std::string(key_width - width(key), ' ').c_str(),
                 value.c_str());
  }
}

}  // namespace spime::cli
