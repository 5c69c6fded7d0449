/* Prefixes in the one form the config, BIRD's view and status share. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "prefix.h"

int
prefix_parse(const char *s, struct prefix *p)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long len;
	char *end;
	int max;

	memset(p, 0, sizeof(*p));
	if (alen == 0 || alen >= sizeof(addr))
		goto inval;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, p->addr) == 1) {
		p->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, p->addr) == 1) {
		p->family = AF_INET6;
		max = 128;
	} else
		goto inval;
	len = (unsigned long)max;
	if (slash != NULL) {
		if (slash[1] < '0' || slash[1] > '9')
			goto inval;
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || len > (unsigned long)max)
			goto inval;
	}
	prefix_make(p, p->family, p->addr, (unsigned)len);
	return 0;
inval:
	errno = EINVAL;
	return -1;
}

void
prefix_make(struct prefix *p, int family, const void *addr, unsigned len)
{
	unsigned max = family == AF_INET ? 32 : 128, i;
	uint8_t a[16];

	memset(a, 0, sizeof(a));
	memcpy(a, addr, max / 8);
	if (len > max)
		len = max;
	for (i = 0; i < max / 8; i++) {
		int keep = (int)len - (int)i * 8;

		if (keep <= 0)
			a[i] = 0;
		else if (keep < 8)
			a[i] &= (uint8_t)(0xff << (8 - keep));
	}
	memset(p, 0, sizeof(*p));
	p->family = family;
	memcpy(p->addr, a, sizeof(a));
	p->len = (uint8_t)len;
}

const char *
prefix_fmt(const struct prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (inet_ntop(p->family, p->addr, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, (unsigned)p->len);
	return buf;
}

int
prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}
