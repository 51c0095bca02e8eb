# test_promises_notices.sh — the notices the three privacy notices owe to
# people and customers, each queued in the outbox where gardien can see it is
# owed: a disclosure to an authority (WinBooks, IPORTA), a change the company
# makes to a person's data (Wimi §11), a new version of the policy (Wimi §24),
# and a processor's breach told to its controllers on a clock of its own
# (WinBooks §3 4°, Art. 33(2)).
. "$(dirname "$0")/lib.sh"
setup winbooks winbooks
export GARDIEN_TENANT=winbooks
outbox() { "$GARDIEN" --json outbox list --all; }

# ---- WinBooks §3: authorities' requests ----
# "WINBOOKS s'engage à prévenir dans les meilleurs délais, les clients,
# partenaires et utilisateurs, d'une telle demande", "dès lors que la requête
# ou la loi ne l'interdit pas".
U=$("$GARDIEN" subject create --email user@client-a.be) || fail "cloud user"
H=$(put "$U" --activity cloud_hosting --client CLIENT-A --category user.content.private.hosted --subject-category customer.cloud_user "facture 2026-001")
expect_gardien 4 "a plain read for the authorities' activity is refused" -- get "$H" --purpose authority_requests
expect_out "read for it with 'gardien disclose'"
expect_gardien 2 "no disclosure without its legal reference" -- disclose "$H" --purpose authority_requests --authority "juge d'instruction de Namur"
expect_gardien 0 "disclosed under a court order" -- --json disclose "$H" --purpose authority_requests --authority "juge d'instruction de Namur" --legal-reference "ordonnance 2026/117, art. 88quater CIC"
expect_out '"value":"facture 2026-001"'
expect_eq "$(outbox | jq -r '.[] | select(.action | startswith("authority:")) | .recipient + " " + .action + " " + (.record|tostring)')" \
	"CLIENT-A authority:ordonnance 2026/117, art. 88quater CIC $H" "the client whose hosted data was disclosed is told"
expect_gardien 0 "disclosed under a gag order" -- disclose "$H" --purpose authority_requests --authority "parquet fédéral" --legal-reference "réquisition 2026/9" --withhold "la réquisition interdit d'en informer le client"
expect_eq "$(outbox | jq '[.[] | select(.action | startswith("authority:"))] | length')" 1 "nothing is queued when the request forbids it"
expect_gardien 0 "the withheld notice is in the audit trail" -- --json audit list --action record.disclose
expect_out 'notice withheld: la r\u00E9quisition interdit'
# An activity that names no authority discloses nothing.
expect_gardien 4 "no disclosure for an activity without an authority" -- disclose "$H" --purpose cloud_hosting --authority police --legal-reference "PV 1"
expect_out "names no authority"

# ---- IPORTA: "sur réquisition d'une autorité administrative ou judiciaire" (its own data: the person is told) ----
expect_gardien 0 "IPORTA tenant" -- tenant create iporta
expect_gardien 0 "IPORTA register" -- --tenant iporta register load "$GD_SOURCE_DIR/examples/iporta.yml"
C=$("$GARDIEN" --tenant iporta subject create --email compta@client.fr) || fail "customer"
L=$(put "$C" --tenant iporta --activity legal_obligations --category user.name --subject-category customer "Jeanne Client") || true
if [ -n "$L" ]; then
	expect_gardien 0 "disclosed to the tax authority" -- --tenant iporta disclose "$L" --purpose legal_obligations --authority "DGFiP" --legal-reference "LPF art. L81"
	expect_eq "$("$GARDIEN" --tenant iporta --json outbox list | jq -r '.[] | select(.action == "authority:LPF art. L81") | .recipient + " " + .subject')" \
		"subject $C" "controller data: the person is told"
else
	fail "a record for IPORTA's legal obligations"
fi

# ---- Wimi §11: a change made by the company ----
# "En cas de modification des informations des clients et prospects par
# l'entreprise, ces derniers en seront spontanément informés."
expect_gardien 0 "Wimi tenant" -- tenant create wimi
expect_gardien 0 "Wimi register" -- --tenant wimi register load "$GD_SOURCE_DIR/examples/wimi.yml"
export GARDIEN_TENANT=wimi
S=$("$GARDIEN" subject create --email claire@example.fr) || fail "Wimi customer"
NAME=$(put "$S" --activity subscription --category user.name --subject-category customer "Claire Petit")
expect_gardien 0 "the company corrects the name" -- update "$NAME" "Claire Petit-Martin"
expect_eq "$(outbox | jq -r '.[] | select(.action == "change") | .recipient + " " + .subject + " " + (.record|tostring)')" \
	"subject $S $NAME" "the person is told of the company's change"
# A change the person asked for (a rectification request) is not told back as the company's.
R=$("$GARDIEN" --json request open rectification "$S" | jq .id)
expect_gardien 0 "identity verified" -- request verify "$R" --method id-card --evidence scan-1
expect_gardien 0 "rectified on request" -- request rectify "$R" "$NAME" "Claire Martin"
expect_eq "$(outbox | jq '[.[] | select(.action == "change")] | length')" 1 "no change notice for a requested rectification"

# ---- Wimi §24: a new version of the policy ----
# "Toute nouvelle version de la présente politique sera portée à la
# connaissance des clients/prospects par tout moyen défini par l'entreprise".
sed 's/    name: Prospection commerciale et newsletter/    name: Prospection commerciale, newsletter et salons/' \
	"$GD_SOURCE_DIR/examples/wimi.yml" >wimi-v2.yml
sed 's/roles: \[services administratifs, commissaire aux comptes\]/roles: [services administratifs]/' \
	wimi-v2.yml >wimi-v3.yml
cmp -s wimi-v2.yml "$GD_SOURCE_DIR/examples/wimi.yml" && fail "the v2 variant renames prospection"
cmp -s wimi-v3.yml wimi-v2.yml && fail "the v3 variant changes the internal roles"
expect_gardien 0 "version 2: prospection renamed" -- register load wimi-v2.yml
expect_out "version 2"
expect_eq "$(outbox | jq -r '.[] | select(.action | startswith("policy-change")) | .recipient + " " + .action + " " + .activity + " " + .subject')" \
	"subjects policy-change:v2 prospection *" "the renamed purpose is to be brought to everyone's attention"
expect_gardien 0 "version 3: only who works on billing" -- register load wimi-v3.yml
expect_out "version 3"
expect_eq "$(outbox | jq '[.[] | select(.action == "policy-change:v3")] | length')" 0 "internal roles are not what people were told"

# ---- WinBooks §3 4°: a breach of hosted data, told to the clients ----
# "Vous notifier dans les meilleurs délais tout cas de violation de données"
# (Art. 33(2): "without undue delay"); the controllers' clock is 24 hours.
export GARDIEN_TENANT=winbooks
U2=$("$GARDIEN" subject create --email user@client-b.be) || fail "second cloud user"
put "$U2" --activity cloud_hosting --client CLIENT-B --category user.content.private.hosted --subject-category customer.cloud_user "facture B-7" >/dev/null
B=$("$GARDIEN" --json --now 2026-03-02T08:00:00Z breach record --nature confidentiality --detected 2026-03-02T08:00:00Z \
	--description "accès non autorisé à un serveur d'hébergement" | jq .id) || fail "breach recorded"
expect_gardien 0 "no controller told yet" -- --json --now 2026-03-02T09:00:00Z breach show "$B"
expect_eq "$(jq -r .controllers.status <<<"$OUT")" none "the clock waits for the processor's data to be named"
expect_gardien 0 "the clients are told" -- --json --now 2026-03-02T10:00:00Z breach controllers "$B"
expect_eq "$(jq -r '.queued, .clock.status, .clock.deadline' <<<"$OUT" | paste -sd' ')" "2 owed 2026-03-03T08:00:00Z" "one notice per client, due 24 hours after detection"
expect_gardien 0 "told once only" -- --json --now 2026-03-02T10:00:00Z breach controllers "$B"
expect_eq "$(jq .queued <<<"$OUT")" 0 "a client is not told twice of one breach"
expect_eq "$(outbox | jq -r '[.[] | select(.action == "breach:'"$B"'") | .recipient] | sort | join(",")')" "CLIENT-A,CLIENT-B" "both clients"
N1=$(outbox | jq '[.[] | select(.action == "breach:'"$B"'")][0].id')
N2=$(outbox | jq '[.[] | select(.action == "breach:'"$B"'")][1].id')
expect_gardien 0 "one acknowledged in time" -- --now 2026-03-02T12:00:00Z outbox ack "$N1"
expect_gardien 0 "still owed one" -- --json --now 2026-03-03T07:59:59Z breach show "$B"
expect_eq "$(jq -r '.controllers | .status + " " + (.pending|tostring)' <<<"$OUT")" "owed 1" "one client still to be told"
expect_gardien 0 "24 hours passed" -- --json --now 2026-03-03T08:00:01Z breach show "$B"
expect_eq "$(jq -r .controllers.status <<<"$OUT")" overdue "past 24 hours with a client not told"
expect_gardien 0 "the last client told late" -- --now 2026-03-03T09:00:00Z outbox ack "$N2"
expect_gardien 0 "clock stopped" -- --json --now 2026-03-04 breach show "$B"
expect_eq "$(jq -r '.controllers | .status + " " + .done_at' <<<"$OUT")" "told-late 2026-03-03T09:00:00Z" "told, after the 24 hours"
expect_gardien 2 "controllers only of a processor activity" -- breach controllers "$B" --activity customer_relations
finish
