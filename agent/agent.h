/* The agent: wires the loop, probes, the link and systemd together and
 * applies the policy of agent/health.c to what they report. */
#ifndef ANYCASTD_AGENT_H
#define ANYCASTD_AGENT_H

struct agent;
struct conf;

/* Takes ownership of conf.  NULL on failure, after logging why. */
struct agent	*agent_new(struct conf *);
void		 agent_free(struct agent *);
/* Runs until SIGTERM or SIGINT; returns the process exit code. */
int		 agent_run(struct agent *);

#endif
