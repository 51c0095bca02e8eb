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

int cli_serve_run(struct cli *c, const struct cli_args *a)
{
	struct server_config cfg = {.vault_path = c->vault_path, .key_path = c->key_path, .now = c->now, .key_fd = c->key_fd, .key_command = c->key_command, .key_pkcs11 = c->key_pkcs11, .ordered_writes = c->ordered_writes, .host = "127.0.0.1", .port = 8080, .threads = 16, .timeout = 30, .connections = 1024, .per_client = 64, .deadline = 60};
	char host[64];
	int rc;
	const char *val;
	if (cli_flag(a, "--openapi")) {
		json_t *doc = api_openapi();
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		fputc('\n', stdout);
		json_decref(doc);
		return EXIT_OK;
	}
	cfg.bind_client_cert = cli_flag(a, "--bind-client-cert");
	if ((val = cli_arg(a, "--listen"))) {
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
	}
	const struct {
		const char *opt;
		unsigned lo, hi, *slot;
	} nums[] = {
		{"--threads", 1, 64, &cfg.threads},
		{"--timeout", 1, 3600, &cfg.timeout},
		{"--max-connections", 1, 100000, &cfg.connections},
		{"--max-per-client", 0, 100000, &cfg.per_client},
		{"--deadline", 1, 3600, &cfg.deadline},
	};
	for (size_t k = 0; k < sizeof nums / sizeof *nums; k++)
		if ((val = cli_arg(a, nums[k].opt)) &&
		    (rc = parse_uint(c, nums[k].opt, val, nums[k].lo, nums[k].hi, nums[k].slot)) != EXIT_OK)
			return rc;
	cfg.cert = cli_arg(a, "--cert");
	cfg.cert_key = cli_arg(a, "--cert-key");
	cfg.access_log = cli_arg(a, "--access-log");
	cfg.probe_token_file = cli_arg(a, "--probe-token-file");
	cfg.client_ca = cli_arg(a, "--client-ca");
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
