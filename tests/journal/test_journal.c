/* The journal entries' table: every kind has a distinct, well-formed
 * MESSAGE_ID (the ids are promised in anycastd(8) and must never change),
 * a name, and journal_format() lays out exactly the fields given. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "check.h"
#include "journal.h"

CHECK_STATE;

/* The table of anycastd(8), repeated here on purpose: changing an id
 * breaks operators' queries, so it must break this test first. */
static const struct {
	enum journal_kind	 kind;
	const char		*name, *id;
} want[] = {
	{ JOURNAL_WITHDRAWN, "withdrawn", "f0f70a3a83c7492dad24d487c89bab2b" },
	{ JOURNAL_ANNOUNCED, "announced", "5d32a7bfb54c496e81bf679b28e581ea" },
	{ JOURNAL_DEGRADED, "degraded", "77908569e687429ca1e17f861dd12c7a" },
	{ JOURNAL_DRAINED, "drained", "c6275712295e4941902ac773b1373308" },
	{ JOURNAL_UNDRAINED, "undrained", "189fa154b9e747b09bb721677e5f6dc3" },
	{ JOURNAL_RELOAD_OK, "reload-ok", "f7c2a01a7b12490cbf3818e911a4cada" },
	{ JOURNAL_RELOAD_FAILED, "reload-failed",
	    "ec9b7caf328a48059ed5ab4e933e5565" },
	{ JOURNAL_LINK_FOUGHT, "link-fought",
	    "24c0238287e14bf6942c9cead762ebab" },
};

static int
field(const struct iovec *iov, int n, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);

	for (int i = 0; i < n; i++) {
		const char *s = iov[i].iov_base;

		if (iov[i].iov_len > klen && strncmp(s, key, klen) == 0 &&
		    s[klen] == '=') {
			snprintf(out, len, "%.*s", (int)(iov[i].iov_len - klen - 1),
			    s + klen + 1);
			return 1;
		}
	}
	return 0;
}

/* The field KEY is there and holds VALUE. */
static int
is_field(const struct iovec *iov, int n, const char *key, const char *value)
{
	char v[512];

	return field(iov, n, key, v, sizeof(v)) && strcmp(v, value) == 0;
}

int
main(void)
{
	struct iovec iov[JOURNAL_FIELDS_MAX];
	char buf[JOURNAL_BUF_MAX], v[512];
	size_t i, j;
	int n;

	CHECK(sizeof(want) / sizeof(want[0]) == JOURNAL_KIND_MAX);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const char *id = journal_kind_id(want[i].kind);

		CHECKF(id != NULL && strcmp(id, want[i].id) == 0, "%s: %s",
		    want[i].name, id ? id : "NULL");
		CHECK(strcmp(journal_kind_str(want[i].kind), want[i].name) == 0);
		/* 128 bits, as systemd-id128(1) prints them. */
		CHECK(strlen(id) == 32);
		for (j = 0; j < 32; j++)
			CHECK(isxdigit((unsigned char)id[j]) &&
			    !isupper((unsigned char)id[j]));
		for (j = 0; j < i; j++)
			CHECKF(strcmp(want[j].id, id) != 0, "%s and %s share "
			    "an id", want[j].name, want[i].name);
	}
	CHECK(journal_kind_id(JOURNAL_KIND_MAX) == NULL);
	CHECK(journal_kind_str(JOURNAL_KIND_MAX) == NULL);

	/* A withdrawal with every field. */
	n = journal_format(&(struct journal_event){ JOURNAL_WITHDRAWN,
	    LOG_NOTICE, "withdrawn: 3 failed cycles", "withdrawn",
	    "3 failed cycles, probe soa: timeout", "soa,soa6", "anycast0",
	    "bind" }, buf, sizeof(buf), iov, JOURNAL_FIELDS_MAX);
	CHECKF(n == 10, "%d fields", n);
	{
		const char *const all[][2] = {
			{ "MESSAGE_ID", want[0].id },
			{ "MESSAGE", "withdrawn: 3 failed cycles" },
			{ "PRIORITY", "5" },
			{ "SYSLOG_IDENTIFIER", "anycastd" },
			{ "ANYCASTD_EVENT", "withdrawn" },
			{ "ANYCASTD_STATE", "withdrawn" },
			{ "ANYCASTD_REASON",
			    "3 failed cycles, probe soa: timeout" },
			{ "ANYCASTD_PROBE", "soa,soa6" },
			{ "ANYCASTD_INTERFACE", "anycast0" },
			{ "ANYCASTD_INSTANCE", "bind" },
		};

		for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			CHECKF(is_field(iov, n, all[i][0], all[i][1]),
			    "%s is not \"%s\"", all[i][0], all[i][1]);
	}

	/* The default instance and no probe: those fields are left out. */
	n = journal_format(&(struct journal_event){ JOURNAL_RELOAD_OK,
	    LOG_INFO, "reloaded", "announced", NULL, NULL, "anycast0", NULL },
	    buf, sizeof(buf), iov, JOURNAL_FIELDS_MAX);
	CHECKF(n == 7, "%d fields", n);
	CHECK(!field(iov, n, "ANYCASTD_INSTANCE", v, sizeof(v)));
	CHECK(!field(iov, n, "ANYCASTD_PROBE", v, sizeof(v)));
	CHECK(is_field(iov, n, "MESSAGE_ID", want[5].id));

	/* Bad kind, bad priority, a buffer too small: refused, not cut. */
	CHECK(journal_format(&(struct journal_event){ JOURNAL_KIND_MAX,
	    LOG_NOTICE, "x", NULL, NULL, NULL, NULL, NULL }, buf, sizeof(buf),
	    iov, JOURNAL_FIELDS_MAX) == -1);
	CHECK(journal_format(&(struct journal_event){ JOURNAL_DRAINED, 9, "x",
	    NULL, NULL, NULL, NULL, NULL }, buf, sizeof(buf), iov,
	    JOURNAL_FIELDS_MAX) == -1);
	CHECK(journal_format(&(struct journal_event){ JOURNAL_DRAINED,
	    LOG_NOTICE, "drained by root: kernel upgrade", NULL, NULL, NULL,
	    NULL, NULL }, buf, 40, iov, JOURNAL_FIELDS_MAX) == -1);
	CHECK(journal_format(&(struct journal_event){ JOURNAL_DRAINED,
	    LOG_NOTICE, "x", "withdrawn", "r", "p", "i", "n" }, buf,
	    sizeof(buf), iov, 3) == -1);
	return CHECK_REPORT("test_journal");
}
