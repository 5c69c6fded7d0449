/* Logging in the OpenBSD daemon style, written to stderr with sd-daemon "<N>"
 * priority prefixes when journald reads our stderr. */
#ifndef ANYCASTD_LOG_H
#define ANYCASTD_LOG_H

#include <stdarg.h>

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

void log_init(const char *progname, int debug);
void log_set_debug(int debug);
void log_warn(const char *, ...) LOG_PRINTF(1, 2);   /* appends strerror(errno) */
void log_warnx(const char *, ...) LOG_PRINTF(1, 2);
void log_info(const char *, ...) LOG_PRINTF(1, 2);
void log_notice(const char *, ...) LOG_PRINTF(1, 2);
void log_debug(const char *, ...) LOG_PRINTF(1, 2);
__attribute__((noreturn)) void fatal(const char *, ...) LOG_PRINTF(1, 2);
__attribute__((noreturn)) void fatalx(const char *, ...) LOG_PRINTF(1, 2);

#endif
