/*
 * hello.c — the smallest program using the gardien library: create a vault,
 * store a customer's email for billing, find the customer by identifier, read
 * the record for a purpose, see a refusal, erase.
 *
 *   cc hello.c -I include build/libgardien.a $(pkg-config --libs libsodium sqlite3 jansson libfyaml liboath) -lm -lpthread
 */
#include <stdio.h>
#include <string.h>

#include "gardien.h"

#define TRY(expr) \
	do { \
		if ((rc = (expr)) < 0) { \
			fprintf(stderr, "%s: %s\n", #expr, gd_error_last()); \
			goto done; \
		} \
	} while (0)

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "hello.db";
	gd_vault *v = NULL;
	gd_actor *a = NULL;
	gd_record *r = NULL;
	char id[GD_SUBJECT_ID_SIZE], found[GD_SUBJECT_ID_SIZE];
	int64_t rec;
	int rc;

	TRY(gd_vault_init(path, NULL)); /* also writes hello.db.key, mode 0600 */
	TRY(gd_vault_open(&v, path, NULL));
	TRY(gd_tenant_create(v, "acme", "33"));
	TRY(gd_actor_open(&a, v, "acme", "app:hello"));

	TRY(gd_subject_create(a, id));
	TRY(gd_subject_add_identifier(a, id, "email", "Ana@Example.org"));
	gd_record_spec spec = GD_RECORD_SPEC_INIT;
	spec.activity = "billing";
	spec.category = "user.contact.email";
	spec.value = "ana@example.org";
	spec.value_len = strlen(spec.value);
	TRY(gd_record_put(a, &rec, id, &spec));

	TRY(gd_subject_find(a, found, "email", "  ANA@example.org "));
	TRY(gd_record_get(a, &r, rec, "billing"));
	printf("%s: %s = %s\n", found, r->category, (const char *)r->value);
	gd_record_free(r);
	r = NULL;

	if (gd_record_get(a, &r, rec, "marketing") == GD_EDENIED)
		printf("refused: %s\n", gd_error_last());

	TRY(gd_subject_erase(a, id));
	printf("erased: %s\n", gd_subject_find(a, found, "email", "ana@example.org") == GD_ENOTFOUND
	                               ? "not found any more"
	                               : "STILL THERE");
done:
	gd_record_free(r);
	gd_actor_close(a);
	gd_vault_close(v);
	return rc < 0 ? 1 : 0;
}
