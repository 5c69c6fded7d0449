# Install layout and the Debian package (CPack DEB).
#
# Included by the top-level CMakeLists.txt.  The layout is Debian 12's, for
#     cmake -S . -B build -DCMAKE_INSTALL_PREFIX=/usr
# (GNUInstallDirs turns SYSCONFDIR into /etc for the /usr prefix):
#   /usr/sbin/anycastd, /usr/sbin/anycastctl         (agent/, their targets)
#   /lib/systemd/system/anycastd.service             (bookworm: not /usr/lib)
#   /lib/systemd/system/anycastd-withdraw.service    (the fail-safe)
#   /lib/systemd/system/anycastd@.service            (instances: one per service)
#   /lib/systemd/system/anycastd-withdraw@.service   (an instance's fail-safe)
#   /usr/lib/sysusers.d/anycastd.conf                (user anycastd, group anycast-ops)
#   /usr/lib/sysctl.d/anycastd.conf                  (anycast0 keeps IPv6 addresses when down)
#   /etc/anycastd/anycastd.conf                      (example config, conffile)
#   /etc/sudoers.d/anycastd  0440                    (sudoers/CMakeLists.txt)
#   /usr/share/man/man5, man8                        (docs/CMakeLists.txt)
#   /usr/share/doc/anycastd/examples/                (networkd .netdev/.network)
#
# The .deb, one command from a fresh clone:
#   cmake -S . -B build -DCMAKE_INSTALL_PREFIX=/usr && cmake --build build &&
#     (cd build && cpack -G DEB)
# gives build/anycastd_<version>-<release>_<arch>.deb.

set(ANYCASTD_SYSTEMD_UNITDIR "/lib/systemd/system" CACHE PATH
  "Where systemd system units go (Debian 12: /lib/systemd/system)")
set(ANYCASTD_SYSUSERSDIR "lib/sysusers.d" CACHE PATH
  "sysusers.d directory, relative to the prefix (Debian: /usr/lib/sysusers.d)")

set(ANYCASTD_SYSCTLDIR "lib/sysctl.d" CACHE PATH
  "sysctl.d directory, relative to the prefix (Debian: /usr/lib/sysctl.d)")

if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  # The unit runs /usr/sbin/anycastd and the daemon reads /etc/anycastd by
  # default: other prefixes are for staging, not for running.
  message(STATUS "anycastd: CMAKE_INSTALL_PREFIX is ${CMAKE_INSTALL_PREFIX}; "
    "the systemd unit expects /usr/sbin/anycastd (use -DCMAKE_INSTALL_PREFIX=/usr)")
endif()

set(_acd_sd ${PROJECT_SOURCE_DIR}/systemd)

install(FILES ${_acd_sd}/anycastd.service ${_acd_sd}/anycastd-withdraw.service
  ${_acd_sd}/anycastd@.service ${_acd_sd}/anycastd-withdraw@.service
  DESTINATION ${ANYCASTD_SYSTEMD_UNITDIR}
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${_acd_sd}/anycastd.sysusers
  DESTINATION ${ANYCASTD_SYSUSERSDIR} RENAME anycastd.conf
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${_acd_sd}/anycastd.sysctl
  DESTINATION ${ANYCASTD_SYSCTLDIR} RENAME anycastd.conf
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${_acd_sd}/50-anycast0.netdev ${_acd_sd}/50-anycast0.network
  ${_acd_sd}/50-anycast0-gs.netdev ${_acd_sd}/50-anycast0-gs.network
  ${PROJECT_SOURCE_DIR}/docs/bird/anycast-node.conf
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# The example config comes from agent/ (written with the config parser).
# The directory is 0755 and the file 0644: it holds no secrets, and the
# unprivileged daemon (and its ExecStartPre/ExecReload checks) must read it.
set(_acd_conf ${PROJECT_SOURCE_DIR}/agent/anycastd.conf)
if(EXISTS ${_acd_conf})
  install(FILES ${_acd_conf}
    DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/anycastd
    PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
else()
  message(WARNING "anycastd: ${_acd_conf} is missing; the package will ship no example config")
endif()

# Debian strips binaries of .comment too (dh_strip); CPack's strip does not.
# Done at install time on whichever of our programs are installed.
if(CMAKE_OBJCOPY)
  install(CODE "
    foreach(_acd_prog anycastd anycastctl)
      set(_acd_path \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_SBINDIR}/\${_acd_prog}\")
      if(EXISTS \"\${_acd_path}\")
        execute_process(COMMAND \"${CMAKE_OBJCOPY}\" --remove-section=.comment
          \"\${_acd_path}\")
      endif()
    endforeach()")
endif()

# --- Debian package ----------------------------------------------------------
# Debian wants a copyright file and a gzipped changelog (gzip -n: no
# timestamp, so that the package is reproducible) in /usr/share/doc/anycastd.
set(ANYCASTD_DEB_RELEASE 1)
set(ANYCASTD_DEB_VERSION "${PROJECT_VERSION}-${ANYCASTD_DEB_RELEASE}")
configure_file(${_acd_sd}/deb/changelog.in
  ${PROJECT_BINARY_DIR}/deb/changelog.Debian @ONLY)
find_program(GZIP_EXECUTABLE gzip REQUIRED)
add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/deb/changelog.Debian.gz
  COMMAND ${GZIP_EXECUTABLE} -9nf -k ${PROJECT_BINARY_DIR}/deb/changelog.Debian
  DEPENDS ${PROJECT_BINARY_DIR}/deb/changelog.Debian ${_acd_sd}/deb/changelog.in
  COMMENT "gzip changelog.Debian")
add_custom_target(anycastd_deb_changelog ALL
  DEPENDS ${PROJECT_BINARY_DIR}/deb/changelog.Debian.gz)
install(FILES ${_acd_sd}/deb/copyright
  ${PROJECT_BINARY_DIR}/deb/changelog.Debian.gz
  DESTINATION ${CMAKE_INSTALL_DOCDIR}
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# Maintainer scripts and conffiles, with the permissions dpkg expects.
foreach(_f postinst prerm postrm)
  file(COPY ${_acd_sd}/deb/${_f} DESTINATION ${PROJECT_BINARY_DIR}/deb/control
    FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
    GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
endforeach()
file(COPY ${_acd_sd}/deb/conffiles DESTINATION ${PROJECT_BINARY_DIR}/deb/control
  FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "anycastd")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "anycastd developers")
set(CPACK_PACKAGE_CONTACT "anycastd developers <dev@anycastd.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "health agent for anycast DNS nodes (BIND9 + BIRD2)")
set(CPACK_PACKAGE_DESCRIPTION
  "anycastd probes the local DNS server with real DNS queries and, when it fails,
sets the anycast interface administratively down so that BIRD withdraws the
node's anycast prefix; when the server answers again it sets the link up.
It runs as an unprivileged systemd Type=notify service with a watchdog and
CAP_NET_ADMIN only.  The package ships a hardened unit, a fail-safe that
withdraws the prefix when the agent has failed for good, a sudoers drop-in
for the operators' group anycast-ops, and man pages.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
# Absolute destinations (/etc, /lib/systemd) must land inside the package.
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")
set(CPACK_DEBIAN_PACKAGE_RELEASE "${ANYCASTD_DEB_RELEASE}")
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# Library dependencies (libc6, libmnl0, libc-ares2, libsystemd0, libinih1)
# come from dpkg-shlibdeps; these are the programs the scripts and units run:
# systemd-sysusers (postinst), ip (anycastd-withdraw.service), kill (the
# unit's ExecReload=; procps is not in a minimal Debian), usermod.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd, iproute2, procps, passwd")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "bird2, bind9 | knot | nsd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "sudo, prometheus-node-exporter")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${PROJECT_BINARY_DIR}/deb/control/postinst
  ${PROJECT_BINARY_DIR}/deb/control/prerm
  ${PROJECT_BINARY_DIR}/deb/control/postrm
  ${PROJECT_BINARY_DIR}/deb/control/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/;/build.*/")
include(CPack)
