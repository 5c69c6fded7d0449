/* An IPv4 or IPv6 prefix, parsed once (by the config) into the type that its
 * consumers (the BIRD client, status) take. */
#ifndef ANYCASTD_PREFIX_H
#define ANYCASTD_PREFIX_H

#include <stddef.h>
#include <stdint.h>

#define PREFIX_STRLEN	52	/* "ffff:...:ffff/128" and a NUL */

struct prefix {
	int		family;		/* AF_INET or AF_INET6 */
	uint8_t		addr[16];	/* network order; 4 used for IPv4 */
	uint8_t		len;
};

/* "198.51.100.1/24" -> 198.51.100.0/24 (host bits cleared); a bare address
 * is a host route.  0, or -1 with EINVAL. */
int		 prefix_parse(const char *, struct prefix *);
/* From an address of family (network order) and a length (at most the
 * family's width), host bits cleared. */
void		 prefix_make(struct prefix *, int family, const void *addr,
		    unsigned len);
/* "198.51.100.0/24", as BIRD prints it.  Returns buf. */
const char	*prefix_fmt(const struct prefix *, char *buf, size_t len);
int		 prefix_equal(const struct prefix *, const struct prefix *);

#endif
