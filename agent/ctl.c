/* The control socket server.  Everything runs in the daemon's one loop, so
 * nothing here may block or wait for a client: sockets are non-blocking, a
 * request is read into a bounded buffer as it trickles in, the reply is
 * produced at once by the handler into memory and written as the client
 * reads it, and every connection has a deadline.  A client that is slow,
 * silent (half-open), oversized or malformed costs one slot and a timer until
 * its deadline; the number of slots is capped, and connections beyond it are
 * answered "busy" and closed at once so the listening socket never stays
 * readable (which would spin the loop).
 *
 * It does not interpret commands (the handler does) and does not check who
 * may connect: the socket's file mode does, which the kernel enforces at
 * connect(2).  SO_PEERCRED is passed on so that the handler can log who asked
 * for a state change. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
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
	dev_t			 dev;
	ino_t			 ino;
	ctl_handler		*handler;
	void			*arg;
	struct ctl_client	*clients[CTL_MAX_CLIENTS];
};

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
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
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

static void
ctl_accept(struct loop *l, int fd, void *arg, int mask)
{
	static const char busy[] = CTL_VERSION " 503 busy\ntoo many clients\n";
	struct ctl *ctl = arg;
	struct ctl_client *c;
	struct ucred uc;
	socklen_t len;
	int cfd, i, n;

	(void)mask;
	/* A bounded batch: other fds get their turn between batches. */
	for (n = 0; n < CTL_MAX_CLIENTS; n++) {
		cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (cfd == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("control: accept");
			return;
		}
		for (i = 0; i < CTL_MAX_CLIENTS; i++)
			if (ctl->clients[i] == NULL)
				break;
		if (i == CTL_MAX_CLIENTS) {
			(void)send(cfd, busy, sizeof(busy) - 1,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
			close(cfd);
			continue;
		}
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(cfd);
			continue;
		}
		c->ctl = ctl;
		c->fd = cfd;
		len = sizeof(uc);
		if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0) {
			c->peer.pid = uc.pid;
			c->peer.uid = uc.uid;
			c->peer.gid = uc.gid;
		} else {
			c->peer.pid = -1;
			c->peer.uid = (uid_t)-1;
			c->peer.gid = (gid_t)-1;
		}
		if ((c->deadline = loop_timer_new(l, client_expire, c)) == NULL ||
		    loop_timer_arm(c->deadline, CTL_TIMEOUT_MS * 1000ull) == -1 ||
		    loop_add_fd(l, cfd, LOOP_READ, client_io, c) == -1) {
			log_warn("control: client");
			loop_timer_free(c->deadline);
			close(cfd);
			free(c);
			continue;
		}
		ctl->clients[i] = c;
	}
}

/* Is someone listening on path?  1 yes, 0 no (stale), -1 not a socket. */
static int
socket_alive(const char *path, const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) == -1)
		return 0;
	if (!S_ISSOCK(st.st_mode))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return 0;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	/* EAGAIN: its backlog is full, so it is very much alive. */
	rc = (rc == 0 || errno == EAGAIN) ? 1 : 0;
	close(fd);
	return rc;
}

/* Creates the socket's directory if missing (one level), as systemd's
 * RuntimeDirectory= would. */
static void
make_parent(const char *path)
{
	char dir[PATH_MAX], *slash;

	if (strlen(path) >= sizeof(dir))
		return;
	memcpy(dir, path, strlen(path) + 1);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		log_warn("control: mkdir %s", dir);
}

/* A group name, or a number that names none. */
static int
group_id(const char *path, const char *group, gid_t *gid)
{
	struct group *gr;

	if ((gr = getgrnam(group)) != NULL)
		*gid = gr->gr_gid;
	else if (group[0] != '\0' && strspn(group, "0123456789") ==
	    strlen(group) && strlen(group) < 10)
		*gid = (gid_t)strtoul(group, NULL, 10);
	else {
		log_warnx("control socket %s: group %s does not exist", path,
		    group);
		errno = ENOENT;
		return -1;
	}
	return 0;
}

/* Takes path for us: a stale socket is removed, a live one (another
 * anycastd) or a file that is not a socket is left alone.  0 or -1. */
static int
claim_path(const char *path, const struct sockaddr_un *sun)
{
	switch (socket_alive(path, sun)) {
	case 1:
		log_warnx("control socket %s: another anycastd is running "
		    "there", path);
		errno = EADDRINUSE;
		return -1;
	case -1:
		log_warnx("control socket %s: exists and is not a socket; "
		    "not touching it", path);
		errno = EEXIST;
		return -1;
	default:
		if (unlink(path) == 0)
			log_info("control socket %s: removed a stale socket",
			    path);
		return 0;
	}
}

struct ctl *
ctl_new(struct loop *l, const char *path, const char *group,
    ctl_handler *handler, void *arg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl *ctl = NULL;
	struct stat st;
	gid_t gid = (gid_t)-1;
	mode_t old;
	int saved;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket %s: path too long", path);
		errno = ENAMETOOLONG;
		return NULL;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (group != NULL && group_id(path, group, &gid) == -1)
		return NULL;
	if (claim_path(path, &sun) == -1)
		return NULL;
	make_parent(path);
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL)
		return NULL;
	ctl->fd = -1;
	ctl->loop = l;
	ctl->handler = handler;
	ctl->arg = arg;
	if ((ctl->path = strdup(path)) == NULL)
		goto fail;
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl->fd == -1)
		goto fail;
	/* bind(2) creates the file with the umask applied: make it
	 * owner-only from the first instant, then open it up to the group.
	 * We are single-threaded, so the process-wide umask is safe here. */
	old = umask(0177);
	if (bind(ctl->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		umask(old);
		errno = saved;
		goto fail;
	}
	umask(old);
	if (group != NULL && (chown(path, (uid_t)-1, gid) == -1 ||
	    chmod(path, 0660) == -1))
		goto fail_bound;
	if (lstat(path, &st) == -1)
		goto fail_bound;
	ctl->dev = st.st_dev;
	ctl->ino = st.st_ino;
	if (listen(ctl->fd, CTL_MAX_CLIENTS) == -1 ||
	    loop_add_fd(l, ctl->fd, LOOP_READ, ctl_accept, ctl) == -1)
		goto fail_bound;
	log_info("control socket %s: listening, mode %s", path,
	    group ? "0660" : "0600 (root only)");
	return ctl;
fail_bound:
	saved = errno;
	(void)unlink(path);
	errno = saved;
fail:
	log_warn("control socket %s", path);
	saved = errno;
	if (ctl->fd != -1)
		close(ctl->fd);
	free(ctl->path);
	free(ctl);
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
	for (i = 0; i < CTL_MAX_CLIENTS; i++)
		client_free(ctl->clients[i]);
	loop_del_fd(ctl->loop, ctl->fd);
	close(ctl->fd);
	/* Only remove the socket we created, not a successor's. */
	if (lstat(ctl->path, &st) == 0 && st.st_dev == ctl->dev &&
	    st.st_ino == ctl->ino)
		(void)unlink(ctl->path);
	free(ctl->path);
	free(ctl);
}
