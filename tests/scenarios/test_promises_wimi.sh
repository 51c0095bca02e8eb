# test_promises_wimi.sh — promises of Wimi's privacy policy that the register
# once got wrong, each played with the notice's words: the billing proof
# archive has no invented 3 years, the bases the notice does not give are said
# to be not stated, the cookie consent lives as long as the cookie, the
# prospection clocks (customers from unsubscription, prospects from their last
# contact) and the addresses taken from the right place.
. "$(dirname "$0")/lib.sh"
setup wimi wimi

sweep() { expect_gardien 0 "sweep at $1" -- --now "$1" --json retention sweep; }

C=$("$GARDIEN" subject create --email client@example.fr) || fail "customer"
P=$("$GARDIEN" subject create --email prospect@example.fr) || fail "prospect"
NAME=$(put "$C" --activity billing --category user.contact.address --subject-category customer "1 rue de Rivoli, Paris")

# §9 "Les données permettant d'établir la preuve d'un droit ou d'un contrat ...
# font l'objet d'une politique d'archivage intermédiaire pour une durée
# n'excédant pas la durée nécessaire aux finalités ... conformément aux
# dispositions en vigueur": archived at the end of the service, kept as proof
# as long as it is needed — not deleted after 3 years the notice never gives.
expect_gardien 0 "service end" -- --now 2026-06-30T12:00:00Z event "$C" service_end --at 2026-06-30T12:00:00Z
sweep 2026-06-30T12:00:00Z
expect_out '"archived":1'
sweep 2029-07-01T00:00:00Z
expect_out '"deleted":0'
expect_gardien 0 "billing proof still kept 3 years and a day after the service" -- --now 2029-07-01 get "$NAME" --purpose debt_collection
expect_gardien 0 "proof no longer needed" -- --now 2036-07-01 event "$C" proof_needed_end --at 2036-07-01
sweep 2036-07-01T00:00:00Z
expect_out '"deleted":1'
expect_gardien 3 "billing proof deleted once no longer needed" -- --now 2036-07-01 get "$NAME" --purpose debt_collection

# §7 lists the purposes; "Le client est informé que la collecte de ses données
# ... est nécessaire à l'exécution du contrat" names no basis for the
# newsletter, satisfaction surveys, statistics or debt collection: the register
# says so instead of inventing legitimate interests.
expect_gardien 0 "json export" -- --json register export --format json
for a in prospection satisfaction statistics debt_collection; do
	[ "$(jq -r --arg a "$a" '.activities[] | select(.id == $a) | .legal_basis' <<<"$OUT")" = not_stated ] ||
		fail "$a: the basis is not the notice's"
done
case "$(jq -r '[.activities[].legal_basis] | join(" ")' <<<"$OUT")" in
*legitimate_interests*) fail "an invented legitimate interest is back" ;;
*) ok ;;
esac
# §10 "la demande est formulée par écrit à l'adresse suivante : 112 Rue
# Réaumur, 75002 Paris, France ou à l'adresse e-mail dpo-wimi@racine.eu"; the
# CNIL's postal address is not its name; www.wimi-teamwork.com is the website,
# not the notice.
[ "$(jq -r '.rights_contact' <<<"$OUT")" = dpo-wimi@racine.eu ] || [ "$(jq -r '.rights_contact.email // .rights_contact' <<<"$OUT")" = dpo-wimi@racine.eu ] || fail "rights contact"
[ "$(jq -r '.authority.name' <<<"$OUT")" = "CNIL – Service des plaintes" ] || fail "authority name: $(jq -r '.authority.name' <<<"$OUT")"
[ "$(jq -r '.notice.url // "none"' <<<"$OUT")" = none ] || fail "a notice URL the notice does not give"

# §9 "Cookies : Les cookies peuvent être conservés pour une durée de 13 mois":
# a consent to cookies lives as long as the cookie, 13 months.
CK=$(put "$C" --activity cookies --category user.device.cookie_id --subject-category customer "ck-1")
expect_gardien 0 "cookie consent" -- --now 2026-01-15T10:00:00Z consent give "$C" cookies --channel cookie-banner --at 2026-01-15T10:00:00Z
expect_gardien 0 "cookie read 12 months later" -- --now 2027-01-15T09:00:00Z get "$CK" --purpose cookies
expect_gardien 4 "cookie read refused once the 13 months are over" -- --now 2027-02-16T00:00:00Z get "$CK" --purpose cookies
expect_out "consent"

# §9 "Données relatives aux clients dans le cadre de la prospection
# commerciale : ... 3 ans à compter du désabonnement aux services" and
# "Données relatives aux prospects : ... 3 ans à compter du dernier contact
# émanant du prospect": each subject on its own clock, the boundary to the day.
CP=$(put "$C" --activity prospection --category user.contact.email --subject-category customer "client@example.fr")
PP=$(put "$P" --activity prospection --category user.contact.email --subject-category prospect "prospect@example.fr")
expect_gardien 0 "customer unsubscribes" -- --now 2030-01-31T10:00:00Z event "$C" unsubscription --at 2030-01-31T10:00:00Z
expect_gardien 0 "prospect's last contact" -- --now 2030-02-28T10:00:00Z event "$P" last_prospect_contact --at 2030-02-28T10:00:00Z
# A prospect's last contact does not start the customer's clock, nor the reverse.
sweep 2033-01-31T23:59:59Z
expect_gardien 0 "customer kept on the last day of the 3 years" -- --now 2033-01-31T23:59:59Z get "$CP" --purpose prospection
sweep 2033-02-01T00:00:00Z
expect_gardien 3 "customer's prospection data gone 3 years after unsubscription" -- --now 2033-02-01 get "$CP" --purpose prospection
expect_gardien 0 "prospect still kept (own clock)" -- --now 2033-02-01 get "$PP" --purpose prospection
sweep 2033-02-28T23:59:59Z
expect_gardien 0 "prospect kept on the last day" -- --now 2033-02-28T23:59:59Z get "$PP" --purpose prospection
sweep 2033-03-01T00:00:00Z
expect_gardien 3 "prospect gone 3 years after the last contact" -- --now 2033-03-01 get "$PP" --purpose prospection
# §5 "Origine des données ... formulaires d'inscription et de contact via le
# site web mais également via de la prospection commerciale et de l'achat de
# base de données client": a source named with a record must be one the
# notice told people about (named by its slug).
expect_gardien 0 "a declared source" -- put "$C" --activity prospection --category user.contact.phone_number --subject-category customer --source achat-de-bases-de-donn-es-clients "+33 1 00 00 00 00"
expect_gardien 4 "an undeclared source refused" -- put "$C" --activity prospection --category user.contact.phone_number --subject-category customer --source courtier-inconnu "+33 1 00 00 00 01"
expect_out 'does not declare this source'
# §5 "Les données obligatoires sont d'ailleurs signalées dans les formulaires
# par un astérisque. En leur absence, la prestation liée à cette collecte
# pourrait ne pas être fournie": a mandatory category is never stored empty.
expect_gardien 4 "an empty mandatory e-mail refused" -- put "$C" --activity subscription --category user.contact.email --subject-category customer ""
expect_out "la prestation liée à cette collecte pourrait ne pas être fournie"
expect_gardien 0 "an optional phone may be empty" -- put "$C" --activity subscription --category user.contact.phone_number --subject-category customer ""
# §11 "l'entreprise ne procèdera à aucune modification dite de « confort »,
# seules des modifications substantielles sur l'état civil, l'identité et les
# coordonnées de la personne concernée seront réalisées".
LANG_R=$(put "$C" --activity connection --category user.demographic.language --subject-category customer "fr")
LOG_R=$(put "$C" --activity connection --category user.device.connection_log --subject-category customer "login 2026-01-02")
expect_gardien 0 "rectification request" -- --json request open rectification "$C"
RR=$(jq -r .id <<<"$OUT")
expect_gardien 0 "identity verified" -- request verify "$RR" --method id-card --evidence scan-9
expect_gardien 4 "a log line is not rectified (no modification de confort)" -- request rectify "$RR" "$LOG_R" "login 2026-01-03"
expect_out "limits rectification"
expect_gardien 0 "the language of the civil status is" -- request rectify "$RR" "$LANG_R" "en"
finish
