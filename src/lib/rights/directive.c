/*
 * directive.c — post-mortem directives (French law 78-17, art. 85): a subject
 * says what is to become of their data after their death — erased, handed to
 * a person they designate, or kept — and, once the death is established, the
 * controller applies it in one audited step (gd_directive_apply).
 *
 * Invariants: a directive is recorded only where the register offers the
 * right ("post_mortem"); the designated person and the words are sealed
 * under the subject's key, plaintext only in secure memory and wiped; a
 * directive is applied once; an erasure follows the rules of every erasure
 * (a legal hold or a minimum retention refuses it, with the reason).
 */
#include <stdio.h>
#include <string.h>

#include "lib/crypto/crypto.h"
#include "lib/internal.h"
#include "lib/register/register.h"
#include "lib/rights/rights.h"

#define PLAIN_MAX (3 * (GD_REASON_MAX + 1))

static const char *const wishes[] = {"erase", "transmit", "keep"};

const char *gd_directive_wish_name(enum gd_directive_wish w)
{
	return (unsigned)w < 3 ? wishes[w] : "?";
}

static size_t directive_ad(unsigned char *ad, size_t cap, int64_t tenant, const char *subject)
{
	int n = snprintf((char *)ad, cap, "gardien directive|%lld|%s", (long long)tenant, subject);
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n
	                                   : cap - 1;
}

/* The register must offer the right (its reason otherwise); a tenant without register accepts. */
static int offered(gd_actor *a)
{
	const struct gd__register *r;
	int rc = gd__rights_register(a, &r);
	if (rc < 0 || !r)
		return rc;
	const struct gd__right *g = gd__register_right(r, "post_mortem");
	if (!g)
		return gd__err(GD_EDENIED, "the register does not offer post-mortem directives: add {kind: post_mortem} to its rights if the notice does");
	if (!g->offered)
		return gd__err(GD_EDENIED, "post-mortem directives are not offered: %s", g->reason ? g->reason : "the register says so");
	return 0;
}

int gd_directive_set(gd_actor *a, const char *subject, const gd_directive *d)
{
	gd_vault *v = a->v;
	struct gd__subject s = {0};
	unsigned char *plain = NULL, *sealed = NULL, ad[160];
	int rc;

	if (!d || (unsigned)d->wish > GD_DIRECTIVE_KEEP)
		return gd__err(GD_EINVAL, "the directive's wish must be erase, transmit or keep");
	if ((rc = gd__check_text(d->designated, "the designated person")) < 0 ||
	    (rc = gd__check_text(d->contact, "the designated person's contact")) < 0 ||
	    (d->text && *d->text && (rc = gd__check_text(d->text, "the directive's words")) < 0))
		return rc;
	size_t n1 = strlen(d->designated), n2 = strlen(d->contact), n3 = d->text ? strlen(d->text) : 0;
	size_t n = n1 + 1 + n2 + 1 + n3;
	if ((rc = offered(a)) < 0)
		return rc;
	if (!(plain = gd__secure_alloc(PLAIN_MAX)) || !(sealed = gd__malloc(n + GD__SEAL_OVERHEAD))) {
		rc = gd__err(GD_ENOMEM, "out of memory");
		goto free;
	}
	memcpy(plain, d->designated, n1 + 1);
	memcpy(plain + n1 + 1, d->contact, n2 + 1);
	if (n3)
		memcpy(plain + n1 + n2 + 2, d->text, n3);
	if ((rc = gd__op_begin(v)) < 0)
		goto free;
	if ((rc = gd__subject_load(a, &s, subject, true)) < 0)
		goto done;
	gd__seal(sealed, s.key, plain, n, ad, directive_ad(ad, sizeof ad, a->tenant_id, subject));
	/* One directive per subject: a new one replaces the old (portable SQL: delete, then insert). */
	rc = gd__db_exec(v->store, "DELETE FROM directives WHERE tenant_id = ? AND subject_id = ?", "ii",
	                 a->tenant_id, s.id);
	if (rc == 0)
		rc = gd__db_exec(v->store,
		                 "INSERT INTO directives (subject_id, tenant_id, wish, sealed, recorded_at, applied_at)"
		                 " VALUES (?, ?, ?, ?, ?, NULL)",
		                 "iiibi", s.id, a->tenant_id, (int64_t)d->wish, sealed, n + GD__SEAL_OVERHEAD,
		                 (int64_t)gd_vault_now(v));
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "directive.set", .subject = subject, .reason = wishes[d->wish]});
done:
	gd__wipe(s.key, sizeof s.key);
	rc = gd__op_end(v, rc);
free:
	gd__secure_free(plain);
	gd__free(sealed);
	return rc;
}

/* Reads the subject's directive; its strings point into `plain` (secure memory, PLAIN_MAX). */
static int load(gd_actor *a, const char *subject, struct gd__subject *s, unsigned char *plain,
                gd_directive *out)
{
	gd__store *db = a->v->store;
	gd__stmt *st;
	unsigned char ad[160];
	int rc = gd__subject_load(a, s, subject, true);
	if (rc < 0)
		return rc;
	if ((rc = gd__db_query(db, &st, "SELECT wish, sealed, recorded_at, applied_at FROM directives"
	                                " WHERE tenant_id = ? AND subject_id = ?",
	                       "ii", a->tenant_id, s->id)) < 0)
		return rc;
	rc = gd__db_step(db, st);
	if (rc == 0)
		rc = gd__err(GD_ENOTFOUND, "subject %s has recorded no post-mortem directive", subject);
	if (rc == 1) {
		size_t n = 0;
		const void *sealed = gd__col_blob(db, st, 1, &n);
		out->wish = (enum gd_directive_wish)gd__col_int(db, st, 0);
		out->recorded_at = gd__col_int(db, st, 2);
		out->applied_at = gd__col_int(db, st, 3);
		if (n < GD__SEAL_OVERHEAD || n - GD__SEAL_OVERHEAD >= PLAIN_MAX || (unsigned)out->wish > GD_DIRECTIVE_KEEP) {
			rc = gd__err(GD_ECORRUPT, "the directive of subject %s is damaged", subject);
		} else if ((rc = gd__open(plain, s->key, sealed, n, ad, directive_ad(ad, sizeof ad, a->tenant_id, subject))) == 0) {
			size_t pn = n - GD__SEAL_OVERHEAD;
			plain[pn] = 0;
			out->designated = (const char *)plain;
			size_t l1 = strnlen(out->designated, pn);
			out->contact = l1 < pn ? (const char *)plain + l1 + 1 : "";
			size_t l2 = l1 < pn ? strnlen(out->contact, pn - l1 - 1) : 0;
			out->text = l1 + l2 + 2 <= pn ? (const char *)plain + l1 + l2 + 2 : "";
		} else {
			rc = gd__err(GD_ECORRUPT, "the directive of subject %s does not authenticate", subject);
		}
	}
	gd__db_reset(db, st);
	return rc;
}

int gd_directive_get(gd_actor *a, const char *subject, int (*cb)(void *ud, const gd_directive *d), void *ud)
{
	struct gd__subject s = {0};
	gd_directive d = {0};
	unsigned char *plain = gd__secure_alloc(PLAIN_MAX);
	int rc, given = 0;
	if (!plain)
		return gd__err(GD_ENOMEM, "out of secure memory");
	if ((rc = gd__op_begin_read(a->v)) < 0)
		goto free;
	rc = load(a, subject, &s, plain, &d);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "directive.read", .subject = subject});
	if (rc == 0 && cb)
		given = cb(ud, &d);
	gd__wipe(s.key, sizeof s.key);
	rc = gd__op_end_given(a->v, rc, given);
free:
	gd__secure_free(plain);
	return rc;
}

int gd_directive_apply(gd_actor *a, const char *subject, gd_write_cb w, void *ud, enum gd_directive_wish *out)
{
	gd_vault *v = a->v;
	struct gd__subject s = {0};
	gd_directive d = {0};
	unsigned char *plain = gd__secure_alloc(PLAIN_MAX);
	int rc;
	if (!plain)
		return gd__err(GD_ENOMEM, "out of secure memory");
	if ((rc = gd__op_begin(v)) < 0)
		goto free;
	if ((rc = load(a, subject, &s, plain, &d)) < 0)
		goto done;
	gd__wipe(s.key, sizeof s.key);
	if (d.applied_at) {
		char t[32];
		gd_time_format(t, d.applied_at);
		rc = gd__err(GD_ESTATE, "the directive of subject %s was applied on %s already", subject, t);
		goto done;
	}
	if (out)
		*out = d.wish;
	if (d.wish == GD_DIRECTIVE_TRANSMIT) {
		/* Handed to the designated person: the copy a data subject would get (Art. 15). */
		if (!w) {
			rc = gd__err(GD_EINVAL, "the directive asks for the data to be handed to the designated person: give a writer for the copy");
			goto done;
		}
		rc = gd_rights_export(a, subject, GD_EXPORT_JSON, 0, w, ud);
	}
	/* Recorded before an erasure, which takes the row with the subject: the audit entry stays. */
	if (rc == 0)
		rc = gd__db_exec(v->store, "UPDATE directives SET applied_at = ? WHERE tenant_id = ? AND subject_id = ?",
		                 "iii", (int64_t)gd_vault_now(v), a->tenant_id, s.id);
	if (rc == 0)
		rc = gd__audit_actor(a, &(struct gd__audit_event){.action = "directive.apply", .subject = subject, .reason = wishes[d.wish]});
	if (rc == 0 && d.wish == GD_DIRECTIVE_ERASE)
		rc = gd_subject_erase(a, subject);
done:
	gd__wipe(s.key, sizeof s.key);
	rc = gd__op_end(v, rc);
free:
	gd__secure_free(plain);
	return rc;
}
