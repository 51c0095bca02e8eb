/*
 * throttle.c — growing delays after failed logins, per client address and per
 * account name, in the server's memory (docs/server.md, "Login throttling").
 *
 * An entry counts the failures of one key: "a:" and the client address, or
 * "n:" tenant "\n" name — whether or not that name exists, so that an unknown
 * name is throttled exactly like a known one. The `free`-th failure and each
 * further one make the key wait: 1 s, doubling, at most `cap` seconds; the
 * wait is measured on the vault's clock in whole seconds (a fixed clock in
 * tests, so a wait there never ends) and Retry-After is rounded up: once it
 * has passed, the next attempt is tried.
 * A key idle for longer than its cap starts again from zero. The table is
 * bounded (THROTTLE_SLOTS per kind): when full, the entry idle the longest is
 * forgotten. One mutex; logins are rare and Argon2id costs far more.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "server.h"

#define THROTTLE_SLOTS 4096
#define KEY_MAX 200

struct slot {
	char key[KEY_MAX];
	int failures;
	double last;  /* time of the last failure */
	double until; /* no attempt before it */
};

static struct slot slots[THROTTLE_SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void make_key(char *k, const char *client, const char *tenant, const char *name)
{
	if (client)
		snprintf(k, KEY_MAX, "a:%s", client);
	else
		snprintf(k, KEY_MAX, "n:%.64s\n%.120s", tenant ? tenant : "", name ? name : "");
}

/* The slot of key, or NULL; with `make`, a fresh or recycled one. */
static struct slot *find(const char *key, bool make, double now, double cap)
{
	struct slot *empty = NULL, *oldest = NULL;
	for (size_t i = 0; i < THROTTLE_SLOTS; i++) {
		struct slot *s = &slots[i];
		if (!s->key[0]) {
			if (!empty)
				empty = s;
			continue;
		}
		if (strcmp(s->key, key) == 0) {
			if (now - s->last > cap && now >= s->until)
				s->failures = 0; /* idle long enough: forgiven */
			return s;
		}
		if (!oldest || s->last < oldest->last)
			oldest = s;
	}
	if (!make)
		return NULL;
	struct slot *s = empty ? empty : oldest;
	memset(s, 0, sizeof *s);
	snprintf(s->key, KEY_MAX, "%s", key);
	return s;
}

static int wait_of(const struct slot *s, double now)
{
	if (!s || s->until <= now)
		return 0;
	double w = s->until - now;
	int secs = (int)w;
	return secs < w ? secs + 1 : secs;
}

void api_throttle_check(const struct api_throttle *t, const char *client, const char *tenant, const char *name,
                        int *addr_wait, int *name_wait)
{
	char ka[KEY_MAX], kn[KEY_MAX];
	make_key(ka, client ? client : "", NULL, NULL);
	make_key(kn, NULL, tenant, name);
	double now = (double)t->now;
	pthread_mutex_lock(&lock);
	*addr_wait = wait_of(find(ka, false, now, t->addr_cap), now);
	*name_wait = wait_of(find(kn, false, now, t->name_cap), now);
	pthread_mutex_unlock(&lock);
}

static int fail_one(const char *key, int free_, double cap, double now)
{
	struct slot *s = find(key, true, now, cap);
	s->failures++;
	s->last = now;
	int k = s->failures - free_;
	if (k >= 0) {
		double d = k >= 30 ? cap : (double)(1u << k);
		s->until = now + (d < cap ? d : cap);
	}
	return wait_of(s, now);
}

void api_throttle_fail(const struct api_throttle *t, const char *client, const char *tenant, const char *name,
                       int *addr_wait, int *name_wait)
{
	char ka[KEY_MAX], kn[KEY_MAX];
	make_key(ka, client ? client : "", NULL, NULL);
	make_key(kn, NULL, tenant, name);
	double now = (double)t->now;
	pthread_mutex_lock(&lock);
	*addr_wait = fail_one(ka, t->addr_free, t->addr_cap, now);
	*name_wait = fail_one(kn, t->name_free, t->name_cap, now);
	pthread_mutex_unlock(&lock);
}

void api_throttle_success(const char *tenant, const char *name)
{
	char kn[KEY_MAX];
	make_key(kn, NULL, tenant, name);
	pthread_mutex_lock(&lock);
	struct slot *s = find(kn, false, 0, 1e18);
	if (s)
		memset(s, 0, sizeof *s);
	pthread_mutex_unlock(&lock);
}
