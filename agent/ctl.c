/* The control socket server.  Everything runs in the daemon's one loop, so
 * nothing here may block or wait for a client: sockets are non-blocking, a
 * request is read into a bounded buffer as it trickles in, the reply is
 * produced at once by the handler into memory and written as the client
 * reads it, and every connection has a deadline.  A client that is slow,
 * silent (half-open), oversized or malformed costs one slot and a timer until
 * its deadline.  Slots are capped per uid and in total, with a reserve for
 * root (ctl_proto.h); a connection beyond them is answered "busy" at once
 * and closed cleanly, and accepting goes in bounded batches, so a flood of
 * clients neither starves probing nor locks out root's drain.
 *
 * It does not interpret commands (the handler does).  Who may connect is
 * the socket's file mode, which the kernel enforces at connect(2); the file
 * gets that mode before anyone can reach it, and the directory it lives in
 * must be one nobody else can write.  A lock file next to the socket makes
 * a second daemon on the same path fail, never steal it.  SO_PEERCRED is
 * passed on so that the handler can log who asked for a state change. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "loop.h"
#include "text.h"

struct ctl_client {
	struct ctl		*ctl;
	int			 fd;
	bool			 busy;	/* refused: reading until it closes */
	struct loop_timer	*deadline;
	struct ctl_peer		 peer;
	char			 in[CTL_REQUEST_MAX];
	size_t			 inlen;
	char			*out;
	size_t			 outlen, outoff;
};

struct ctl {
	struct loop		*loop;
	char			*path;
	int			 fd;
	int			 lockfd;	/* flock on PATH.lock */
	uid_t			 self;		/* our euid: privileged too */
	dev_t			 dev;
	ino_t			 ino;
	struct loop_timer	*resume;	/* accept paused (EMFILE) */
	ctl_handler		*handler;
	void			*arg;
	/* Served clients, then refused ones ("busy" sent, waiting for
	 * them to close so that their request is read, not reset). */
	struct ctl_client	*clients[CTL_MAX_CLIENTS + CTL_MAX_REFUSED];
};

#define CTL_SLOTS	(CTL_MAX_CLIENTS + CTL_MAX_REFUSED)
#define CTL_BACKLOG	128
#define CTL_BUSY_MS	500	/* a refused client gets this long to close */
#define CTL_PAUSE_MS	100	/* out of fds: accept again after this */

const char *
ctl_code_text(int code)
{
	switch (code) {
	case CTL_OK:		return "ok";
	case CTL_BAD_REQUEST:	return "bad request";
	case CTL_NOT_FOUND:	return "unknown command";
	case CTL_CONFLICT:	return "conflict";
	case CTL_TOO_LARGE:	return "request too large";
	case CTL_FAILED:	return "failed";
	case CTL_BUSY:		return "busy";
	case CTL_BAD_VERSION:	return "version not supported";
	default:		return "error";
	}
}

static void
client_free(struct ctl_client *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < CTL_SLOTS; i++)
		if (c->ctl->clients[i] == c)
			c->ctl->clients[i] = NULL;
	loop_del_fd(c->ctl->loop, c->fd);
	close(c->fd);
	loop_timer_free(c->deadline);
	free(c->out);
	free(c);
}

static void
client_expire(struct loop *l, void *arg)
{
	struct ctl_client *c = arg;

	(void)l;
	log_debug("control: client pid %d timed out", (int)c->peer.pid);
	client_free(c);
}

/* Writes what the client will take; frees it when all is sent. */
static void
client_flush(struct ctl_client *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			(void)loop_mod_fd(c->ctl->loop, c->fd, LOOP_WRITE);
			return;
		}
		if (n <= 0) {
			client_free(c);
			return;
		}
		c->outoff += (size_t)n;
	}
	client_free(c);
}

/* Builds "anycastd/1 CODE TEXT\n" + body and starts sending it. */
static void
client_reply(struct ctl_client *c, int code, const char *body, size_t bodylen)
{
	char head[64];
	int n;

	n = snprintf(head, sizeof(head), "%s %d %s\n", CTL_VERSION, code,
	    ctl_code_text(code));
	if ((c->out = malloc((size_t)n + bodylen)) == NULL) {
		client_free(c);
		return;
	}
	memcpy(c->out, head, (size_t)n);
	if (bodylen > 0)
		memcpy(c->out + n, body, bodylen);
	c->outlen = (size_t)n + bodylen;
	c->outoff = 0;
	client_flush(c);
}

static void
client_error(struct ctl_client *c, int code, const char *msg)
{
	char body[256];
	int n;

	log_debug("control: pid %d uid %u: %s", (int)c->peer.pid,
	    (unsigned)c->peer.uid, msg);
	n = snprintf(body, sizeof(body), "%s\n", msg);
	client_reply(c, code, body, (size_t)n < sizeof(body) ? (size_t)n :
	    sizeof(body) - 1);
}

static void
client_request(struct ctl_client *c, size_t linelen)
{
	char *line = c->in, *cmd, *args, *sp, *body = NULL;
	size_t bodylen = 0;
	FILE *out;
	int code;

	line[linelen] = '\0';
	/* A NUL is a control character too: it would hide the rest. */
	if (strlen(line) != linelen || !text_clean(line)) {
		client_error(c, CTL_BAD_REQUEST,
		    "control character in request");
		return;
	}
	if ((sp = strchr(line, ' ')) == NULL) {
		client_error(c, CTL_BAD_REQUEST,
		    "expected \"" CTL_VERSION " COMMAND [ARGUMENT]\"");
		return;
	}
	*sp = '\0';
	if (strcmp(line, CTL_VERSION) != 0) {
		client_error(c, strncmp(line, "anycastd/", 9) == 0 ?
		    CTL_BAD_VERSION : CTL_BAD_REQUEST,
		    "this anycastd speaks " CTL_VERSION);
		return;
	}
	cmd = sp + 1;
	if ((sp = strchr(cmd, ' ')) != NULL) {
		*sp = '\0';
		args = sp + 1;
	} else
		args = cmd + strlen(cmd);
	if (*cmd == '\0' || strspn(cmd, "abcdefghijklmnopqrstuvwxyz-") !=
	    strlen(cmd)) {
		client_error(c, CTL_BAD_REQUEST, "malformed command");
		return;
	}
	if ((out = open_memstream(&body, &bodylen)) == NULL) {
		client_error(c, CTL_FAILED, "out of memory");
		return;
	}
	code = c->ctl->handler(c->ctl->arg, cmd, args, &c->peer, out);
	if (fclose(out) == EOF) {
		free(body);
		client_error(c, CTL_FAILED, "out of memory");
		return;
	}
	client_reply(c, code, body, bodylen);
	free(body);
}

static void
client_io(struct loop *l, int fd, void *arg, int mask)
{
	struct ctl_client *c = arg;
	char *nl;
	ssize_t n;

	(void)l;
	if (c->busy) {
		/* Its request, if any, is read and dropped; EOF is the
		 * client closing after it read "busy". */
		char sink[512];

		do
			n = recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
		while (n > 0);
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			client_free(c);
		return;
	}
	if (c->out != NULL) {
		if (mask & LOOP_WRITE)
			client_flush(c);
		else if (mask & LOOP_ERROR)
			client_free(c);
		return;
	}
	n = recv(fd, c->in + c->inlen, sizeof(c->in) - c->inlen, MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* Gone before finishing its request: nothing to answer. */
		client_free(c);
		return;
	}
	nl = memchr(c->in + c->inlen, '\n', (size_t)n);
	c->inlen += (size_t)n;
	if (nl != NULL) {
		(void)loop_mod_fd(c->ctl->loop, fd, 0);
		client_request(c, (size_t)(nl - c->in));
		return;
	}
	if (c->inlen == sizeof(c->in)) {
		(void)loop_mod_fd(c->ctl->loop, fd, 0);
		client_error(c, CTL_TOO_LARGE, "request too large");
	}
}

static bool
privileged(const struct ctl *ctl, uid_t uid)
{
	return uid == 0 || uid == ctl->self;
}

/* May a client of this uid take a slot?  A uid holds at most
 * CTL_MAX_PER_UID slots, and the last CTL_RESERVED are root's (and our own
 * uid's): so neither one hung script nor every member of the control group
 * together can lock out the drain that named's stop runs as root. */
static bool
admit(const struct ctl *ctl, uid_t uid)
{
	int i, total = 0, mine = 0, unpriv = 0;
	const struct ctl_client *c;

	for (i = 0; i < CTL_MAX_CLIENTS; i++) {
		if ((c = ctl->clients[i]) == NULL)
			continue;
		total++;
		mine += c->peer.uid == uid;
		unpriv += !privileged(ctl, c->peer.uid);
	}
	if (total >= CTL_MAX_CLIENTS || mine >= CTL_MAX_PER_UID)
		return false;
	return privileged(ctl, uid) || unpriv < CTL_MAX_CLIENTS - CTL_RESERVED;
}

static int
free_slot(const struct ctl *ctl, int from, int to)
{
	int i;

	for (i = from; i < to; i++)
		if (ctl->clients[i] == NULL)
			return i;
	return -1;
}

static struct ctl_client *
client_new(struct ctl *ctl, int cfd, const struct ctl_peer *peer, bool busy)
{
	struct ctl_client *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->ctl = ctl;
	c->fd = cfd;
	c->busy = busy;
	c->peer = *peer;
	if ((c->deadline = loop_timer_new(ctl->loop, client_expire, c)) ==
	    NULL || loop_timer_arm(c->deadline, (busy ? CTL_BUSY_MS :
	    CTL_TIMEOUT_MS) * 1000ull) == -1 ||
	    loop_add_fd(ctl->loop, cfd, LOOP_READ, client_io, c) == -1) {
		log_warn("control: client");
		loop_timer_free(c->deadline);
		free(c);
		return NULL;
	}
	return c;
}

/* "busy", sent before the request is read.  Closing a Unix stream socket
 * with unread data makes the peer's next read fail with ECONNRESET (measured:
 * the reply is read, then the reset comes instead of EOF), so we shut down
 * our side and wait, in a refused slot, for the client to close; only when
 * even those are taken is what has arrived drained and the socket closed at
 * once, which is clean unless the request is still on its way. */
static void
client_refuse(struct ctl *ctl, int cfd, const struct ctl_peer *peer)
{
	char msg[128], sink[512];
	struct ctl_client *c;
	int i, n;

	n = snprintf(msg, sizeof(msg), "%s %d %s\ntoo many clients (uid %u: "
	    "at most %d at once, and %d of %d are for root); retry\n",
	    CTL_VERSION, CTL_BUSY, ctl_code_text(CTL_BUSY),
	    (unsigned)peer->uid, CTL_MAX_PER_UID, CTL_RESERVED,
	    CTL_MAX_CLIENTS);
	(void)send(cfd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)shutdown(cfd, SHUT_WR);
	if ((i = free_slot(ctl, CTL_MAX_CLIENTS, CTL_SLOTS)) != -1 &&
	    (c = client_new(ctl, cfd, peer, true)) != NULL) {
		ctl->clients[i] = c;
		return;
	}
	while (recv(cfd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;
	close(cfd);
}

static void
ctl_resume(struct loop *l, void *arg)
{
	struct ctl *ctl = arg;

	(void)l;
	(void)loop_mod_fd(ctl->loop, ctl->fd, LOOP_READ);
}

static void
peer_of(int cfd, struct ctl_peer *p)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0) {
		p->pid = uc.pid;
		p->uid = uc.uid;
		p->gid = uc.gid;
	} else {
		p->pid = -1;
		p->uid = (uid_t)-1;	/* unknown: unprivileged */
		p->gid = (gid_t)-1;
	}
}

static void
ctl_accept(struct loop *l, int fd, void *arg, int mask)
{
	struct ctl *ctl = arg;
	struct ctl_client *c;
	struct ctl_peer peer;
	int cfd, i, n;

	(void)l;
	(void)mask;
	/* A bounded batch: other fds (probes) get their turn between
	 * batches, however many clients are queued. */
	for (n = 0; n < CTL_MAX_CLIENTS; n++) {
		cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (cfd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* The socket stays readable: pause rather
				 * than spin, and let clients wait. */
				log_warn("control: accept (paused %d ms)",
				    CTL_PAUSE_MS);
				(void)loop_mod_fd(ctl->loop, fd, 0);
				(void)loop_timer_arm(ctl->resume,
				    CTL_PAUSE_MS * 1000ull);
			} else if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("control: accept");
			return;
		}
		peer_of(cfd, &peer);
		if (!admit(ctl, peer.uid) ||
		    (i = free_slot(ctl, 0, CTL_MAX_CLIENTS)) == -1) {
			client_refuse(ctl, cfd, &peer);
			continue;
		}
		if ((c = client_new(ctl, cfd, &peer, false)) == NULL) {
			close(cfd);
			continue;
		}
		ctl->clients[i] = c;
	}
}

/* A group name, or a number that names none.  getgrnam() may ask NSS
 * (LDAP, sssd) and block; it runs only here, at start and at a reload that
 * changes the control socket or group, never during probing, and an
 * operator's reload reads the configuration synchronously anyway.  A
 * numeric control_group never consults NSS. */
static int
group_id(const char *path, const char *group, gid_t *gid)
{
	struct group *gr;

	if (group[0] != '\0' && strspn(group, "0123456789") ==
	    strlen(group) && strlen(group) < 10)
		*gid = (gid_t)strtoul(group, NULL, 10);
	else if ((gr = getgrnam(group)) != NULL)
		*gid = gr->gr_gid;
	else {
		log_warnx("control socket %s: group %s does not exist", path,
		    group);
		errno = ENOENT;
		return -1;
	}
	return 0;
}

/* Opens the socket's directory, creating it (one level, as systemd's
 * RuntimeDirectory= would) if missing, and refuses one that someone else
 * could rename our socket in or plant a link in: it must be root's or ours,
 * and writable by nobody else unless it is sticky and ours.  Everything
 * after this goes through the returned fd, so the checked directory is the
 * one used.  The fd, or -1 after logging. */
static int
open_dir(const char *dir)
{
	struct stat st;
	int dfd;

	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		log_warn("control socket directory %s: mkdir", dir);
		return -1;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstat(dfd, &st) == -1) {
		log_warn("control socket directory %s", dir);
		goto fail;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		log_warnx("control socket directory %s: owned by uid %u, not by "
		    "root or us (uid %u); refusing it", dir,
		    (unsigned)st.st_uid, (unsigned)geteuid());
		goto perm;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !((st.st_mode & S_ISVTX) &&
	    st.st_uid == geteuid())) {
		log_warnx("control socket directory %s: mode %04o lets others "
		    "replace the socket; refusing it (make it 0755)", dir,
		    (unsigned)(st.st_mode & 07777));
		goto perm;
	}
	return dfd;
perm:
	errno = EPERM;
fail:
	if (dfd != -1) {
		int saved = errno;

		close(dfd);
		errno = saved;
	}
	return -1;
}

/* Is someone listening on sun?  1 yes, 0 no (stale), -1 cannot tell.
 * Only ECONNREFUSED means that nobody does: EACCES and the like say
 * nothing about it, and guessing "stale" there would unlink a live
 * daemon's socket. */
static int
socket_alive(const char *path, const struct sockaddr_un *sun)
{
	int fd, rc, saved;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	saved = errno;
	close(fd);
	/* EAGAIN: its backlog is full, so it is very much alive. */
	if (rc == 0 || saved == EAGAIN)
		return 1;
	if (saved == ECONNREFUSED || saved == ENOENT)
		return 0;
	log_warnx("control socket %s: cannot tell whether another anycastd "
	    "uses it (connect: %s); not touching it", path, strerror(saved));
	errno = saved;
	return -1;
}

/* Takes path for us under the lock PATH.lock, held for as long as we
 * listen: two daemons starting together serialise on it, so exactly one
 * goes on.  Under the lock a socket at path is stale unless someone
 * answers on it (an anycastd older than the lock); a file that is not a
 * socket is left alone.  The stale socket is not unlinked here: the rename
 * of ours replaces it, so clients never see no socket.  0 or -1. */
static int
claim_path(struct ctl *ctl, int dfd, const char *base,
    const struct sockaddr_un *sun)
{
	char lock[NAME_MAX + 1];
	struct stat st;

	if ((size_t)snprintf(lock, sizeof(lock), "%s.lock", base) >=
	    sizeof(lock)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	ctl->lockfd = openat(dfd, lock, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK, 0600);
	if (ctl->lockfd == -1) {
		log_warn("control socket %s: lock %s.lock", ctl->path,
		    ctl->path);
		return -1;
	}
	if (flock(ctl->lockfd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK) {
			log_warnx("control socket %s: another anycastd is "
			    "running there (it holds %s.lock)", ctl->path,
			    ctl->path);
			errno = EADDRINUSE;
		}
		return -1;
	}
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("control socket %s: exists and is not a socket; "
		    "not touching it", ctl->path);
		errno = EEXIST;
		return -1;
	}
	switch (socket_alive(ctl->path, sun)) {
	case 1:
		log_warnx("control socket %s: another anycastd is running "
		    "there", ctl->path);
		errno = EADDRINUSE;
		return -1;
	case 0:
		log_info("control socket %s: replacing a stale socket",
		    ctl->path);
		return 0;
	default:
		return -1;
	}
}

/* Binds in a fresh directory of our own (mode 0700, so nobody can reach
 * the socket or swap it for a link), gives the socket its mode and group
 * there, and renames it into place: it appears with its final mode, and
 * nothing goes by a path another user could change.  The mode is also set
 * on the fd before bind(2), which Linux honours (the new file gets the
 * socket inode's mode minus the umask; measured: fchmod 0640 before bind
 * gives a 0640 file, fchown before bind changes nothing), so it is never
 * wider than wanted even for an instant. */
static int
bind_private(struct ctl *ctl, int dfd, const char *dir, const char *base,
    mode_t mode, gid_t gid)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char tmp[sizeof(sun.sun_path) - 2];	/* room for "/s" */
	struct stat st;
	size_t tlen;
	int tfd = -1, rc = -1, saved;

	if ((tlen = (size_t)snprintf(tmp, sizeof(tmp), "%s/.ctl-XXXXXX",
	    dir)) >= sizeof(tmp)) {
		log_warnx("control socket %s: path too long (its directory "
		    "needs %zu bytes to spare)", ctl->path, strlen(dir) + 14);
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdtemp(tmp) == NULL)
		return -1;
	if ((tfd = open(tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		goto out;
	memcpy(sun.sun_path, tmp, tlen);
	memcpy(sun.sun_path + tlen, "/s", 3);
	if (fchmod(ctl->fd, mode) == -1 ||
	    bind(ctl->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		goto out;
	if (fchmodat(tfd, "s", mode, 0) == -1 || (gid != (gid_t)-1 &&
	    fchownat(tfd, "s", (uid_t)-1, gid, AT_SYMLINK_NOFOLLOW) == -1) ||
	    fstatat(tfd, "s", &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    renameat(tfd, "s", dfd, base) == -1)
		goto out;
	ctl->dev = st.st_dev;
	ctl->ino = st.st_ino;
	rc = 0;
out:
	saved = errno;
	if (tfd != -1) {
		(void)unlinkat(tfd, "s", 0);
		close(tfd);
	}
	(void)rmdir(tmp);
	errno = saved;
	return rc;
}

static int
split_path(const char *path, char *dir, size_t dlen, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		snprintf(dir, dlen, ".");
		*base = path;
	} else if (slash == path) {
		snprintf(dir, dlen, "/");
		*base = path + 1;
	} else {
		if ((size_t)(slash - path) >= dlen)
			return -1;
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		*base = slash + 1;
	}
	return **base == '\0' || strlen(*base) > NAME_MAX - 5 ? -1 : 0;
}

struct ctl *
ctl_new(struct loop *l, const char *path, const char *group,
    ctl_handler *handler, void *arg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[sizeof(sun.sun_path)];
	struct ctl *ctl = NULL;
	const char *base;
	gid_t gid = (gid_t)-1;
	int dfd = -1, saved;

	if (strlen(path) >= sizeof(sun.sun_path) ||
	    split_path(path, dir, sizeof(dir), &base) == -1) {
		log_warnx("control socket %s: path too long or no file name",
		    path);
		errno = ENAMETOOLONG;
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (group != NULL && group_id(path, group, &gid) == -1)
		return NULL;
	if ((dfd = open_dir(dir)) == -1)
		return NULL;
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL)
		goto fail;
	ctl->fd = ctl->lockfd = -1;
	ctl->loop = l;
	ctl->self = geteuid();
	ctl->handler = handler;
	ctl->arg = arg;
	if ((ctl->path = strdup(path)) == NULL ||
	    (ctl->resume = loop_timer_new(l, ctl_resume, ctl)) == NULL)
		goto fail;
	if (claim_path(ctl, dfd, base, &sun) == -1)
		goto fail_quiet;
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl->fd == -1 || bind_private(ctl, dfd, dir, base, group ? 0660 :
	    0600, gid) == -1)
		goto fail;
	if (listen(ctl->fd, CTL_BACKLOG) == -1 ||
	    loop_add_fd(l, ctl->fd, LOOP_READ, ctl_accept, ctl) == -1)
		goto fail;
	close(dfd);
	log_info("control socket %s: listening, mode %s", path,
	    group ? "0660" : "0600 (root only)");
	return ctl;
fail:
	log_warn("control socket %s", path);
fail_quiet:
	saved = errno;
	close(dfd);
	if (ctl != NULL) {
		if (ctl->dev != 0 || ctl->ino != 0)
			(void)unlink(path);
		if (ctl->fd != -1)
			close(ctl->fd);
		if (ctl->lockfd != -1)
			close(ctl->lockfd);
		loop_timer_free(ctl->resume);
		free(ctl->path);
		free(ctl);
	}
	errno = saved;
	return NULL;
}

void
ctl_free(struct ctl *ctl)
{
	struct stat st;
	int i;

	if (ctl == NULL)
		return;
	for (i = 0; i < CTL_SLOTS; i++)
		client_free(ctl->clients[i]);
	loop_del_fd(ctl->loop, ctl->fd);
	close(ctl->fd);
	loop_timer_free(ctl->resume);
	/* Only remove the socket we created, not a successor's; then let
	 * the next daemon have the lock (the lock file stays: removing it
	 * would let two daemons lock two different files). */
	if (lstat(ctl->path, &st) == 0 && st.st_dev == ctl->dev &&
	    st.st_ino == ctl->ino)
		(void)unlink(ctl->path);
	close(ctl->lockfd);
	free(ctl->path);
	free(ctl);
}
