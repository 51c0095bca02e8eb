/*
 * cmd_directive.c — gardien directive set/show/apply: post-mortem directives
 * (French law 78-17, art. 85). The copy handed to the designated person holds
 * personal data: written to a new file readable by its owner only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int write_fd(void *ud, const void *p, size_t n)
{
	int fd = *(int *)ud;
	const char *s = p;
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return 1;
		s += w, n -= (size_t)w;
	}
	return 0;
}

static int show(void *ud, const gd_directive *d)
{
	struct cli *c = ud;
	char t[32], u[32];
	if (c->json) {
		cli_print_json(json_pack("{s:s,s:s,s:s,s:s,s:s,s:s?}", "wish", gd_directive_wish_name(d->wish),
		                         "designated", d->designated, "contact", d->contact, "text", d->text,
		                         "recorded_at", cli_time(d->recorded_at, t), "applied_at",
		                         d->applied_at ? cli_time(d->applied_at, u) : NULL));
	} else {
		printf("wish: %s\ndesignated: %s (%s)\n", gd_directive_wish_name(d->wish), d->designated, d->contact);
		if (*d->text)
			printf("words: %s\n", d->text);
		printf("recorded: %s\napplied: %s\n", cli_time(d->recorded_at, t),
		       d->applied_at ? cli_time(d->applied_at, u) : "not yet");
	}
	return 0;
}

int cmd_directive(struct cli *c, int argc, char **argv)
{
	const struct cli_args *a = c->args;
	(void)argc, (void)argv;
	if (a->npos < 2)
		return cli_usage(c, "directive", "directive takes: set|show|apply SUBJECT …");
	if (a->npos > 2)
		return cli_usage(c, "directive", "unexpected argument '%s'", a->pos[2]);
	const char *sub = a->pos[0], *subject = a->pos[1];
	const char *designated = cli_arg(a, "--designated"), *contact = cli_arg(a, "--contact"),
		   *wish = cli_arg(a, "--wish"), *text = cli_arg(a, "--text"), *output = cli_arg(a, "--output");
	bool to_stdout = output && strcmp(output, "-") == 0;
	int rc;
	if (strcmp(sub, "set") == 0) {
		gd_directive d = {.designated = designated, .contact = contact, .text = text};
		if (!designated || !contact || !wish)
			return cli_usage(c, "directive", "directive set needs --designated NAME --contact HOW --wish erase|transmit|keep");
		if (strcmp(wish, "erase") == 0)
			d.wish = GD_DIRECTIVE_ERASE;
		else if (strcmp(wish, "transmit") == 0)
			d.wish = GD_DIRECTIVE_TRANSMIT;
		else if (strcmp(wish, "keep") == 0)
			d.wish = GD_DIRECTIVE_KEEP;
		else
			return cli_usage(c, "directive", "--wish is erase, transmit or keep, not '%s'", wish);
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		if ((rc = gd_directive_set(c->actor, subject, &d)) < 0)
			return cli_fail(c, rc);
		if (!c->json)
			printf("recorded the post-mortem directive of %s: %s\n", subject, wish);
		return EXIT_OK;
	}
	if (strcmp(sub, "show") == 0) {
		if ((rc = cli_open(c, true)) != EXIT_OK)
			return rc;
		return (rc = gd_directive_get(c->actor, subject, show, c)) < 0 ? cli_fail(c, rc) : EXIT_OK;
	}
	if (strcmp(sub, "apply") != 0)
		return cli_usage(c, "directive", "unknown subcommand '%s': set, show or apply", sub);
	if ((rc = cli_open(c, true)) != EXIT_OK)
		return rc;
	int fd = to_stdout ? STDOUT_FILENO : -1;
	if (output && !to_stdout && (fd = open(output, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0) {
		fprintf(stderr, "gardien: cannot create %s: %s (it must not exist yet)\n", output, strerror(errno));
		return EXIT_ERROR;
	}
	enum gd_directive_wish w = GD_DIRECTIVE_KEEP;
	rc = gd_directive_apply(c->actor, subject, fd >= 0 ? write_fd : NULL, &fd, &w);
	if (fd >= 0 && !to_stdout) {
		if (close(fd) != 0 && rc == 0)
			rc = GD_EIO;
		if (rc < 0)
			unlink(output);
	}
	if (rc == GD_EINVAL && !output) {
		fprintf(stderr, "gardien: the directive asks for the data to be handed to the designated person: give --output FILE for the copy\n");
		return EXIT_USAGE;
	}
	if (rc < 0)
		return cli_fail(c, rc);
	/* With --output -, standard output is the copy: the report goes to stderr. */
	fprintf(to_stdout ? stderr : stdout, "applied the post-mortem directive of %s: %s%s%s\n", subject,
	        gd_directive_wish_name(w), w == GD_DIRECTIVE_TRANSMIT ? ", copy written to " : "",
	        w == GD_DIRECTIVE_TRANSMIT ? (to_stdout ? "standard output" : output) : "");
	return EXIT_OK;
}
