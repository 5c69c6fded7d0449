# Operations: control socket, BIRD's view, status, metrics, drain file
# (library anycastd_ops, linked into anycastd).
add_library(anycastd_ops STATIC ctl.c bird_check.c status.c status_text.c
  status_json.c status_fresh.c metrics.c drain.c store.c)
# status.h names enum probe_result; only the header is used, so the probe
# library (and c-ares) is not linked in here.  It also holds the link's
# enum nl_state, and the one table of its names is nl_state_str() in
# netlink/, so that library is linked.
target_include_directories(anycastd_ops PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}
  ${CMAKE_CURRENT_SOURCE_DIR}/proto ${PROJECT_SOURCE_DIR}/probe)
target_link_libraries(anycastd_ops PUBLIC anycastd_base anycastd_bird
  anycastd_netlink anycastd_policy)

# The named.service drop-in: drain --wait before named stops, undrain after
# it started.  Installed where systemd merges it into named.service.
# Same cache entry (and default) as systemd/install.cmake, which is read
# later: whichever comes first defines it.
set(ANYCASTD_SYSTEMD_UNITDIR "/lib/systemd/system" CACHE PATH
  "Where systemd system units go (Debian 12: /lib/systemd/system)")
install(FILES ${PROJECT_SOURCE_DIR}/systemd/named.service.d/anycastd-drain.conf
  DESTINATION ${ANYCASTD_SYSTEMD_UNITDIR}/named.service.d)
