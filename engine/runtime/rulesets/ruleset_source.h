// Where a ruleset's source comes from: a file:// url read from disk, or an
// http(s):// url fetched (url_fetch.h), under one access policy.
//
// The engine reads what a caller names (wrangler:install_ruleset_request,
// ctx:flush, the engine UI). On a developer's engine bound to loopback any
// absolute path may be read, as the reference allows; an operator confines
// file:// urls to allowed roots (SourcePolicy::confined), the default when
// the engine listens beyond loopback. Whatever the policy:
//  - a file:// url names an absolute path ("file:///abs/x.krl"); a relative
//    one ("file://../x") is refused, never resolved against the working
//    directory;
//  - outside the roots, the refusal is the same whether the path exists, is
//    a directory or cannot be read: nothing tells a caller what is on disk;
//  - a source that does not begin as a KRL ruleset (after white space and
//    comments, the word `ruleset`) is refused as "not a KRL ruleset" and no
//    part of it appears in any message (looks_like_ruleset), so the engine
//    never echoes a line of a file that is not KRL.
//
// Thread-safety: SourcePolicy is a value; read_source may run on any thread
// (an http(s) fetch blocks it up to the fetch timeout).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace spime::runtime {

struct SourcePolicy {
  // When true, file:// urls must resolve (symbolic links and ".." followed)
  // inside one of `roots`; when false any absolute path is readable.
  bool confined = false;
  // Absolute folders; each is canonicalised when checked.
  std::vector<std::string> roots;
};

// The source of `url` into *source (true), or a message (false): refused by
// the policy, unreadable, not fetched (http errors as fetch_url's), or not a
// KRL ruleset.
bool read_source(const std::string& url, const SourcePolicy& policy, std::string* source,
                 std::string* error);

// Whether the file at absolute `path` may be read under `policy`: always
// when it is not confined, else when it resolves (symbolic links and ".."
// followed) inside one of its roots or of `extra_roots`. For the other files
// the engine reads on a caller's word (a prototype check's schema files).
bool file_readable(const std::string& path, const SourcePolicy& policy,
                   const std::vector<std::string>& extra_roots = {});

// True when `source` begins, after white space and // or /* */ comments,
// with the word `ruleset`.
bool looks_like_ruleset(std::string_view source);

// "<url>: not a KRL ruleset": the one refusal of a non-KRL source.
std::string not_a_ruleset_error(const std::string& url);

}  // namespace spime::runtime
