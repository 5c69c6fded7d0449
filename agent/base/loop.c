/* The event loop, in the manner of Redis's ae.c: epoll for readiness, one
 * timerfd per timer so that a timer is just another fd, and no globals.  A
 * watcher is looked up by fd in a growable table indexed by fd number.
 * Callbacks may add, change or remove watchers (including their own) while
 * the loop dispatches; a removed watcher is never called again. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
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
};

struct loop_timer {
	struct loop	*loop;
	int		 fd;
	int		 armed;
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
		n = epoll_wait(l->epfd, evs, 32, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
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
	}
	return 0;
}

static void
timer_fire(struct loop *l, int fd, void *arg, int mask)
{
	struct loop_timer *t = arg;
	uint64_t exp;

	(void)l;
	(void)mask;
	if (read(fd, &exp, sizeof(exp)) != (ssize_t)sizeof(exp))
		return;		/* EAGAIN: re-armed or disarmed meanwhile */
	t->armed = 0;
	t->cb(t->loop, t->arg);
}

struct loop_timer *
loop_timer_new(struct loop *l, loop_timer_cb *cb, void *arg)
{
	struct loop_timer *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->loop = l;
	t->cb = cb;
	t->arg = arg;
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (t->fd == -1)
		goto fail;
	if (loop_add_fd(l, t->fd, LOOP_READ, timer_fire, t) == -1)
		goto fail;
	return t;
fail:
	if (t->fd != -1)
		close(t->fd);
	free(t);
	return NULL;
}

void
loop_timer_free(struct loop_timer *t)
{
	if (t == NULL)
		return;
	loop_del_fd(t->loop, t->fd);
	close(t->fd);
	free(t);
}

int
loop_timer_arm_at(struct loop_timer *t, uint64_t when_us)
{
	struct itimerspec its = { 0 };

	/* An all-zero it_value would disarm; 1 ns means "already due". */
	if (when_us == 0)
		its.it_value.tv_nsec = 1;
	else {
		its.it_value.tv_sec = (time_t)(when_us / 1000000u);
		its.it_value.tv_nsec = (long)(when_us % 1000000u) * 1000;
	}
	if (timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		return -1;
	t->armed = 1;
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
	struct itimerspec its = { 0 };

	(void)timerfd_settime(t->fd, 0, &its, NULL);
	t->armed = 0;
}

void
loop_set_before_sleep(struct loop *l, loop_hook_cb *cb, void *arg)
{
	l->before_sleep = cb;
	l->before_sleep_arg = arg;
}
