# Install layout.  The Debian package is built from it by debian/ (dh with
# the cmake build system, `dpkg-buildpackage -us -uc -b`).
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
#   /lib/systemd/system/named.service.d/anycastd-drain.conf (agent/ops.cmake)
#   /usr/share/anycastd/prometheus/anycastd.rules.yml (docs/CMakeLists.txt)

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
