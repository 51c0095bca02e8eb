/*
 * register_rights.c — which rights a register may declare not offered.
 *
 * The rights of Art. 15 to 22 are the data subject's by law: a notice that
 * says "you do not have the right to restriction" does not take it away
 * (Wimi §13). A blanket refusal is lawful only where the GDPR itself limits
 * the right to some processing and the register has none of it: portability
 * (Art. 20(1)(a)) only for processing on consent or contract, objection
 * (Art. 21(1) and (2)) only for legitimate interests, public task or direct
 * marketing, Art. 22 only where decisions are automated, withdrawal (Art.
 * 7(3)) only where a basis is consent. Rights outside Art. 15–22 (post-mortem
 * directives of French law, complaint) may be declared not offered.
 *
 * Invariant: gd__register_right_waivable is pure (no I/O, no allocation), so
 * the parser (register check) and the request path give the same answer.
 */
#include <string.h>

#include "lib/register/register.h"

static bool any_basis(const struct gd__register *r, enum gd__basis a, enum gd__basis b)
{
	for (size_t i = 0; i < r->nactivities; i++)
		if (r->activities[i].basis == a || r->activities[i].basis == b)
			return true;
	return false;
}

static bool any_marketing(const struct gd__register *r)
{
	for (size_t i = 0; i < r->nactivities; i++)
		for (size_t k = 0; k < r->activities[i].purposes.n; k++)
			if (strncmp(r->activities[i].purposes.v[k], "marketing", 9) == 0)
				return true;
	return false;
}

static bool any_automated(const struct gd__register *r)
{
	for (size_t i = 0; i < r->nactivities; i++)
		if (r->activities[i].automated_decision)
			return true;
	return false;
}

bool gd__register_right_waivable(const struct gd__register *r, const char *kind, const char **article)
{
	const char *art = NULL;
	bool waivable = false;
	if (strcmp(kind, "access") == 0 || strcmp(kind, "confirmation") == 0)
		art = "Art. 15";
	else if (strcmp(kind, "rectification") == 0)
		art = "Art. 16";
	else if (strcmp(kind, "erasure") == 0)
		art = "Art. 17";
	else if (strcmp(kind, "restriction") == 0)
		art = "Art. 18";
	else if (strcmp(kind, "portability") == 0) {
		art = "Art. 20";
		/* not_stated may hide either: the right stays until the basis is known. */
		waivable = !any_basis(r, GD__BASIS_CONSENT, GD__BASIS_CONTRACT) &&
		           !any_basis(r, GD__BASIS_NOT_STATED, GD__BASIS_NOT_STATED);
	} else if (strcmp(kind, "objection") == 0) {
		art = "Art. 21";
		waivable = !any_basis(r, GD__BASIS_LEGITIMATE_INTERESTS, GD__BASIS_PUBLIC_TASK) &&
		           !any_basis(r, GD__BASIS_NOT_STATED, GD__BASIS_NOT_STATED) && !any_marketing(r);
	} else if (strcmp(kind, "automated_decision") == 0) {
		art = "Art. 22";
		waivable = !any_automated(r);
	} else if (strcmp(kind, "withdraw_consent") == 0) {
		art = "Art. 7(3)";
		waivable = !any_basis(r, GD__BASIS_CONSENT, GD__BASIS_CONSENT);
	} else
		waivable = true;
	if (article)
		*article = art;
	return waivable;
}
