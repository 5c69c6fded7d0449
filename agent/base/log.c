/* Logging for the daemon and its modules.  Lines go to stderr.  Under
 * systemd, journald reads stderr and understands a "<N>" syslog priority
 * prefix (sd-daemon(3)), so we add it only when JOURNAL_STREAM says stderr is
 * the journal; in a terminal the prefix would be noise.  The only state here
 * is what every log call needs; it is set once at start-up. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include "log.h"
#include "text.h"

static struct {
	const char *progname;
	int debug;
	int prefix;
} log_state = { "anycastd", 0, 0 };

/* JOURNAL_STREAM is "dev:ino" of the stream journald gave us; compare it with
 * stderr so a child whose stderr was redirected does not emit prefixes. */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (js == NULL)
		return 0;
	errno = 0;
	dev = strtoull(js, &end, 10);
	if (errno != 0 || end == js || *end != ':')
		return 0;
	js = end + 1;
	ino = strtoull(js, &end, 10);
	if (errno != 0 || end == js || *end != '\0')
		return 0;
	if (fstat(2, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *progname, int debug)
{
	log_state.progname = progname;
	log_state.debug = debug;
	log_state.prefix = stderr_is_journal();
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char raw[1024], buf[1024];

	/* Messages carry text from outside (config values, BIRD's words,
	 * interface names): one sanitiser for every line that leaves. */
	vsnprintf(raw, sizeof(raw), fmt, ap);
	text_scrub(buf, sizeof(buf), raw);
	if (log_state.prefix)
		fprintf(stderr, "<%d>%s%s%s\n", pri, buf,
		    suffix ? ": " : "", suffix ? suffix : "");
	else
		fprintf(stderr, "%s: %s%s%s\n", log_state.progname, buf,
		    suffix ? ": " : "", suffix ? suffix : "");
	fflush(stderr);
}

static void log_any(int, const char *, ...) LOG_PRINTF(2, 3);

static void
log_any(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap, NULL);
	va_end(ap);
}

void
log_at(int pri, const char *fmt, ...)
{
	va_list ap;

	if (pri == LOG_DEBUG && !log_state.debug)
		return;
	va_start(ap, fmt);
	vlog(pri, fmt, ap, NULL);
	va_end(ap);
}

bool
log_to_journal(void)
{
	return log_state.prefix != 0;
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_NOTICE, fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_state.debug)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

/* --- rate-limited messages ------------------------------------------- */

static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* True if a line may go out now; takes a token. */
static bool
rl_take(struct log_rl *rl)
{
	uint64_t now = mono_us();

	if (rl->refill_us == 0)
		rl->refill_us = now + rl->interval_us;
	while (rl->tokens < rl->burst && now >= rl->refill_us) {
		rl->tokens++;
		rl->refill_us += rl->interval_us;
	}
	if (rl->tokens == rl->burst)
		rl->refill_us = now + rl->interval_us;
	if (rl->tokens == 0) {
		rl->suppressed++;
		return false;
	}
	rl->tokens--;
	rl->active = true;
	return true;
}

static void
rl_vlog(struct log_rl *rl, int pri, const char *fmt, va_list ap,
    const char *suffix)
{
	char buf[1024];

	if (!rl_take(rl))
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (rl->suppressed > 0) {
		char more[64];

		snprintf(more, sizeof(more), " (%u similar messages suppressed)",
		    rl->suppressed);
		rl->suppressed = 0;
		if (suffix != NULL)
			log_any(pri, "%s: %s%s", buf, suffix, more);
		else
			log_any(pri, "%s%s", buf, more);
	} else if (suffix != NULL)
		log_any(pri, "%s: %s", buf, suffix);
	else
		log_any(pri, "%s", buf);
}

void
log_rl_warn(struct log_rl *rl, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	rl_vlog(rl, LOG_WARNING, fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_rl_warnx(struct log_rl *rl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rl_vlog(rl, LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void
log_rl_notice(struct log_rl *rl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rl_vlog(rl, LOG_NOTICE, fmt, ap, NULL);
	va_end(ap);
}

bool
log_rl_clear(struct log_rl *rl)
{
	bool was = rl->active;

	rl->active = false;
	rl->suppressed = 0;
	rl->tokens = rl->burst;
	rl->refill_us = 0;
	return was;
}
