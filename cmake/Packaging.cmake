# Install rules and the Debian package of spime (CPack, DEB generator).
#
#   cmake --build build && (cd build && cpack -G DEB)   → build/spime_<version>_<arch>.deb
#   sudo apt install ./build/spime_*.deb
#
# What it holds (tests/package/ checks it):
#   /usr/bin/spime                          the binary
#   /usr/share/spime/rulesets/...           the shipped rulesets (and their schemas/)
#   /usr/share/spime/prototypes/...         the shipped prototypes
#   /lib/systemd/system/spime.service       the service: user spime, --data /var/lib/spime
#   /etc/default/spime                      its options (SPIME_OPTS), a conffile
#   /usr/share/doc/spime/README.md
# and maintainer scripts (packaging/): postinst makes the system user spime,
# /var/lib/spime and /var/backups/spime, enables and starts the service (an
# upgrade restarts it); prerm stops it on removal; removal and purge keep the
# data. The installed binary finds its rulesets beside itself
# (cli/install_paths.h): PREFIX/bin/spime reads PREFIX/share/spime/...
#
# Dependencies: dpkg-shlibdeps works them out from the binary's shared
# libraries (libcaf, librocksdb, libjemalloc, libssl, libyaml-cpp,
# libmosquitto, libspdlog, libfmt, prometheus-cpp, Boost, ...), plus passwd
# (useradd in postinst).
include(GNUInstallDirs)

install(TARGETS spime RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/rulesets/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/spime/rulesets)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/prototypes/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/spime/prototypes)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
# Outside the prefix on purpose: where Debian keeps them.
install(FILES ${CMAKE_SOURCE_DIR}/packaging/spime.service DESTINATION /lib/systemd/system)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/spime.default DESTINATION /etc/default
        RENAME spime)

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "spime")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "spime")
set(CPACK_PACKAGE_CONTACT "spime maintainers <spime@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "pico engine: KRL rulesets on actors over RocksDB, the pico-engine HTTP API")
set(CPACK_PACKAGE_DESCRIPTION
    "spime runs picos (persistent compute objects) written in KRL, compatible with the
Node.js pico-engine's HTTP API, with every acknowledged event durable. The
package runs it as the systemd service spime.service.")
# /usr, with /etc and /lib/systemd given absolute above: install into a
# staging DESTDIR so those land in the package, not on the build machine.
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${CMAKE_SOURCE_DIR}/packaging/conffiles;${CMAKE_SOURCE_DIR}/packaging/postinst;${CMAKE_SOURCE_DIR}/packaging/prerm;${CMAKE_SOURCE_DIR}/packaging/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The build is RelWithDebInfo: the package gets the binary without its debug sections.
set(CPACK_STRIP_FILES ON)
include(CPack)
