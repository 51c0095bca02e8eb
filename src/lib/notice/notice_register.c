/*
 * notice_register.c — the one adapter between the register model
 * (lib/register.h) and the notice view (lib/notice.h). The notice modules
 * read registers only through here, so a change of the register format
 * touches this file alone.
 *
 * Strings are copied into the view's arena: the view outlives the register.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/vault/arena.h"
#include "lib/internal.h"
#include "lib/notice/notice.h"
#include "lib/register/register.h"

struct ad {
	struct gd__nv *v;
	int rc;
};

static const char *cp(struct ad *x, const char *s)
{
	if (!s)
		return NULL;
	char *r = gd__arena_strdup(x->v->arena, s);
	if (!r)
		x->rc = GD_ENOMEM;
	return r;
}

static void cplist(struct ad *x, struct gd__nv_list *dst, const struct gd__strings *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (gd__nv_list_add(x->v->arena, dst, src->v[i]) < 0)
			x->rc = GD_ENOMEM;
}

static void *push(struct ad *x, void *arrp, size_t *n, size_t *cap, size_t size)
{
	void *e = gd__nv_push(x->v->arena, arrp, n, cap, size);
	if (!e)
		x->rc = GD_ENOMEM;
	return e;
}

static void parties(struct ad *x, struct gd__nv_activity *a, const struct gd__party *p, size_t n,
                    const char *dflt)
{
	for (size_t i = 0; i < n; i++) {
		struct gd__nv_party *q = push(x, &a->parties, &a->nparties, &a->capparties, sizeof *q);
		if (!q)
			return;
		q->name = cp(x, p[i].name);
		q->kind = cp(x, p[i].kind ? p[i].kind : dflt);
		q->country = cp(x, p[i].country);
		q->purpose = cp(x, p[i].purpose);
	}
}

static const char *const safeguards[] = {"adequacy", "scc", "bcr", "derogation", NULL};
static const int actions[] = {GD__NV_ARCHIVE, GD__NV_ANONYMISE, GD__NV_DELETE};

int gd__nv_from_register(struct gd__nv **out, const struct gd__register *r)
{
	*out = NULL;
	struct gd__nv *v = gd__nv_new();
	if (!v)
		return gd__err(GD_ENOMEM, "out of memory");
	struct ad x = {v, 0};
	v->language = cp(&x, r->notice.language ? r->notice.language : r->controller.language);
	v->name.v = cp(&x, r->controller.name);
	v->address.v = cp(&x, r->controller.address);
	v->registration.v = cp(&x, r->controller.registration);
	v->email.v = cp(&x, r->controller.email);
	v->country.v = cp(&x, r->controller.country);
	v->dpo_name.v = cp(&x, r->dpo.name);
	v->dpo_email.v = cp(&x, r->dpo.email);
	v->dpo_address.v = cp(&x, r->dpo.address);
	v->dpo_phone.v = cp(&x, r->dpo_phone);
	v->rep_name.v = cp(&x, r->representative.name);
	v->rep_address.v = cp(&x, r->representative.address);
	v->rep_email.v = cp(&x, r->representative.email);
	v->authority.v = cp(&x, r->authority.name);
	v->authority_url.v = cp(&x, r->authority.url);
	v->rights_email.v = cp(&x, r->rights_contact);
	v->rights_postal.v = cp(&x, r->rights_postal);
	for (size_t i = 0; i < r->security.n; i++) {
		struct gd__nv_field *f = push(&x, &v->security, &v->nsecurity, &v->capsecurity, sizeof *f);
		if (f)
			f->v = cp(&x, r->security.v[i]);
	}
	for (size_t i = 0; i < r->nevents; i++) {
		struct gd__nv_event *e = push(&x, &v->events, &v->nevents, &v->capevents, sizeof *e);
		if (e) {
			e->name = cp(&x, r->events[i].name);
			e->description = cp(&x, r->events[i].description);
		}
	}
	for (size_t i = 0; i < r->nterms; i++) {
		struct gd__nv_event *e = push(&x, &v->terms, &v->nterms, &v->capterms, sizeof *e);
		if (e) {
			e->name = cp(&x, r->terms[i].key);
			e->description = cp(&x, r->terms[i].name);
		}
	}
	for (size_t i = 0; i < r->nactivities && !x.rc; i++) {
		const struct gd__activity *ra = &r->activities[i];
		struct gd__nv_activity *a =
			push(&x, &v->activities, &v->nactivities, &v->capactivities, sizeof *a);
		if (!a)
			break;
		a->id = cp(&x, ra->id);
		a->name = cp(&x, ra->name);
		a->description = cp(&x, ra->description);
		a->role = ra->role == GD__ROLE_PROCESSOR ? "processor" : "controller";
		a->on_behalf_of = cp(&x, ra->on_behalf_of);
		a->basis = gd__basis_name(ra->basis);
		a->basis_detail = cp(&x, ra->basis_detail);
		a->consent_text = cp(&x, ra->consent_text);
		a->purpose = ra->purposes.n ? cp(&x, ra->purposes.v[0]) : NULL;
		cplist(&x, &a->sub_purposes, &ra->sub_purposes);
		cplist(&x, &a->categories, &ra->categories);
		cplist(&x, &a->subjects, &ra->subjects);
		cplist(&x, &a->sources, &ra->sources);
		cplist(&x, &a->mandatory, &ra->mandatory);
		a->if_absent = cp(&x, ra->if_absent);
		a->automated_decision = cp(&x, ra->automated_decision);
		parties(&x, a, ra->recipients, ra->nrecipients, "external");
		parties(&x, a, ra->processors, ra->nprocessors, "processor");
		for (size_t t = 0; t < ra->ntransfers; t++) {
			struct gd__nv_transfer *q = push(&x, &a->transfers, &a->ntransfers, &a->captransfers, sizeof *q);
			if (!q)
				break;
			q->recipient = cp(&x, ra->transfers[t].recipient);
			q->country = cp(&x, ra->transfers[t].country);
			unsigned sg = (unsigned)ra->transfers[t].safeguard;
			q->safeguard = sg < 4 ? safeguards[sg] : NULL;
			q->reference = cp(&x, ra->transfers[t].reference);
		}
		for (size_t k = 0; k < ra->nretention; k++) {
			const struct gd__retention *rr = &ra->retention[k];
			struct gd__nv_retention *q =
				push(&x, &a->retention, &a->nretention, &a->capretention, sizeof *q);
			if (!q)
				break;
			q->text = cp(&x, rr->text);
			q->legal_reference = cp(&x, rr->legal_reference);
			cplist(&x, &q->categories, &rr->categories);
			for (size_t s = 0; s < rr->nstages && s < 3; s++) {
				unsigned act = (unsigned)rr->stages[s].action;
				q->stages[q->nstages++] = (struct gd__nv_stage){
					act < 3 ? actions[act] : GD__NV_DELETE, cp(&x, rr->stages[s].from), {rr->stages[s].after.years, rr->stages[s].after.months, rr->stages[s].after.days}};
			}
		}
	}
	for (size_t i = 0; i < r->nrights && !x.rc; i++) {
		struct gd__nv_right *q = push(&x, &v->rights, &v->nrights, &v->caprights, sizeof *q);
		if (!q)
			break;
		q->kind = cp(&x, r->rights[i].kind);
		q->offered = r->rights[i].offered;
		q->reason = cp(&x, r->rights[i].reason);
		q->conditions = cp(&x, r->rights[i].conditions);
	}
	if (x.rc) {
		gd__nv_free(v);
		return gd__err(GD_ENOMEM, "out of memory");
	}
	*out = v;
	return 0;
}

static int from_text(struct gd__nv **out, const char *name, const char *text, size_t len)
{
	struct gd__register *r = NULL;
	int rc = gd__register_parse(&r, name, text, len, NULL, NULL, NULL, NULL);
	if (rc == 0)
		rc = gd__nv_from_register(out, r);
	gd__register_free(r);
	return rc;
}

int gd__nv_from_register_file(struct gd__nv **out, const char *path)
{
	*out = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc = gd__register_read_file(path, &text, &len);
	if (rc == 0)
		rc = from_text(out, path, text, len);
	gd__free(text);
	return rc;
}

int gd__nv_from_vault(struct gd__nv **out, gd_actor *a, int64_t version)
{
	*out = NULL;
	/* Through the public export: the version's source, audited as a read. */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return gd__err(GD_ENOMEM, "out of memory");
	int rc = gd_register_export(a, version, "yaml", f);
	if (fclose(f) != 0 && rc == 0)
		rc = gd__err(GD_ENOMEM, "out of memory");
	if (rc == 0)
		rc = from_text(out, "register", text, len);
	free(text);
	return rc;
}
