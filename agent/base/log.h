/* Logging in the OpenBSD daemon style, written to stderr with sd-daemon "<N>"
 * priority prefixes when journald reads our stderr. */
#ifndef ANYCASTD_LOG_H
#define ANYCASTD_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

void log_init(const char *progname, int debug);
void log_warn(const char *, ...) LOG_PRINTF(1, 2);   /* appends strerror(errno) */
void log_warnx(const char *, ...) LOG_PRINTF(1, 2);
void log_info(const char *, ...) LOG_PRINTF(1, 2);
void log_notice(const char *, ...) LOG_PRINTF(1, 2);
void log_debug(const char *, ...) LOG_PRINTF(1, 2);
/* At a syslog(3) priority given at run time. */
void log_at(int pri, const char *, ...) LOG_PRINTF(2, 3);
/* True when stderr is the journal (JOURNAL_STREAM names it): systemd runs
 * us and journald reads what we write. */
bool log_to_journal(void);
__attribute__((noreturn)) void fatal(const char *, ...) LOG_PRINTF(1, 2);
__attribute__((noreturn)) void fatalx(const char *, ...) LOG_PRINTF(1, 2);

/* The one limiter for every message that can repeat (BIRD's log_rl with a
 * token bucket): at most `burst` lines, then one more per `interval_us`;
 * the next line that gets through says how many were suppressed.  A
 * condition that ends calls log_rl_clear(), which returns true if anything
 * was logged since the last clear, so that the caller says "works again"
 * exactly when it had complained.  Initialise with LOG_RL(interval, burst). */
struct log_rl {
	uint64_t	interval_us;
	unsigned	burst;
	unsigned	tokens;
	uint64_t	refill_us;	/* when the next token is due */
	unsigned	suppressed;
	bool		active;		/* logged since the last clear */
};
#define LOG_RL(interval_us, burst) \
	{ (interval_us), (burst), (burst), 0, 0, false }

void log_rl_warn(struct log_rl *, const char *, ...) LOG_PRINTF(2, 3);
void log_rl_warnx(struct log_rl *, const char *, ...) LOG_PRINTF(2, 3);
void log_rl_notice(struct log_rl *, const char *, ...) LOG_PRINTF(2, 3);
bool log_rl_clear(struct log_rl *);

#endif
