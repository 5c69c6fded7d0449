/* anycastd.conf: parsed with inih, validated, printed normalized. */
#ifndef ANYCASTD_CONF_H
#define ANYCASTD_CONF_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#define CONF_DEFAULT_PATH	"/etc/anycastd/anycastd.conf"
#define CONF_MAX_PROBES		32

enum conf_on_exit { CONF_EXIT_KEEP, CONF_EXIT_WITHDRAW };

struct conf_probe {
	char			*name;
	char			*server_str;	/* as written, for printing */
	struct sockaddr_storage	 server;	/* with port */
	socklen_t		 server_len;
	uint16_t		 port;
	char			*qname;		/* absolute, trailing dot */
	uint16_t		 qtype;
	bool			 tcp;
	uint32_t		 timeout_ms;
	int			 rcode;
	bool			 authoritative;
	bool			 answer;
	int			 line;		/* of the section header */
};

struct conf {
	char			*path;
	char			 interface[IF_NAMESIZE];
	int			 rise, fall;
	uint32_t		 interval_ms, fast_interval_ms, hold_down_ms;
	enum conf_on_exit	 on_exit;
	char			*control_socket;	/* default /run/anycastd/anycastd.sock */
	char			*control_group;		/* NULL: root only */
	char			*state_dir;		/* default /var/lib/anycastd */
	char			*metrics_file;		/* NULL: no metrics */
	char			*bird_socket;		/* [bird] socket; NULL: off */
	char			*bird_prefixes;		/* [bird] prefixes, as written */
	uint32_t		 bird_grace_ms;		/* [bird] grace, default 5s */
	struct conf_probe	 probes[CONF_MAX_PROBES];
	int			 nprobes;
};

/* Receives each error; msg has no file or line. */
typedef void conf_err_fn(void *arg, const char *file, int line, const char *msg);

/* Parses and validates; returns NULL after reporting every error found. */
struct conf	*conf_load(const char *path, conf_err_fn *, void *arg);
void		 conf_free(struct conf *);
/* Prints the config normalized with defaults filled in; it parses again. */
void		 conf_print(const struct conf *, FILE *);
/* Helpers shared with the status output: "500ms", "SOA", "SERVFAIL". */
const char	*conf_rcode_str(int rcode);
const char	*conf_qtype_str(uint16_t qtype);

#endif
