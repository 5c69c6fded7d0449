/* The freshness sweep: asks the local server and the primary for every
 * zone's SOA (probe/soa.c), spread evenly over the interval, feeds the
 * answers to the policy (fresh.c) and says what it found.  An immediate
 * sweep on request asks the local server alone, many queries in flight. */
#ifndef ANYCASTD_SWEEP_H
#define ANYCASTD_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conf_fresh;
struct fresh;
struct loop;
struct probe_pool;
struct sweep;

/* changed(arg) runs when a verdict or the primary's reachability changed,
 * from the loop. */
typedef void sweep_changed_cb(void *arg);

struct sweep_info {
	uint64_t	 rounds;		/* periodic rounds completed */
	uint64_t	 last_end_us;		/* monotonic; 0: none yet */
	uint64_t	 last_dur_us;
	bool		 now_running;		/* an immediate sweep */
	uint64_t	 now_id;		/* last immediate sweep started */
	uint64_t	 now_done_id;		/* last one finished */
	uint64_t	 now_dur_us;		/* its duration */
	uint64_t	 queries_local, queries_primary;
};

struct sweep	*sweep_new(struct loop *, struct probe_pool *,
		    const struct conf_fresh *, sweep_changed_cb *, void *arg);
void		 sweep_free(struct sweep *);
/* A reloaded [freshness]: zones added and removed, the others keep their
 * state; new servers get new channels.  0, or -1 after logging, with the
 * old settings kept. */
int		 sweep_reload(struct sweep *, const struct conf_fresh *);
/* Starts an immediate local sweep (or joins the one running); returns its
 * id, for sweep_info()'s now_done_id. */
uint64_t	 sweep_now(struct sweep *);
void		 sweep_get_info(const struct sweep *, struct sweep_info *);
const struct fresh *sweep_fresh(const struct sweep *);
/* As fresh_failing(), now. */
bool		 sweep_failing(const struct sweep *, char *reason, size_t len);

#endif
