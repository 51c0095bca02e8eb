/*
 * register_dpv.c — fideslang keys as W3C DPV 2.2 terms, for the JSON-LD
 * export: data uses as DPV purposes (https://w3id.org/dpv#), data categories
 * as DPV personal data categories (https://w3id.org/dpv/pd#).
 *
 * The tables map a key prefix to the closest DPV concept; the longest prefix
 * wins, so a controller's own term declared beneath a published key
 * ("user.financial.bank_account.iban") maps as its parent does. A key no
 * prefix covers maps to the top concept (dpv:Purpose, dpv:PersonalData):
 * DPV says less than the key then, and the export keeps the fideslang key
 * beside it. Every DPV term used here is in DPV 2.2 (purposes.csv of the
 * core vocabulary, the pd modules of the personal data extension).
 */
#include <string.h>

#include "lib/register/register.h"

struct map {
	const char *prefix;
	const char *term; /* compact IRI: dpv:… or pd:… */
};

static const struct map purposes[] = {
	{"analytics", "dpv:ServiceUsageAnalytics"},
	{"collect", "dpv:Purpose"},
	{"employment", "dpv:HumanResourceManagement"},
	{"employment.recruitment", "dpv:RecruitmentManagement"},
	{"essential", "dpv:ServiceProvision"},
	{"essential.fraud_detection", "dpv:FraudPreventionAndDetection"},
	{"essential.legal_obligation", "dpv:LegalCompliance"},
	{"essential.service", "dpv:ServiceProvision"},
	{"essential.service.authentication", "dpv:IdentityAuthentication"},
	{"essential.service.notifications", "dpv:CommunicationManagement"},
	{"essential.service.operations", "dpv:TechnicalServiceProvision"},
	{"essential.service.operations.improve", "dpv:ImproveExistingProductsAndServices"},
	{"essential.service.operations.support", "dpv:CustomerCare"},
	{"essential.service.payment_processing", "dpv:PaymentManagement"},
	{"essential.service.security", "dpv:EnforceSecurity"},
	{"essential.service.upgrades", "dpv:TechnicalServiceProvision"},
	{"finance", "dpv:CommercialPurpose"},
	{"functional", "dpv:ServiceProvision"},
	{"functional.service.improve", "dpv:ImproveExistingProductsAndServices"},
	{"marketing", "dpv:Marketing"},
	{"marketing.advertising", "dpv:Advertising"},
	{"marketing.advertising.first_party.targeted", "dpv:TargetedAdvertising"},
	{"marketing.advertising.profiling", "dpv:PersonalisedAdvertising"},
	{"marketing.advertising.third_party.targeted", "dpv:TargetedAdvertising"},
	{"marketing.communications", "dpv:DirectMarketing"},
	{"operations", "dpv:OrganisationGovernance"},
	{"personalize", "dpv:Personalisation"},
	{"personalize.content", "dpv:ServicePersonalisation"},
	{"personalize.system", "dpv:UserInterfacePersonalisation"},
	{"sales", "dpv:SellProducts"},
	{"third_party_sharing", "dpv:Purpose"},
	{"third_party_sharing.legal_obligation", "dpv:LegalCompliance"},
	{"train_ai_system", "dpv:ResearchAndDevelopment"},
};

static const struct map categories[] = {
	{"user.account", "pd:Identifier"},
	{"user.account.username", "pd:Username"},
	{"user.authorization", "pd:Authenticating"},
	{"user.authorization.password", "pd:Password"},
	{"user.behavior", "pd:Behavioural"},
	{"user.behavior.browsing_history", "pd:BrowserHistory"},
	{"user.behavior.media_consumption", "pd:ServiceConsumptionBehaviour"},
	{"user.behavior.purchase_history", "pd:Purchase"},
	{"user.behavior.search_history", "pd:BrowsingBehaviour"},
	{"user.biometric", "pd:Biometric"},
	{"user.biometric.fingerprint", "pd:Fingerprint"},
	{"user.biometric.retinal", "pd:Retina"},
	{"user.contact", "pd:Contact"},
	{"user.contact.address", "pd:PhysicalAddress"},
	{"user.contact.email", "pd:EmailAddress"},
	{"user.contact.organization", "pd:Professional"},
	{"user.contact.phone_number", "pd:TelephoneNumber"},
	{"user.content", "pd:Communication"},
	{"user.content.self_image", "pd:Picture"},
	{"user.criminal_history", "pd:Criminal"},
	{"user.demographic", "pd:Demographic"},
	{"user.demographic.age_range", "pd:AgeRange"},
	{"user.demographic.date_of_birth", "pd:BirthDate"},
	{"user.demographic.gender", "pd:Gender"},
	{"user.demographic.language", "pd:Language"},
	{"user.demographic.marital_status", "pd:MaritalStatus"},
	{"user.demographic.political_opinion", "pd:PoliticalOpinion"},
	{"user.demographic.profile", "pd:IndividualProfile"},
	{"user.demographic.race_ethnicity", "pd:EthnicOrigin"},
	{"user.demographic.religious_belief", "pd:ReligiousBelief"},
	{"user.demographic.sexual_orientation", "pd:SexualPreference"},
	{"user.device", "pd:DeviceBased"},
	{"user.device.cookie_id", "pd:Identifier"},
	{"user.device.ip_address", "pd:IPAddress"},
	{"user.financial", "pd:Financial"},
	{"user.financial.bank_account", "pd:BankAccount"},
	{"user.financial.credit_card", "pd:PaymentCard"},
	{"user.government_id", "pd:OfficialID"},
	{"user.government_id.passport_number", "pd:Passport"},
	{"user.health_and_medical", "pd:MedicalHealth"},
	{"user.health_and_medical.genetic", "pd:Genetic"},
	{"user.job_title", "pd:Job"},
	{"user.location", "pd:Location"},
	{"user.location.precise", "pd:GPSCoordinate"},
	{"user.name", "pd:Name"},
	{"user.payment", "pd:Transaction"},
	{"user.privacy_preferences", "pd:PrivacyPreference"},
	{"user.social", "pd:SocialNetwork"},
	{"user.unique_id", "pd:UID"},
	{"user.workplace", "pd:WorkEnvironment"},
};

static const char *longest(const struct map *m, size_t n, const char *key, const char *top)
{
	const char *best = top;
	size_t bestlen = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(m[i].prefix);
		if (len > bestlen && strncmp(key, m[i].prefix, len) == 0 && (key[len] == 0 || key[len] == '.'))
			best = m[i].term, bestlen = len;
	}
	return best;
}

const char *gd__dpv_purpose(const char *data_use)
{
	return longest(purposes, sizeof purposes / sizeof *purposes, data_use, "dpv:Purpose");
}

const char *gd__dpv_personal_data(const char *category)
{
	return longest(categories, sizeof categories / sizeof *categories, category, "dpv:PersonalData");
}
