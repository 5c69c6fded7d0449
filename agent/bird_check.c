/* Does BIRD do what anycastd intends?  The agent's judgement of the view
 * that the BIRD client (agent/bird) reports: the client only says what BIRD
 * exports, this file decides whether that agrees with the link's intended
 * state, and when a disagreement has lasted long enough to warn about. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bird.h"
#include "bird_check.h"
#include "prefix.h"
#include "text.h"

bool
bird_view_exports(const struct bird_view *v, char *why, size_t whylen)
{
	char net[PREFIX_STRLEN];
	int i, j;

	for (i = 0; i < v->nprotos; i++) {
		if (v->nprefixes == 0 && v->protos[i].routes > 0) {
			snprintf(why, whylen, "BIRD exports %ld route(s) to %s",
			    v->protos[i].routes, v->protos[i].name);
			return true;
		}
		for (j = 0; j < v->nprefixes; j++)
			if (v->protos[i].exported & ((uint64_t)1 << j)) {
				snprintf(why, whylen, "BIRD exports %s to %s",
				    prefix_fmt(&v->prefixes[j], net,
				    sizeof(net)), v->protos[i].name);
				return true;
			}
	}
	return false;
}

bool
bird_view_agrees(const struct bird_view *v, bool want_announced, char *why,
    size_t whylen)
{
	char net[PREFIX_STRLEN];
	int i, j;
	bool any;

	if (whylen > 0)
		why[0] = '\0';
	if (v->polled_us == 0)
		return true;
	if (!v->reachable) {
		snprintf(why, whylen, "BIRD unreachable: %s", v->error);
		return false;
	}
	if (!want_announced)
		return !bird_view_exports(v, why, whylen);
	if (v->nprotos == 0) {
		snprintf(why, whylen, "BIRD has no BGP protocol");
		return false;
	}
	if (v->nprefixes == 0) {
		for (i = 0; i < v->nprotos; i++)
			if (v->protos[i].established && v->protos[i].routes > 0)
				return true;
		snprintf(why, whylen,
		    "BIRD exports no route to an established BGP protocol");
		return false;
	}
	for (j = 0; j < v->nprefixes; j++) {
		any = false;
		for (i = 0; i < v->nprotos; i++)
			if (v->protos[i].established &&
			    (v->protos[i].exported & ((uint64_t)1 << j)))
				any = true;
		if (!any) {
			snprintf(why, whylen, "BIRD exports %s to no "
			    "established BGP protocol", prefix_fmt(
			    &v->prefixes[j], net, sizeof(net)));
			return false;
		}
	}
	return true;
}

enum bird_mismatch_event
bird_mismatch_step(struct bird_mismatch *m, const struct bird_view *v,
    bool want_announced, uint64_t now_us, uint64_t grace_us)
{
	char why[sizeof(m->why)];
	bool agrees, was_flagged = m->flagged;

	agrees = bird_view_agrees(v, want_announced, why, sizeof(why));
	if (want_announced != m->want) {
		m->want = want_announced;
		m->disagree = false;
	}
	if (agrees) {
		m->disagree = false;
		m->flagged = false;
		m->why[0] = '\0';
		return was_flagged ? BIRD_MISMATCH_CLEARED : BIRD_MISMATCH_NONE;
	}
	if (!m->disagree) {
		m->disagree = true;
		m->since_us = now_us;
	}
	text_copy(m->why, sizeof(m->why), why);
	if (was_flagged)
		return BIRD_MISMATCH_NONE;
	if (now_us - m->since_us >= grace_us) {
		m->flagged = true;
		return BIRD_MISMATCH_RAISED;
	}
	return BIRD_MISMATCH_NONE;
}

