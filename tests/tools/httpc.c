/*
 * httpc.c — raw HTTP for the server tests, where curl is too polite: bytes
 * sent exactly as given, clients that vanish mid-request, and a bounded
 * slowloris. Loopback only: it refuses any address outside 127.0.0.0/8 and ::1.
 *
 *   httpc send ADDR PORT [SRC]      stdin sent as is; the answer to stdout
 *   httpc abort ADDR PORT COUNT     stdin sent COUNT times, each connection
 *                                   closed before the answer comes
 *   httpc slowloris ADDR PORT N SECONDS [SRC]
 *                                   N connections trickling header bytes, for
 *                                   at most SECONDS; prints how many the
 *                                   server closed and how many got an answer
 *
 * Every wait is bounded (20 s for an answer, SECONDS for the attack).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *m)
{
	fprintf(stderr, "httpc: %s: %s\n", m, strerror(errno));
	exit(2);
}

static int dial(const char *addr, const char *port, const char *src)
{
	struct sockaddr_storage ss = {0};
	socklen_t len;
	int fam;
	unsigned p = (unsigned)atoi(port);
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		fam = AF_INET6, len = sizeof *s6;
		s6->sin6_family = AF_INET6, s6->sin6_port = htons((uint16_t)p);
		if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1 || !IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
			errno = EINVAL, die("only ::1");
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		fam = AF_INET, len = sizeof *s4;
		s4->sin_family = AF_INET, s4->sin_port = htons((uint16_t)p);
		if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1 || (ntohl(s4->sin_addr.s_addr) >> 24) != 127)
			errno = EINVAL, die("only 127.0.0.0/8");
	}
	int fd = socket(fam, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	if (src) {
		struct sockaddr_in b = {.sin_family = AF_INET};
		if (inet_pton(AF_INET, src, &b.sin_addr) != 1 || (ntohl(b.sin_addr.s_addr) >> 24) != 127)
			errno = EINVAL, die("source: only 127.0.0.0/8");
		if (bind(fd, (struct sockaddr *)&b, sizeof b) < 0)
			die("bind");
	}
	if (connect(fd, (struct sockaddr *)&ss, len) < 0)
		die("connect");
	return fd;
}

static char *read_stdin(size_t *n)
{
	size_t cap = 1 << 16;
	char *b = malloc(cap);
	*n = 0;
	for (ssize_t r; b && (r = read(0, b + *n, cap - *n)) > 0;) {
		*n += (size_t)r;
		if (*n == cap && !(b = realloc(b, cap *= 2)))
			die("memory");
	}
	return b;
}

static void send_all(int fd, const char *b, size_t n)
{
	while (n) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
		if (w < 0)
			die("send");
		b += w, n -= (size_t)w;
	}
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "send") == 0) {
		size_t n;
		char *req = read_stdin(&n);
		int fd = dial(argv[2], argv[3], argc > 4 ? argv[4] : NULL);
		send_all(fd, req, n);
		char buf[65536];
		double end = now_s() + 20;
		for (;;) {
			struct pollfd pf = {fd, POLLIN, 0};
			if (poll(&pf, 1, 1000) < 0 || now_s() > end)
				break;
			if (!pf.revents)
				continue;
			ssize_t r = read(fd, buf, sizeof buf);
			if (r <= 0)
				break;
			fwrite(buf, 1, (size_t)r, stdout);
		}
		close(fd);
		free(req);
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "abort") == 0) {
		size_t n;
		char *req = read_stdin(&n);
		int count = atoi(argv[4]), fds[64];
		/* Waves of up to 64 requests at once, so that the committer still
		 * works on them when their clients vanish (they close: FIN). */
		for (int done = 0; done < count && done < 1000;) {
			int k = 0;
			for (; k < 64 && done + k < count; k++) {
				fds[k] = dial(argv[2], argv[3], NULL);
				/* A server at its per-client limit closes at once: that
				 * connection is simply one client less. */
				if (send(fds[k], req, n, MSG_NOSIGNAL) < 0)
					shutdown(fds[k], SHUT_RDWR);
			}
			nanosleep(&(struct timespec){0, 2000000}, NULL);
			for (int i = 0; i < k; i++) {
				shutdown(fds[i], SHUT_WR);
				close(fds[i]);
			}
			done += k;
		}
		free(req);
		return 0;
	}
	if (argc >= 6 && strcmp(argv[1], "slowloris") == 0) {
		int n = atoi(argv[4]);
		double secs = atof(argv[5]);
		if (n < 1 || n > 2000 || secs <= 0 || secs > 120)
			errno = EINVAL, die("N is 1..2000 and SECONDS 1..120");
		struct pollfd *pf = calloc((size_t)n, sizeof *pf);
		int closed = 0, answered = 0, open = n;
		static const char head[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
		for (int i = 0; i < n; i++) {
			pf[i].fd = dial(argv[2], argv[3], argc > 6 ? argv[6] : NULL);
			pf[i].events = POLLIN;
			if (send(pf[i].fd, head, sizeof head - 1, MSG_NOSIGNAL) < 0)
				pf[i].fd = -pf[i].fd - 1, closed++, open--;
		}
		double end = now_s() + secs, next = now_s() + 0.5;
		while (open > 0 && now_s() < end) {
			poll(pf, (nfds_t)n, 100);
			for (int i = 0; i < n; i++) {
				if (pf[i].fd < 0 || !pf[i].revents)
					continue;
				char b[512];
				ssize_t r = read(pf[i].fd, b, sizeof b);
				if (r > 0) {
					answered++;
					continue;
				}
				close(pf[i].fd);
				pf[i].fd = -1, closed++, open--;
			}
			if (now_s() >= next) {
				/* one more header byte on every connection still open */
				for (int i = 0; i < n; i++)
					if (pf[i].fd >= 0 && send(pf[i].fd, "a", 1, MSG_NOSIGNAL) < 0) {
						close(pf[i].fd);
						pf[i].fd = -1, closed++, open--;
					}
				next = now_s() + 0.5;
			}
		}
		for (int i = 0; i < n; i++)
			if (pf[i].fd >= 0)
				close(pf[i].fd);
		printf("connections=%d closed=%d answered=%d\n", n, closed, answered);
		free(pf);
		return 0;
	}
	fprintf(stderr, "usage: httpc send ADDR PORT [SRC] | abort ADDR PORT COUNT | slowloris ADDR PORT N SECONDS [SRC]\n");
	return 2;
}
