/* Private to the agent: the one struct agent that travels as the callbacks'
 * argument, and what its files call of each other.
 *
 *   agent.c       life cycle, signals, reload, the watchdog, and publish(),
 *                 the before-sleep hook that publishes what a turn changed
 *   cycle.c       a cycle: start the probes, judge, decide (health.c), act;
 *                 the kernel's socket events that start one at once
 *   agent_link.c  the link made to match the decision, kept matched, and
 *                 what of it persists (IPv6 addresses, the hold-down)
 *   agent_ops.c   what operators see and say: status, metrics, systemd's
 *                 STATUS=, BIRD's view, the control commands and the drain
 *
 * Nothing outside agent/ includes this. */
#ifndef ANYCASTD_AGENT_PRIV_H
#define ANYCASTD_AGENT_PRIV_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bird.h"
#include "drain.h"
#include "fleet.h"
#include "health.h"
#include "journal.h"
#include "link.h"
#include "log.h"
#include "probe.h"
#include "status.h"
#include "store.h"

struct bird;
struct bird_view;
struct conf;
struct ctl;
struct ctl_peer;
struct loop;
struct loop_timer;
struct nl_sock_event;
struct nl_sockdiag;
struct notify;
struct probe_pool;
struct sweep;

struct slot {
	struct agent		*agent;
	struct probe		*probe;
	struct probe_report	 last;
	bool			 have;		/* last is meaningful */
	bool			 done;		/* reported in this cycle */
};

/* A link the agent keeps in the state the decision wants: the anycast
 * interface (up while announced) or the graceful one (up while degraded). */
struct port {
	struct agent		*agent;
	struct nl_link		*link;		/* NULL: no such link configured */
	const char		*ifname;	/* the config's */
	const char		*store;		/* its IPv6 file (store.h) */
	bool			 graceful;
	enum nl_state		 seen;		/* last state we logged */
	uint64_t		 fight_start;	/* re-asserts in this 1 s window */
	int			 fight_n;
	struct log_rl		 rl_fight;
	char			*addr6;		/* IPv6 addresses as saved */
	unsigned		 addr6_gen;	/* nl_link_addrs_gen() when saved */
	bool			 addr6_known;
};

/* A fleet peer as the agent last judged it from BIRD's fleet tables. */
struct peer {
	char			 name[64];	/* BIRD protocol */
	enum fleet_target	 health;	/* announced = healthy */
	bool			 established;
	uint64_t		 since_us;	/* health unchanged since */
};

#define AGENT_MAX_PEERS	64

struct agent {
	struct loop		*loop;
	struct conf		*conf;
	struct notify		*notify;
	struct port		 main, gs;	/* gs.link NULL: no graceful link */
	struct probe_pool	*pool;
	struct health		 health;
	struct slot		*slots;
	int			 nslots;

	struct loop_timer	*cycle_timer;
	struct loop_timer	*wd_timer;
	int			 sigfd;
	sigset_t		 oldmask;

	bool			 in_cycle;
	bool			 again;		/* cycle again as soon as done */
	int			 outstanding;
	uint64_t		 cycle_start_us;
	uint64_t		 last_cycle_done_us;
	uint64_t		 last_cycle_dur_us;
	uint64_t		 cycles;
	uint64_t		 wd_stale_us;	/* no ping when cycles are older */

	uint64_t		 status_sent;	/* last STATUS= from a cycle */
	int			 exit_code;

	/* What the links should be (fleet.c decides, from health and the
	 * fleet view), and the view itself. */
	struct fleet		 fleet;
	struct loop_timer	*fleet_timer;	/* fleet_due() */
	bool			 fleet_known;
	int			 healthy_peers;
	struct peer		 peers[AGENT_MAX_PEERS];
	int			 npeers;
	char			 fleet_unknown[128];	/* why not known */
	struct bird_view	 upview;	/* BIRD's, without fleet sessions */

	/* What changed during this loop turn, published once before the
	 * loop sleeps (publish()). */
	unsigned		 dirty;
	/* Every message that can repeat goes through one limiter each. */
	struct log_rl		 rl_addr6, rl_metrics, rl_prefixes,
				 rl_watchdog, rl_hold, rl_drain, rl_journal;
	bool			 journal;	/* transitions go to journald (event.c) */

	struct status		 st;		/* what status and metrics show */
	struct drain_info	 drain;		/* as persisted in state_dir */
	bool			 drain_unsaved;	/* in force, its file not written */
	struct store_hold	 hold_rec;	/* the last withdrawal (hold_note) */
	struct ctl		*ctl;		/* NULL if it could not be set up */
	struct bird		*bird;		/* NULL: [bird] socket unset */
	struct nl_sockdiag	*sockdiag;	/* NULL: no event path, poll only */
	uint64_t		 events;	/* listener deaths seen */
	struct sweep		*sweep;		/* [freshness]; NULL: off */
};

/* The dirty bits: what publish() does at the end of a loop turn. */
#define DIRTY_NOTIFY	0x1	/* STATUS= to systemd */
#define DIRTY_METRICS	0x2	/* the metrics file */
#define DIRTY_ADDR6	0x4	/* the IPv6 addresses in the state directory */
#define DIRTY_BIRD	0x8	/* ask BIRD now: the intended state changed */
#define DIRTY_ALL	(DIRTY_NOTIFY | DIRTY_METRICS | DIRTY_ADDR6)


static inline uint64_t
ms_to_us(uint32_t ms)
{
	return (uint64_t)ms * 1000u;
}

/* cycle.c */
int	probes_new(struct agent *a);
void	cycle_start(struct loop *l, void *arg);
void	probes_free(struct agent *a);
void	sockdiag_setup(struct agent *a);
void	sockwatch_update(struct agent *a);
void	decide(struct agent *a, const char *reason, bool quiet);
int	freshness_setup(struct agent *a);

/* agent_link.c */
void	addr6_recall(struct agent *a, struct port *p);
void	addr6_save(struct agent *a);
bool	links_match(const struct agent *a);
void	port_clear(struct port *p);
void	bird_prefixes_update(struct agent *a);
int	enforce(struct agent *a, const char *why);
void	hold_recall(struct agent *a);
void	hold_note(struct agent *a);
void	hold_save(struct agent *a);
void	link_changed(void *arg, enum nl_state st, int ifindex, unsigned flags);

/* event.c: a transition, logged once, to the journal with its fields
 * under systemd.  reason, probe, interface: NULL for the defaults (no
 * reason; the failing probes of a withdrawal; the anycast interface). */
struct event {
	enum journal_kind	 kind;
	int			 priority;	/* LOG_NOTICE, LOG_WARNING */
	const char		*reason;
	const char		*probe;
	const char		*interface;
};
void	event_say(struct agent *a, const struct event *ev, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* agent_ops.c */
int	ctl_setup(struct agent *a);
int	drain_start(struct agent *a);
void	drain_retry(struct agent *a);
void	bird_setup(struct agent *a);
void	metrics_update(struct agent *a);
void	notify_update(struct agent *a);
void	ops_reload(struct agent *a, const struct conf *old);
void	fleet_view_update(struct agent *a, const struct bird_view *v);

#endif
