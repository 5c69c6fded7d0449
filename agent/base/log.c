/* Logging for the daemon and its modules.  Lines go to stderr.  Under
 * systemd, journald reads stderr and understands a "<N>" syslog priority
 * prefix (sd-daemon(3)), so we add it only when JOURNAL_STREAM says stderr is
 * the journal; in a terminal the prefix would be noise.  The only state here
 * is what every log call needs, set once at start-up, and a line that the
 * journal stream did not take whole.
 *
 * A log line must never stall the loop.  Under systemd stderr is a Unix
 * stream socket to journald, and a journald that is busy or stopped stops
 * reading it: a plain write would block once the socket buffer is full.  So
 * when stderr is a socket each line goes with send(MSG_DONTWAIT), which is
 * non-blocking for this call only (O_NONBLOCK would change the open file
 * description, which others may share); the rest of a line cut short waits
 * for the next call, and lines that find it still waiting are dropped and
 * counted, and the count is logged when the journal reads again.  A
 * terminal, a pipe or a file (the foreground, by hand) is written plainly:
 * there the operator holds the other end. */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
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
	int sock;			/* stderr is a socket: never block */
	char pending[1200];		/* the rest of a line cut short */
	size_t npending;
	unsigned long dropped;		/* lines dropped since the last note */
} log_state = { "anycastd", 0, 0, 0, "", 0, 0 };

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
	struct stat st;

	log_state.progname = progname;
	log_state.debug = debug;
	log_state.prefix = stderr_is_journal();
	log_state.sock = fstat(2, &st) == 0 && S_ISSOCK(st.st_mode);
	log_state.npending = 0;
	log_state.dropped = 0;
}

/* Sends what the socket takes now; keeps the rest.  0 if all of it went
 * or is kept, -1 if nothing could be kept (the line is dropped). */
static int
send_nowait(const char *p, size_t len)
{
	ssize_t n = send(2, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n == (ssize_t)len)
		return 0;
	if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR)
		return -1;	/* the journal is gone: nowhere to say it */
	if (n < 0)
		n = 0;
	if (n == 0 || len - (size_t)n > sizeof(log_state.pending))
		return -1;
	memcpy(log_state.pending, p + n, len - (size_t)n);
	log_state.npending = len - (size_t)n;
	return 0;
}

/* A line that did not fit is finished before anything else goes. */
static int
flush_pending(void)
{
	char tmp[sizeof(log_state.pending)];
	size_t n = log_state.npending;

	if (n == 0)
		return 0;
	memcpy(tmp, log_state.pending, n);
	log_state.npending = 0;
	if (send_nowait(tmp, n) == -1 || log_state.npending != 0)
		return -1;
	return 0;
}

static void
emit(const char *line, size_t len)
{
	char note[96];
	int n;

	if (!log_state.sock) {
		(void)fwrite(line, 1, len, stderr);
		(void)fflush(stderr);
		return;
	}
	if (flush_pending() == -1) {
		log_state.dropped++;
		return;
	}
	if (log_state.dropped > 0) {
		n = snprintf(note, sizeof(note), "%s%lu log lines dropped: the "
		    "journal was not reading\n", log_state.prefix ? "<4>" :
		    "anycastd: ", log_state.dropped);
		if (send_nowait(note, (size_t)n) == -1) {
			log_state.dropped++;
			return;
		}
		log_state.dropped = 0;
		if (log_state.npending != 0) {
			log_state.dropped++;
			return;
		}
	}
	if (send_nowait(line, len) == -1)
		log_state.dropped++;
}

static void vlog(int, const char *, va_list, const char *) LOG_PRINTF(2, 0);

static void
vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char raw[1024], buf[1024], line[1200];
	int n;

	/* Messages carry text from outside (config values, BIRD's words,
	 * interface names): one sanitiser for every line that leaves. */
	vsnprintf(raw, sizeof(raw), fmt, ap);
	text_scrub(buf, sizeof(buf), raw);
	if (log_state.prefix)
		n = snprintf(line, sizeof(line) - 1, "<%d>%s%s%s", pri, buf,
		    suffix ? ": " : "", suffix ? suffix : "");
	else
		n = snprintf(line, sizeof(line) - 1, "%s: %s%s%s",
		    log_state.progname, buf, suffix ? ": " : "",
		    suffix ? suffix : "");
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;	/* cut, but still one line */
	line[n++] = '\n';
	emit(line, (size_t)n);
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

static void rl_vlog(struct log_rl *, int, const char *, va_list,
    const char *) LOG_PRINTF(3, 0);

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
