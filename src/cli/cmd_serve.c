/* cmd_serve.c — gardien serve: the HTTP/JSON API (src/server/, docs/server.md). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "server.h"

static int parse_uint(struct cli *c, const char *opt, const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long x = strtoul(s, &end, 10);
	if (!*s || *end || x < lo || x > hi)
		return cli_usage(c, "serve", "%s takes a number from %u to %u", opt, lo, hi);
	*out = (unsigned)x;
	return EXIT_OK;
}

int cli_serve_run(struct cli *c, int argc, char **argv)
{
	struct server_config cfg = {.vault_path = c->vault_path, .key_path = c->key_path, .now = c->now, .key_fd = c->key_fd, .key_command = c->key_command, .key_pkcs11 = c->key_pkcs11, .ordered_writes = c->ordered_writes, .host = "127.0.0.1", .port = 8080, .threads = 16, .timeout = 30, .connections = 1024, .per_client = 64, .deadline = 60};
	char host[64];
	int rc;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--openapi") == 0) {
			json_t *doc = api_openapi();
			json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
			fputc('\n', stdout);
			json_decref(doc);
			return EXIT_OK;
		}
		if (strcmp(a, "--bind-client-cert") == 0) {
			cfg.bind_client_cert = true;
			continue;
		}
		if (i + 1 >= argc)
			return cli_usage(c, "serve", "unexpected argument '%s'", a);
		const char *val = argv[++i];
		if (strcmp(a, "--listen") == 0) {
			/* IPv4 "127.0.0.1:8080" or IPv6 in brackets "[::1]:8080". */
			const char *colon = strrchr(val, ':'), *h = val;
			size_t hn = colon ? (size_t)(colon - val) : 0;
			if (val[0] == '[') {
				if (!colon || hn < 3 || colon[-1] != ']')
					return cli_usage(c, "serve", "--listen takes [IPV6]:PORT for IPv6, e.g. [::1]:8080");
				h = val + 1, hn -= 2;
			} else if (colon && memchr(val, ':', hn)) {
				return cli_usage(c, "serve", "--listen: write an IPv6 address in brackets, e.g. [::1]:8080");
			}
			if (!colon || hn == 0 || hn >= sizeof host)
				return cli_usage(c, "serve", "--listen takes ADDRESS:PORT, e.g. 127.0.0.1:8080 or [::1]:8080");
			snprintf(host, sizeof host, "%.*s", (int)hn, h);
			cfg.host = host;
			if ((rc = parse_uint(c, "the port", colon + 1, 0, 65535, &cfg.port)) != EXIT_OK)
				return rc;
		} else if (strcmp(a, "--cert") == 0) {
			cfg.cert = val;
		} else if (strcmp(a, "--cert-key") == 0) {
			cfg.cert_key = val;
		} else if (strcmp(a, "--threads") == 0) {
			if ((rc = parse_uint(c, a, val, 1, 64, &cfg.threads)) != EXIT_OK)
				return rc;
		} else if (strcmp(a, "--timeout") == 0) {
			if ((rc = parse_uint(c, a, val, 1, 3600, &cfg.timeout)) != EXIT_OK)
				return rc;
		} else if (strcmp(a, "--max-connections") == 0) {
			if ((rc = parse_uint(c, a, val, 1, 100000, &cfg.connections)) != EXIT_OK)
				return rc;
		} else if (strcmp(a, "--max-per-client") == 0) {
			if ((rc = parse_uint(c, a, val, 0, 100000, &cfg.per_client)) != EXIT_OK)
				return rc;
		} else if (strcmp(a, "--deadline") == 0) {
			if ((rc = parse_uint(c, a, val, 1, 3600, &cfg.deadline)) != EXIT_OK)
				return rc;
		} else if (strcmp(a, "--access-log") == 0) {
			cfg.access_log = val;
		} else if (strcmp(a, "--probe-token-file") == 0) {
			cfg.probe_token_file = val;
		} else if (strcmp(a, "--client-ca") == 0) {
			cfg.client_ca = val;
		} else {
			return cli_usage(c, "serve", "unexpected argument '%s'", a);
		}
	}
	if (!cfg.cert != !cfg.cert_key)
		return cli_usage(c, "serve", "TLS needs both --cert FILE and --cert-key FILE");
	if (cfg.bind_client_cert && !cfg.client_ca)
		return cli_usage(c, "serve", "--bind-client-cert needs client certificates: --client-ca FILE");
	if (cfg.client_ca && !cfg.cert)
		return cli_usage(c, "serve", "--client-ca (client certificates) needs TLS: --cert FILE --cert-key FILE");
	/* Every thread inherits the blocked signals; the main thread waits for them. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP); /* reloads the certificates (server_run) */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = server_run(&cfg);
	return rc;
}
