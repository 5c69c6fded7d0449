/* BIRD's control-socket replies, framed and parsed: pure functions on
 * bytes, unit-tested on replies captured from BIRD 2.0.12. */
#ifndef ANYCASTD_BIRD_REPLY_H
#define ANYCASTD_BIRD_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct bird_route;
struct bird_view;
struct prefix;

/* Length of the first complete reply in buf (through the newline of its last
 * line: a 4-digit code followed by a space), 0 if incomplete, -1 if a line is
 * neither "DDDD-", "DDDD " nor a " " continuation. */
ssize_t		 bird_reply_end(const char *buf, size_t len);
/* The same, resumable: *scanned (0 for a new reply) is where the complete
 * lines seen so far end, and is advanced, so that feeding a reply piece by
 * piece scans every byte once. */
ssize_t		 bird_reply_scan(const char *buf, size_t len, size_t *scanned);
/* "0001 BIRD 2.0.12 ready." -> "2.0.12".  0 or -1. */
int		 bird_parse_greeting(const char *reply, size_t len, char *version,
		    size_t versionlen);
/* "show protocols": appends every BGP protocol to v (name, state, info).
 * 0, or -1 with err holding BIRD's error line. */
int		 bird_parse_protocols(const char *reply, size_t len,
		    struct bird_view *v, char *err, size_t errlen);
/* "show route PREFIX export PROTO": 1 if a route for exactly prefix is
 * listed, 0 if not ("Network not found", or "No valid tables" for a protocol
 * whose channels are down), -1 with err on any other error. */
int		 bird_parse_export(const char *reply, size_t len,
		    const struct prefix *prefix, char *err, size_t errlen);
/* "show route export PROTO count": routes exported, or -1 with err. */
long		 bird_parse_count(const char *reply, size_t len, char *err,
		    size_t errlen);
/* "show route [table T] all": appends every route listed to r[*n], *n
 * counting, up to max; routes beyond max set *truncated.  The net, the
 * protocol in brackets, the "*" of the primary route and the standard
 * communities of BGP.community; every other attribute is skipped, and
 * table is left 0.  0, or -1 with err, *n back where it was: BIRD's error
 * (a table that does not exist is "9001 syntax error, ..."), a net that is
 * not IPv4 or IPv6, a malformed community, or a reply that is not one. */
int		 bird_parse_routes(const char *reply, size_t len,
		    struct bird_route *r, int max, int *n, bool *truncated,
		    char *err, size_t errlen);
#endif
