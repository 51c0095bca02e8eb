/*
 * tenant.c — tenants and actors. A tenant is a name, a country calling code
 * and a random key-encryption key (KEK) sealed by the master key with the
 * tenant's name as associated data; an actor is a tenant opened for one
 * principal: it holds the unwrapped KEK and the blind-index key derived from
 * it, in secure memory, until gd_actor_close.
 *
 * Actors are opened here for the operator (gd_actor_open: the master key's
 * holder, every right) and, through it, from a token by auth_actor.c, which
 * adds the token's rights (struct gd__authz).
 */
#include <stdio.h>
#include <string.h>

#include "lib/internal.h"

static int check_tenant_name(const char *name)
{
	if (!name || !*name)
		return gd__err(GD_EINVAL, "tenant name is missing");
	size_t n = strlen(name);
	if (n > 64)
		return gd__err(GD_ETOOBIG, "tenant name is longer than 64 bytes");
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return gd__err(GD_EINVAL, "tenant name \"%s\" may hold only a-z, 0-9, '_' and '-'", name);
	return 0;
}

size_t gd__tenant_ad(unsigned char *ad, const char *name)
{
	size_t n = strlen(name);
	memcpy(ad, "gardien tenant v1:", 18);
	memcpy(ad + 18, name, n);
	return 18 + n;
}

int gd_tenant_create(gd_vault *v, const char *name, const char *country_code)
{
	int rc;
	if ((rc = check_tenant_name(name)) < 0)
		return rc;
	if (country_code && (strlen(country_code) < 1 || strlen(country_code) > 3 ||
	                     strspn(country_code, "0123456789") != strlen(country_code)))
		return gd__err(GD_EINVAL, "country calling code \"%s\" must be 1 to 3 digits, e.g. 33",
		               country_code);
	unsigned char kek[GD__KEY_SIZE], wrapped[GD__KEY_SIZE + GD__SEAL_OVERHEAD], ad[96];
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	/* Under the master the vault is under now (another process may have rotated it). */
	if ((rc = gd__vault_check_master(v)) < 0)
		return gd__op_end(v, rc);
	gd__random(kek, sizeof kek);
	rc = gd__master_seal(v, v->master_version, wrapped, kek, sizeof kek, ad, gd__tenant_ad(ad, name));
	gd__wipe(kek, sizeof kek);
	if (rc < 0)
		return gd__op_end(v, rc);
	rc = gd__db_exec(v->store,
	                 "INSERT INTO tenants (name, country_code, created_at, wrapped_key) VALUES (?, ?, ?, ?)",
	                 "ttib", name, country_code, (int64_t)gd_vault_now(v), wrapped, sizeof wrapped);
	if (rc == GD_EEXISTS)
		rc = gd__err(GD_EEXISTS, "tenant \"%s\" already exists", name);
	if (rc == 0)
		rc = gd__audit_append(v, 0, "system",
		                      &(struct gd__audit_event){.action = "tenant.create", .reason = name});
	return gd__op_end(v, rc);
}

int gd_tenant_set_epoch(gd_vault *v, const char *name, int64_t seconds)
{
	int rc = check_tenant_name(name);
	if (rc < 0)
		return rc;
	if (seconds < 3600 || seconds > 366 * 86400LL)
		return gd__err(GD_EINVAL, "an erasure epoch lasts from one hour to 366 days, not %lld seconds",
		               (long long)seconds);
	if ((rc = gd__op_begin(v)) < 0)
		return rc;
	int64_t id = 0;
	rc = gd__db_int(v->store, &id, "SELECT id FROM tenants WHERE name = ?", "t", name);
	if (rc == GD_ENOTFOUND)
		rc = gd__err(GD_ENOTFOUND, "no tenant \"%s\" in this vault", name);
	if (rc == 0)
		rc = gd__db_exec(v->store, "UPDATE tenants SET epoch_seconds = ? WHERE id = ?", "ii", seconds, id);
	if (rc == 0) {
		char why[96];
		snprintf(why, sizeof why, "%s: erasure epochs of %lld s", name, (long long)seconds);
		rc = gd__audit_append(v, id, "system", &(struct gd__audit_event){.action = "tenant.epoch", .reason = why});
	}
	return gd__op_end(v, rc);
}

int gd__tenant_set_key(gd_vault *v, int64_t tenant_id, const void *wrapped, size_t n)
{
	return gd__db_exec(v->store, "UPDATE tenants SET wrapped_key = ? WHERE id = ?", "bi", wrapped, n, tenant_id);
}

int gd_tenant_list(gd_vault *v, int (*cb)(void *ud, const char *name), void *ud)
{
	gd__stmt *st;
	int rc = gd__db_query(v->store, &st, "SELECT name FROM tenants ORDER BY id", NULL);
	if (rc < 0)
		return rc;
	while ((rc = gd__db_step(v->store, st)) == 1)
		if ((rc = cb(ud, gd__col_text(v->store, st, 0))) != 0)
			break;
	gd__db_reset(v->store, st);
	return rc;
}

int gd_actor_open(gd_actor **out, gd_vault *v, const char *tenant, const char *principal)
{
	gd_actor *a = NULL;
	gd__stmt *st = NULL;
	int rc;

	*out = NULL;
	if ((rc = check_tenant_name(tenant)) < 0 || (rc = gd__check_name(principal, "principal")) < 0)
		return rc;
	if (!(a = gd__calloc(1, sizeof *a)))
		return GD_ENOMEM;
	a->v = v;
	snprintf(a->tenant, sizeof a->tenant, "%s", tenant);
	snprintf(a->principal, sizeof a->principal, "%s", principal);
	if (!(a->keys = gd__secure_alloc(GD__ACTOR_KEYS_SIZE))) {
		rc = gd__err(GD_ENOMEM, "out of secure memory");
		goto done;
	}
	rc = gd__db_query(v->store, &st,
	                  "SELECT id, country_code, wrapped_key FROM tenants WHERE name = ?", "t", tenant);
	if (rc < 0)
		goto done;
	rc = gd__db_step(v->store, st);
	if (rc == 0)
		rc = gd__err(GD_ENOTFOUND, "no tenant \"%s\" in this vault: create it with 'gardien tenant create'", tenant);
	if (rc < 0)
		goto done;
	a->tenant_id = gd__col_int(v->store, st, 0);
	const char *cc = gd__col_text(v->store, st, 1);
	snprintf(a->country_code, sizeof a->country_code, "%s", cc ? cc : "");
	size_t n;
	const void *wrapped = gd__col_blob(v->store, st, 2, &n);
	/* The KEK and what it derives (keys/tenant_key.c, which also follows a tenant-key rotation). */
	rc = gd__actor_keys_load(a, wrapped, n);
done:
	if (st)
		gd__db_reset(v->store, st);
	if (rc < 0)
		gd_actor_close(a);
	else
		*out = a;
	return rc < 0 ? rc : 0;
}

void gd_actor_close(gd_actor *a)
{
	if (!a)
		return;
	gd__secure_free(a->keys);
	gd__free(a->authz);
	gd__free(a);
}
