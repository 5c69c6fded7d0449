/* A small epoll event loop: fd watchers and one-shot monotonic timers.
 * It is the base that every module registers with; it knows nothing of DNS,
 * links or systemd. */
#ifndef ANYCASTD_LOOP_H
#define ANYCASTD_LOOP_H

#include <stdint.h>

#define LOOP_READ	0x1
#define LOOP_WRITE	0x2
#define LOOP_ERROR	0x4	/* EPOLLERR or EPOLLHUP; delivered with READ */

struct loop;
struct loop_timer;

typedef void loop_fd_cb(struct loop *, int fd, void *arg, int mask);
typedef void loop_timer_cb(struct loop *, void *arg);
typedef void loop_hook_cb(struct loop *, void *arg);

struct loop	*loop_new(void);
void		 loop_free(struct loop *);

/* Watch fd for mask; mask 0 keeps it registered but quiet.  -1 on error. */
int		 loop_add_fd(struct loop *l, int fd, int mask, loop_fd_cb *cb,
		    void *arg);
int		 loop_mod_fd(struct loop *, int fd, int mask);
void		 loop_del_fd(struct loop *, int fd);

/* One-shot timers on CLOCK_MONOTONIC, kept by the loop: arming is cheap
 * (no syscall).  The _arm functions cannot fail; they return 0. */
struct loop_timer *loop_timer_new(struct loop *l, loop_timer_cb *cb, void *arg);
void		 loop_timer_free(struct loop_timer *);
int		 loop_timer_arm(struct loop_timer *, uint64_t delay_us);
int		 loop_timer_arm_at(struct loop_timer *, uint64_t when_us);
void		 loop_timer_disarm(struct loop_timer *);

/* Runs until loop_stop(); returns 0, or -1 if epoll itself failed. */
int		 loop_run(struct loop *);
void		 loop_stop(struct loop *);
/* Called once per loop turn, after the turn's callbacks and before the loop
 * sleeps again (and once before the first wait): the place to publish what
 * changed.  NULL removes it. */
void		 loop_set_before_sleep(struct loop *l, loop_hook_cb *cb, void *arg);

/* CLOCK_MONOTONIC in microseconds. */
uint64_t	 loop_now_us(void);

#endif
