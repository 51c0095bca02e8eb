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
	struct server_config cfg = {.vault_path = c->vault_path, .key_path = c->key_path, .now = c->now,
	                            .key_fd = c->key_fd, .key_command = c->key_command, .key_pkcs11 = c->key_pkcs11,
	                            .host = "127.0.0.1", .port = 8080, .threads = 16, .timeout = 30,
	                            .connections = 1024};
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
		if (i + 1 >= argc)
			return cli_usage(c, "serve", "unexpected argument '%s'", a);
		const char *val = argv[++i];
		if (strcmp(a, "--listen") == 0) {
			const char *colon = strrchr(val, ':');
			if (!colon || colon == val || (size_t)(colon - val) >= sizeof host)
				return cli_usage(c, "serve", "--listen takes ADDRESS:PORT, e.g. 127.0.0.1:8080");
			snprintf(host, sizeof host, "%.*s", (int)(colon - val), val);
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
		} else {
			return cli_usage(c, "serve", "unexpected argument '%s'", a);
		}
	}
	if (!cfg.cert != !cfg.cert_key)
		return cli_usage(c, "serve", "TLS needs both --cert FILE and --cert-key FILE");
	/* Every thread inherits the blocked signals; the main thread waits for them. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = server_run(&cfg);
	return rc;
}
