/* anycastd.conf: parsed with inih, validated, printed normalized.
 *
 * Errors are reported through a callback, one call per error, sorted by line:
 * line >= 1 is the line at fault; line 0 means the file as a whole (it cannot
 * be opened or read), and callers print "FILE: msg" then.  conf_err_print()
 * prints both forms the way `anycastd -n` does. */
#ifndef ANYCASTD_CONF_H
#define ANYCASTD_CONF_H

#include <net/if.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "prefix.h"
#include "probe.h"

#define CONF_DEFAULT_PATH	"/etc/anycastd/anycastd.conf"
#define CONF_MAX_PROBES		1024
#define CONF_MAX_PREFIXES	64
#define CONF_PROBE_NAME_MAX	32	/* [A-Za-z0-9_.-]{1,32} */

enum conf_on_exit { CONF_EXIT_KEEP, CONF_EXIT_WITHDRAW };

/* One [probe NAME].  pc is what probe_new() takes, port included in
 * pc.server; pc.name and pc.qname (absolute, with the trailing dot) point
 * to strings the conf owns and conf_free() frees. */
struct conf_probe {
	struct probe_conf	 pc;
	char			*server_str;	/* normalized (inet_ntop), for printing */
	uint16_t		 port;		/* as in pc.server, for printing */
	int			 line;		/* of the section header */
};

/* A list of names (BIRD tables, BIRD protocols or shell patterns). */
struct conf_names {
	char			**v;
	int			  n;
};

/* A server address with its port: "10.53.0.1", "[fd53::2]:5353". */
struct conf_addr {
	struct sockaddr_storage	 sa;		/* port included */
	socklen_t		 len;
	char			 str[64];	/* normalized, port shown if not 53 */
};

#define CONF_MAX_PRIMARIES	8
#define CONF_MAX_ZONES		100000

/* [freshness]: every zone's SOA serial on the local server against the
 * primary (issue 9).  zones holds the `zones` key and the zones_file's
 * lines together: absolute, lower case, sorted by strcmp(), unique. */
struct conf_fresh {
	struct conf_addr	 primary[CONF_MAX_PRIMARIES];
	int			 nprimary;
	struct conf_addr	 server;	/* default: the first [probe]'s */
	bool			 server_set;	/* given, not defaulted */
	struct conf_names	 cfg_zones;	/* the `zones` key, as normalized */
	char			*zones_file;	/* NULL: none */
	int			 file_zones;	/* lines of it that name a zone */
	char			**zones;	/* the union */
	int			 nzones;
	uint32_t		 interval_ms, max_lag_ms, timeout_ms;
	uint32_t		 max_stale;	/* a count, or hundredths of a percent */
	bool			 max_stale_pct;
	int			 line;		/* of the section header */
};

/* [fleet]: the fleet guard, fed by BIRD's fleet tables. */
struct conf_fleet {
	int			 asn;		/* of the health communities */
	int			 healthy;	/* (asn, healthy): from anycast0 */
	int			 degraded;	/* (asn, degraded): from the graceful link */
	struct conf_names	 tables;	/* default fleet4 fleet6 */
	struct conf_names	 peers;		/* BIRD protocols, fnmatch(3) patterns */
	int			 min_healthy;	/* other nodes, default 1 */
	uint32_t		 confirm_ms;	/* default 2s */
	bool			 unknown_withdraw; /* unknown = withdraw (default hold) */
	int			 line;		/* of the section header */
};

struct conf {
	char			*path;
	char			 interface[IF_NAMESIZE];
	int			 rise, fall;
	uint32_t		 interval_ms, fast_interval_ms, hold_down_ms;
	uint32_t		 confirm_interval_ms;	/* cycles confirming a refusal */
	char			 graceful_interface[IF_NAMESIZE]; /* "": none */
	uint32_t		 graceful_time_ms;
	enum conf_on_exit	 on_exit;
	char			*control_socket;	/* default CTL_DEFAULT_SOCKET */
	char			*control_group;		/* NULL: root only; name or gid, not looked up */
	char			*state_dir;		/* default /var/lib/anycastd */
	char			*metrics_file;		/* NULL: no metrics */
	char			*server_unit;		/* whose stop drains us; named.service */
	char			*instance;		/* anycastd -i NAME; NULL: the default */
	char			*bird_socket;		/* [bird] socket; NULL: off */
	struct prefix		*bird_prefix;		/* [bird] prefixes, in order,
							   host bits zero; NULL: none */
	int			 bird_nprefixes;	/* 0..CONF_MAX_PREFIXES */
	uint32_t		 bird_grace_ms;
	uint32_t		 bird_poll_ms;		/* [bird] poll, default 1s */
	struct conf_fleet	*fleet;			/* [fleet]; NULL: no guard */		/* [bird] grace, default 5s */
	struct conf_fresh	*fresh;			/* [freshness]; NULL: off */
	struct conf_probe	*probes;		/* in file order */
	int			 nprobes;		/* 1..CONF_MAX_PROBES */
};

/* Receives each error; msg has no file or line.  line 0: the whole file. */
typedef void conf_err_fn(void *arg, const char *file, int line, const char *msg);

/* Parses and validates; returns NULL after reporting every error found. */
struct conf	*conf_load(const char *path, conf_err_fn *, void *arg);
/* The same for instance NAME of anycastd@.service (NULL: the default
 * instance): control_socket and state_dir then default to
 * /run/anycastd/NAME/anycastd.sock and /var/lib/anycastd/NAME. */
struct conf	*conf_load_instance(const char *path, const char *instance,
		    conf_err_fn *, void *arg);
void		 conf_free(struct conf *);
/* Prints the config normalized with defaults filled in; it parses again
 * and prints identically. */
void		 conf_print(const struct conf *, FILE *);
/* A conf_err_fn printing "FILE:LINE: msg" (or "FILE: msg" for line 0) to
 * arg, a FILE *, or to stderr when arg is NULL. */
void		 conf_err_print(void *arg, const char *file, int line, const char *msg);

#endif
