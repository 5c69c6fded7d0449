/* The event loop, in the manner of Redis's ae.c: epoll for readiness,
 * timers kept by the loop itself and served through epoll_pwait2()'s
 * timeout, and no globals.  A watcher is looked up by fd in a growable table
 * indexed by fd number.  Callbacks may add, change or remove watchers and
 * timers (including their own) while the loop dispatches; a removed watcher
 * or timer is never called again.
 *
 * Why not a timerfd per timer: arming, firing and disarming one costs three
 * syscalls and an epoll wakeup each, and a probe cycle arms several.  Here
 * arming is a store, and a turn of the loop costs one epoll_pwait2().  The
 * timers are few (the cycle, the watchdog, BIRD's poll, one per probe
 * channel, one per control client), so the nearest one is found by a scan. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

struct watch {
	loop_fd_cb	*cb;
	void		*arg;
	int		 mask;
	int		 used;
	unsigned	 gen;	/* bumped on every add/del, to drop stale events */
};

struct loop {
	int		 epfd;
	int		 stop;
	struct watch	*w;
	int		 nw;
	loop_hook_cb	*before_sleep;
	void		*before_sleep_arg;
	struct loop_timer **t;		/* NULL slots: freed while dispatching */
	int		 nt, tcap;
	int		 dispatching;
	bool		 holes;
	bool		 no_pwait2;	/* the kernel lacks epoll_pwait2 (ENOSYS) */
};

struct loop_timer {
	struct loop	*loop;
	int		 slot;		/* index in loop->t */
	bool		 armed;
	uint64_t	 when_us;	/* CLOCK_MONOTONIC */
	loop_timer_cb	*cb;
	void		*arg;
};

uint64_t
loop_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct loop *
loop_new(void)
{
	struct loop *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(l);
		return NULL;
	}
	return l;
}

void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	close(l->epfd);
	free(l->w);
	/* Timers belong to their owners, who free them before the loop. */
	free(l->t);
	free(l);
}

static uint32_t
to_epoll(int mask)
{
	uint32_t ev = 0;

	if (mask & LOOP_READ)
		ev |= EPOLLIN;
	if (mask & LOOP_WRITE)
		ev |= EPOLLOUT;
	return ev;
}

static int
grow(struct loop *l, int fd)
{
	struct watch *nw;
	int n;

	if (fd < l->nw)
		return 0;
	n = l->nw ? l->nw : 16;
	while (n <= fd)
		n *= 2;
	if ((nw = realloc(l->w, (size_t)n * sizeof(*nw))) == NULL)
		return -1;
	memset(nw + l->nw, 0, (size_t)(n - l->nw) * sizeof(*nw));
	l->w = nw;
	l->nw = n;
	return 0;
}

int
loop_add_fd(struct loop *l, int fd, int mask, loop_fd_cb *cb, void *arg)
{
	struct epoll_event ev = { 0 };

	if (fd < 0 || grow(l, fd) == -1)
		return -1;
	if (l->w[fd].used) {
		errno = EEXIST;
		return -1;
	}
	ev.events = to_epoll(mask);
	ev.data.fd = fd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		return -1;
	l->w[fd].cb = cb;
	l->w[fd].arg = arg;
	l->w[fd].mask = mask;
	l->w[fd].used = 1;
	l->w[fd].gen++;
	return 0;
}

int
loop_mod_fd(struct loop *l, int fd, int mask)
{
	struct epoll_event ev = { 0 };

	if (fd < 0 || fd >= l->nw || !l->w[fd].used) {
		errno = ENOENT;
		return -1;
	}
	if (l->w[fd].mask == mask)
		return 0;
	ev.events = to_epoll(mask);
	ev.data.fd = fd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) == -1)
		return -1;
	l->w[fd].mask = mask;
	return 0;
}

void
loop_del_fd(struct loop *l, int fd)
{
	if (fd < 0 || fd >= l->nw || !l->w[fd].used)
		return;
	/* The fd may already be closed by its owner; ignore EBADF. */
	(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->w[fd].used = 0;
	l->w[fd].cb = NULL;
	l->w[fd].gen++;
}

void
loop_stop(struct loop *l)
{
	l->stop = 1;
}

/* The nearest armed timer, or UINT64_MAX. */
static uint64_t
next_deadline(const struct loop *l)
{
	uint64_t when = UINT64_MAX;
	int i;

	for (i = 0; i < l->nt; i++)
		if (l->t[i] != NULL && l->t[i]->armed && l->t[i]->when_us < when)
			when = l->t[i]->when_us;
	return when;
}

/* Fires every timer due by now; each is disarmed before its callback, which
 * may re-arm it or free any timer. */
static void
run_timers(struct loop *l)
{
	uint64_t now = loop_now_us();
	int i, j;

	l->dispatching++;
	for (i = 0; i < l->nt && !l->stop; i++) {
		struct loop_timer *t = l->t[i];

		if (t == NULL || !t->armed || t->when_us > now)
			continue;
		t->armed = false;
		t->cb(l, t->arg);
	}
	l->dispatching--;
	if (l->dispatching > 0 || !l->holes)
		return;
	for (i = j = 0; i < l->nt; i++)
		if (l->t[i] != NULL) {
			l->t[i]->slot = j;
			l->t[j++] = l->t[i];
		}
	l->nt = j;
	l->holes = false;
}

static int
wait_events(struct loop *l, struct epoll_event *evs, int max)
{
	uint64_t when = next_deadline(l), now;
	struct timespec ts = { 0, 0 };
	int n;

	if (when != UINT64_MAX) {
		now = loop_now_us();
		when = when > now ? when - now : 0;
		ts.tv_sec = (time_t)(when / 1000000u);
		ts.tv_nsec = (long)(when % 1000000u) * 1000;
	}
	if (!l->no_pwait2) {
		n = epoll_pwait2(l->epfd, evs, max, when == UINT64_MAX ? NULL :
		    &ts, NULL);
		if (n != -1 || errno != ENOSYS)
			return n;
		/* Linux before 5.11, and valgrind 3.19 (Debian 12), which
		 * does not know the call: millisecond waits, rounded up so
		 * that a timer is never run early. */
		l->no_pwait2 = true;
	}
	if (when == UINT64_MAX)
		return epoll_wait(l->epfd, evs, max, -1);
	return epoll_wait(l->epfd, evs, max, when / 1000u > INT_MAX ? INT_MAX :
	    (int)((when + 999u) / 1000u));
}

int
loop_run(struct loop *l)
{
	struct epoll_event evs[32];
	unsigned gens[32];
	int i, n, fd, mask;

	l->stop = 0;
	while (!l->stop) {
		/* What the last turn changed is published once, here, rather
		 * than after every event (Redis's beforeSleep). */
		if (l->before_sleep != NULL)
			l->before_sleep(l, l->before_sleep_arg);
		/* A hook that stopped the loop must not sleep first: the wait
		 * could be the next timer's, seconds away. */
		if (l->stop)
			break;
		n = wait_events(l, evs, 32);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("epoll wait");
			return -1;
		}
		/* Snapshot generations so that a watcher removed (and maybe
		 * re-added on the same fd number) by an earlier callback in
		 * this batch does not receive an event meant for the old one. */
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			gens[i] = (fd < l->nw) ? l->w[fd].gen : 0;
		}
		for (i = 0; i < n && !l->stop; i++) {
			fd = evs[i].data.fd;
			if (fd >= l->nw || !l->w[fd].used ||
			    l->w[fd].gen != gens[i])
				continue;
			mask = 0;
			if (evs[i].events & EPOLLIN)
				mask |= LOOP_READ;
			if (evs[i].events & EPOLLOUT)
				mask |= LOOP_WRITE;
			if (evs[i].events & (EPOLLERR | EPOLLHUP))
				mask |= LOOP_ERROR | LOOP_READ;
			l->w[fd].cb(l, fd, l->w[fd].arg, mask);
		}
		run_timers(l);
	}
	return 0;
}

struct loop_timer *
loop_timer_new(struct loop *l, loop_timer_cb *cb, void *arg)
{
	struct loop_timer *t, **nt;
	int cap;

	if (l->nt == l->tcap) {
		cap = l->tcap ? l->tcap * 2 : 16;
		if ((nt = reallocarray(l->t, (size_t)cap,
		    sizeof(struct loop_timer *))) == NULL)
			return NULL;
		l->t = nt;
		l->tcap = cap;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->loop = l;
	t->cb = cb;
	t->arg = arg;
	t->slot = l->nt;
	l->t[l->nt++] = t;
	return t;
}

void
loop_timer_free(struct loop_timer *t)
{
	struct loop *l;

	if (t == NULL)
		return;
	l = t->loop;
	if (l->dispatching > 0) {
		/* run_timers() is walking the table: leave a hole. */
		l->t[t->slot] = NULL;
		l->holes = true;
	} else {
		l->t[t->slot] = l->t[--l->nt];
		l->t[t->slot]->slot = t->slot;
	}
	free(t);
}

int
loop_timer_arm_at(struct loop_timer *t, uint64_t when_us)
{
	t->when_us = when_us;
	t->armed = true;
	return 0;
}

int
loop_timer_arm(struct loop_timer *t, uint64_t delay_us)
{
	return loop_timer_arm_at(t, loop_now_us() + delay_us);
}

void
loop_timer_disarm(struct loop_timer *t)
{
	t->armed = false;
}

void
loop_set_before_sleep(struct loop *l, loop_hook_cb *cb, void *arg)
{
	l->before_sleep = cb;
	l->before_sleep_arg = arg;
}
