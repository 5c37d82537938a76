// TestCerts: a throw-away certificate authority and a server certificate for
// 127.0.0.1 (and localhost), made at run time with the `openssl` command line
// into a temporary directory that lives as long as the object; and a second,
// unrelated CA (wrong_ca) that must not verify the server.
//
// Throws std::runtime_error (with openssl's own words) when openssl is
// missing or fails. Each call runs a few short openssl commands (EC P-256
// keys: fast). Thread-safety: one object per test.
#pragma once

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

#include "tests/temp_dir.h"

namespace spime::integration {

class TestCerts {
 public:
  TestCerts() {
    const std::string d = dir_.path();
    {
      std::ofstream ext(d + "/server.ext");
      ext << "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n";
    }
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    run("openssl req -x509" + ec + " -keyout " + d + "/ca.key -out " + d +
        "/ca.pem -days 2 -subj /CN=spime-test-ca");
    run("openssl req -x509" + ec + " -keyout " + d + "/wrong-ca.key -out " + d +
        "/wrong-ca.pem -days 2 -subj /CN=spime-wrong-ca");
    run("openssl req" + ec + " -keyout " + d + "/server.key -out " + d +
        "/server.csr -subj /CN=127.0.0.1");
    run("openssl x509 -req -in " + d + "/server.csr -CA " + d + "/ca.pem -CAkey " + d +
        "/ca.key -CAcreateserial -out " + d + "/server.pem -days 2 -extfile " + d + "/server.ext");
  }

  std::string ca() const { return dir_.path() + "/ca.pem"; }
  std::string wrong_ca() const { return dir_.path() + "/wrong-ca.pem"; }
  std::string cert() const { return dir_.path() + "/server.pem"; }
  std::string key() const { return dir_.path() + "/server.key"; }
  // A key that does not belong to cert().
  std::string other_key() const { return dir_.path() + "/wrong-ca.key"; }
  const std::string& dir() const { return dir_.path(); }

 private:
  void run(const std::string& command) {
    const std::string log = dir_.path() + "/openssl.log";
    if (std::system((command + " >" + log + " 2>&1").c_str()) != 0) {
      std::ifstream in(log);
      std::string said((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      throw std::runtime_error("openssl failed (is it installed?): " + command + "\n" + said);
    }
  }

  spime::testing::TempDir dir_;
};

}  // namespace spime::integration
