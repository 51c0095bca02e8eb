/*
 * regs.h — register models for the rights tests, written from the notices in
 * shared/seeds (Wimi: restriction not offered, further copies charged, cookies
 * 13 months, post-mortem directives; IPORTA: access, rectification, erasure,
 * portability, objection and restriction, no post-mortem directives). They
 * fill the same struct the register module loads from YAML.
 */
#ifndef GD_TEST_REGS_H
#define GD_TEST_REGS_H

#include "lib/register/register.h"

#define STRS(...) \
	{ \
		(const char *[]){__VA_ARGS__}, sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *) \
	}

static struct gd__party wimi_customer_recipients[] = {
	{.name = "Wimi support", .address = NULL, .country = "FR", .purpose = "support", .kind = "internal", .countries = STRS("FR")},
	{.name = "OVH", .address = "Roubaix", .country = "FR", .purpose = "hosting", .kind = "processor", .countries = STRS("FR")},
	{.name = "Stripe", .address = NULL, .country = "US", .purpose = "payment", .kind = "external", .countries = STRS("US")},
};
static struct gd__transfer wimi_transfers[] = {
	{.recipient = "Stripe", .country = "US", .safeguard = GD__SAFEGUARD_SCC, .reference = "Commission decision 2021/914"},
};
static struct gd__stage invoice_stages[] = {
	{GD__STAGE_DELETE, "collection", {10, 0, 0}},
};
static struct gd__retention invoice_retention[] = {
	{.stages = invoice_stages, .nstages = 1, .legal_reference = "Code de commerce L123-22", .text = "invoices are kept 10 years as the law requires"},
};
static struct gd__stage customer_stages[] = {
	{GD__STAGE_DELETE, "contract_end", {3, 0, 0}},
};
static struct gd__retention customer_retention[] = {
	{.stages = customer_stages, .nstages = 1, .text = "3 years after the end of the contract"},
};

static struct gd__activity wimi_activities[] = {
	{.id = "customers", .name = "Customer accounts", .purposes = STRS("essential.service"), .basis = GD__BASIS_CONTRACT, .categories = STRS("user.contact", "user.name"), .recipients = wimi_customer_recipients, .nrecipients = 3, .transfers = wimi_transfers, .ntransfers = 1, .retention = customer_retention, .nretention = 1},
	{.id = "invoicing", .name = "Invoicing and accounting", .purposes = STRS("essential.service.payment_processing"), .basis = GD__BASIS_LEGAL_OBLIGATION, .basis_detail = "French commercial code, art. L123-22", .categories = STRS("user.financial"), .retention = invoice_retention, .nretention = 1},
	{.id = "cookies", .name = "Audience cookies", .purposes = STRS("analytics"), .basis = GD__BASIS_CONSENT, .consent_text = "I accept audience-measurement cookies.", .consent_version = "cookies-v1", .consent_validity = {0, 13, 0}, .categories = STRS("user.device.cookie_id")},
	{.id = "newsletter", .name = "Newsletter", .purposes = STRS("marketing.communications.email"), .basis = GD__BASIS_CONSENT, .consent_text = "Send me the Wimi newsletter.", .consent_version = "news-v2", .categories = STRS("user.contact.email")},
	{.id = "prospection", .name = "Prospection and profiling", .purposes = STRS("marketing.advertising.profiling"), .basis = GD__BASIS_LEGITIMATE_INTERESTS, .basis_detail = "commercial prospection", .categories = STRS("user.contact")},
};

static struct gd__right wimi_rights[] = {
	{.kind = "access", .offered = true, .reason = NULL, .conditions = NULL, .identity_proof = true, .extra_copies_charged = true},
	{.kind = "confirmation", .offered = true, .reason = NULL, .conditions = NULL, .identity_proof = true, .extra_copies_charged = false},
	{.kind = "rectification", .offered = true, .reason = NULL, .conditions = NULL, .identity_proof = true, .extra_copies_charged = false},
	{.kind = "erasure", .offered = true, .reason = NULL, .conditions = "not where processing meets a legal obligation", .identity_proof = true, .extra_copies_charged = false},
	{.kind = "restriction", .offered = false, .reason = "the processing is lawful and all the data collected is necessary to perform the commercial contract", .conditions = NULL, .identity_proof = true, .extra_copies_charged = false},
	{.kind = "objection", .offered = true, .reason = NULL, .conditions = NULL, .identity_proof = true, .extra_copies_charged = false},
	{.kind = "portability", .offered = true, .reason = NULL, .conditions = "data provided through the online form", .identity_proof = true, .extra_copies_charged = false},
	{.kind = "withdraw_consent", .offered = true, .reason = NULL, .conditions = NULL, .identity_proof = false, .extra_copies_charged = false},
	{.kind = "post_mortem", .offered = true, .reason = NULL, .conditions = NULL, .identity_proof = true, .extra_copies_charged = false},
};

static struct gd__register wimi_register = {
	.format = 1,
	.version = 1,
	.file = "wimi.yml",
	.controller = {.name = "Wimi SAS", .address = "112 Rue Réaumur, 75002 Paris", .country = "FR"},
	.dpo = {.email = "dpo-wimi@racine.eu"},
	.authority = {.name = "CNIL"},
	.activities = wimi_activities,
	.nactivities = sizeof wimi_activities / sizeof *wimi_activities,
	.rights = wimi_rights,
	.nrights = sizeof wimi_rights / sizeof *wimi_rights,
};

static struct gd__party iporta_recipients[] = {
	{.name = "Visiativ group", .address = NULL, .country = "FR", .purpose = "group services", .kind = "external", .countries = STRS("FR")},
};

static struct gd__activity iporta_activities[] = {
	{.id = "customers", .name = "Customer relationship", .purposes = STRS("essential.service"), .basis = GD__BASIS_CONTRACT, .categories = STRS("user.contact"), .recipients = iporta_recipients, .nrecipients = 1},
	{.id = "prospection", .name = "Commercial prospection", .purposes = STRS("marketing.advertising"), .basis = GD__BASIS_LEGITIMATE_INTERESTS, .categories = STRS("user.contact")},
	{.id = "events", .name = "Events and webinars", .purposes = STRS("marketing.communications"), .basis = GD__BASIS_CONSENT, .consent_text = "Invite me to IPORTA events.", .consent_version = "ev-1", .categories = STRS("user.contact")},
	{.id = "litigation", .name = "Establishing and defending legal claims", .purposes = STRS("legal"), .basis = GD__BASIS_LEGITIMATE_INTERESTS, .categories = STRS("user"), .legal_claims = true},
};

static struct gd__right iporta_rights[] = {
	{.kind = "access", .offered = true, .reason = NULL, .conditions = NULL, .identity_proof = true, .extra_copies_charged = false},
	{.kind = "confirmation", .offered = true, .reason = NULL, .conditions = NULL, .identity_proof = true, .extra_copies_charged = false},
	{.kind = "rectification", .offered = true, .reason = NULL, .conditions = NULL, .identity_proof = true, .extra_copies_charged = false},
	{.kind = "erasure", .offered = true, .reason = NULL, .conditions = NULL, .identity_proof = true, .extra_copies_charged = false},
	{.kind = "restriction", .offered = true, .reason = NULL, .conditions = NULL, .identity_proof = true, .extra_copies_charged = false},
	{.kind = "objection", .offered = true, .reason = NULL, .conditions = NULL, .identity_proof = true, .extra_copies_charged = false},
	{.kind = "portability", .offered = true, .reason = NULL, .conditions = NULL, .identity_proof = true, .extra_copies_charged = false},
	{.kind = "withdraw_consent", .offered = true, .reason = NULL, .conditions = NULL, .identity_proof = false, .extra_copies_charged = false},
};

static struct gd__register iporta_register = {
	.format = 1,
	.version = 1,
	.file = "iporta.yml",
	.controller = {.name = "IPORTA", .country = "FR"},
	.dpo = {.email = "privacy@visiativ.com"},
	.authority = {.name = "CNIL"},
	.activities = iporta_activities,
	.nactivities = sizeof iporta_activities / sizeof *iporta_activities,
	.rights = iporta_rights,
	.nrights = sizeof iporta_rights / sizeof *iporta_rights,
};

#endif
