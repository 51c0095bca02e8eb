/*
 * progress.c — the one progress line of long operations, on stderr and only
 * when stderr is a terminal (and not with --json): a script or a pipe sees
 * none of it. Two kinds of work use it: work the library counts (a callback
 * gives done/total: sweep, verify, event import, backup bytes) redraws a
 * counter; work it does not count (a backup's snapshot, key rotation) gets a
 * ticker thread that shows what runs and for how long, so a terminal never
 * looks hung. A ticker stops at the first count (a backup: the snapshot is
 * taken, the bytes are counted). The line is cleared when the work ends,
 * before the result is printed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_start(struct cli *c, struct cli_progress *p, const char *what)
{
	memset(p, 0, sizeof *p);
	p->on = !c->json && isatty(STDERR_FILENO);
	p->what = what;
	p->start = now_s();
	if (p->on) {
		fprintf(stderr, "\r%s…", what);
		fflush(stderr);
	}
}

static void stop_ticker(struct cli_progress *p)
{
	if (p->ticking) {
		atomic_store(&p->stop, true);
		pthread_join(p->thread, NULL);
		p->ticking = false;
	}
}

void cli_progress_count(struct cli_progress *p, uint64_t done, uint64_t total)
{
	if (!p->on)
		return;
	stop_ticker(p);
	double t = now_s();
	/* At most ten redraws a second, and always the last. */
	if (done != total && t - p->last < 0.1)
		return;
	p->last = t;
	if (total) {
		int width = 30, filled = (int)(done * (uint64_t)width / (total > done ? total : done));
		fprintf(stderr, "\r\033[K%s [%.*s%*s] %llu/%llu", p->what, filled, "##############################",
		        width - filled, "", (unsigned long long)done, (unsigned long long)total);
	} else {
		fprintf(stderr, "\r\033[K%s: %llu", p->what, (unsigned long long)done);
	}
	fflush(stderr);
}

static void *tick(void *arg)
{
	struct cli_progress *p = arg;
	struct timespec step = {0, 200000000};
	while (!atomic_load(&p->stop)) {
		nanosleep(&step, NULL);
		double t = now_s() - p->start;
		if (!atomic_load(&p->stop) && t >= 1) {
			fprintf(stderr, "\r\033[K%s… %.0f s", p->what, t);
			fflush(stderr);
		}
	}
	return NULL;
}

void cli_progress_ticker(struct cli *c, struct cli_progress *p, const char *what)
{
	cli_progress_start(c, p, what);
	if (p->on && pthread_create(&p->thread, NULL, tick, p) == 0)
		p->ticking = true;
}

void cli_progress_bytes(struct cli_progress *p, uint64_t done, uint64_t total)
{
	if (!p->on)
		return;
	stop_ticker(p);
	double t = now_s();
	if (done != total && t - p->last < 0.1)
		return;
	p->last = t;
	int width = 30, filled = total ? (int)(done * (uint64_t)width / (total > done ? total : done)) : 0;
	fprintf(stderr, "\r\033[K%s [%.*s%*s] %.1f/%.1f MB", p->what, filled, "##############################",
	        width - filled, "", (double)done / 1e6, (double)total / 1e6);
	fflush(stderr);
}

void cli_progress_end(struct cli_progress *p)
{
	stop_ticker(p);
	if (p->on) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->on = false;
}
