/* The state directory: the one module that knows its files and their
 * names.  Everything here survives a restart of anycastd and a reboot:
 *
 *   drain           the operator's drain (format in drain.c)
 *   withdrawn-at    when the last health withdrawal was (hold-down): wall
 *                   and boot clocks in ms, and the boot id
 *   ipv6-addresses  the anycast interface's permanent IPv6 addresses, one
 *                   "addr/len" per line, for a start while the link is down
 *   ipv6-addresses-graceful  the same for the graceful link
 *   withdraw.env    ANYCASTD_INTERFACE=IF, for anycastd-withdraw@NAME.service
 *                   (its EnvironmentFile=): the fail-safe of an instance
 *                   sets down the interface the agent last ran with
 *
 * Callers pass (directory, values); nothing here knows the agent.  Writes
 * are atomic and fsynced (base file.h): a reader, or the next boot, sees the
 * old content or the new one. */
#ifndef ANYCASTD_STORE_H
#define ANYCASTD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_DRAIN	"drain"
#define STORE_HOLD	"withdrawn-at"
#define STORE_ADDR6	"ipv6-addresses"
#define STORE_ADDR6_GS	"ipv6-addresses-graceful"	/* the graceful link's */
#define STORE_WITHDRAW_ENV "withdraw.env"

/* Reads DIR/NAME into buf (at most size - 1 bytes, NUL-terminated).  0, or
 * -1 with errno: ENOENT when there is no file, EFBIG when it does not fit. */
int	 store_read(const char *dir, const char *name, char *buf, size_t size,
	    size_t *len);
/* Replaces DIR/NAME atomically; creates DIR (one level) if missing.  0, or
 * -1 with errno and the old file untouched. */
int	 store_write(const char *dir, const char *name, const char *data,
	    size_t len);
/* Removes DIR/NAME; no file is success.  0, or -1 with errno. */
int	 store_remove(const char *dir, const char *name);

/* The last withdrawal, as "WALL_MS BOOT_MS BOOT_ID": the wall-clock time,
 * CLOCK_BOOTTIME, and the kernel's boot id.  Within one boot the boot clock
 * is the truth, since `date -s` and NTP steps move the wall clock but not it;
 * the wall clock only bridges a reboot.  A file of the older format
 * ("WALL_MS") loads with boot_ms 0 and an empty boot_id.  load: 0, or -1 with
 * ENOENT (none) or EINVAL (not a record; the caller says so). */
#define STORE_BOOT_ID_MAX	40
struct store_hold {
	uint64_t	 wall_ms;
	uint64_t	 boot_ms;
	char		 boot_id[STORE_BOOT_ID_MAX];
};
/* save: with sync false the record is written and renamed into place but
 * not fsynced, which costs no disk wait and survives a crash of the
 * process (not of the machine); with sync true it is also fsynced. */
int	 store_hold_save(const char *dir, const struct store_hold *, bool sync);
int	 store_hold_load(const char *dir, struct store_hold *);

/* The fail-safe's environment file for interface ifname. */
int	 store_withdraw_env_save(const char *dir, const char *ifname);

/* A link's IPv6 addresses in file name (STORE_ADDR6, STORE_ADDR6_GS),
 * newline-terminated lines; "" removes the file.  load returns a malloc'd
 * copy, or NULL with errno (ENOENT: none). */
int	 store_addr6_save(const char *dir, const char *name, const char *lines);
char	*store_addr6_load(const char *dir, const char *name);

#endif
