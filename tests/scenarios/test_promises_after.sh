# test_promises_after.sh — what must still hold after the event: records
# deleted by retention stay deleted when a backup from before is restored
# (Wimi §9), a completed objection keeps refusing reads, each refusal in the
# audit trail (IPORTA), and the breach clock of 72 hours runs to the second
# (Wimi §21, Art. 33(1)); IPORTA's refusal of sensitive data.
. "$(dirname "$0")/lib.sh"
setup wimi wimi

# ---- Wimi §9: deletions by retention survive a restore ----
# "Les cookies peuvent être conservés pour une durée de 13 mois"; "Les adresses
# IP et les logs ... sont conservées pour une durée d'un an à compter de la
# dernière connexion".
C=$("$GARDIEN" subject create --email client@example.fr) || fail "customer"
COOKIE=$(put "$C" --activity cookies --category user.device.cookie_id --subject-category customer "ck-81f2")
IP=$(put "$C" --activity connection --category user.device.ip_address --subject-category customer "192.0.2.7")
EMAIL=$(put "$C" --activity subscription --category user.contact.email --subject-category customer "client@example.fr")
expect_gardien 0 "cookie consent" -- consent give "$C" cookies --channel cookie-banner
expect_gardien 0 "cookie set" -- event "$C" cookie_set --at 2026-01-01
expect_gardien 0 "last login" -- event "$C" last_login --at 2026-01-01
expect_gardien 0 "backup with everything" -- --now 2026-06-01 backup create --dir "$WORK/b"
B=$("$GARDIEN" --now 2026-06-01 --json backup list --dir "$WORK/b" | jq -r '.backups[0].name')
expect_gardien 0 "sweep a day after the year" -- --now 2027-01-02 --json retention sweep
expect_out '"deleted":1'
expect_gardien 0 "sweep after 13 months" -- --now 2027-02-02 --json retention sweep
expect_out '"deleted":1'
expect_gardien 3 "IP deleted a year after the last login" -- --now 2027-02-02 get "$IP" --purpose connection
expect_gardien 3 "cookie deleted after 13 months" -- --now 2027-02-02 get "$COOKIE" --purpose cookies
expect_gardien 0 "restore the backup from before" -- --now 2027-02-03 --json backup restore "$WORK/b/$B"
expect_gardien 3 "the IP stays deleted after the restore" -- --now 2027-02-03 get "$IP" --purpose connection
expect_gardien 3 "the cookie stays deleted after the restore" -- --now 2027-02-03 get "$COOKIE" --purpose cookies
expect_gardien 0 "what retention kept comes back" -- --now 2027-02-03 get "$EMAIL" --purpose subscription
expect_out "client@example.fr"

# ---- Wimi §21: the breach clock ----
# "En cas de violation de données à caractère personnel, l'entreprise s'engage
# à en notifier à la CNIL dans les conditions prescrites par le RGPD" (Art.
# 33(1): within 72 hours of becoming aware of it).
BR=$("$GARDIEN" --now 2027-03-01T09:30:00Z --json breach record --nature confidentiality --detected 2027-03-01T09:30:00Z \
	--description "export de la base prospects laissé public" | jq .id) || fail "breach"
expect_gardien 0 "a second before the 72 hours" -- --now 2027-03-04T09:29:59Z --json breach show "$BR"
expect_eq "$(jq -r '.status + " " + (.seconds_left|tostring) + " " + .deadline' <<<"$OUT")" "open 1 2027-03-04T09:30:00Z" "open, one second left"
expect_gardien 0 "a second after" -- --now 2027-03-04T09:30:01Z --json breach show "$BR"
expect_eq "$(jq -r .status <<<"$OUT")" overdue "overdue after 72 hours"
expect_gardien 2 "late without a reason" -- --now 2027-03-04T10:00:00Z breach notify "$BR"
expect_gardien 0 "late with its reason" -- --now 2027-03-04T10:00:00Z breach notify "$BR" --delay-reason "étendue établie le 4 mars"
expect_gardien 0 "notified late" -- --now 2027-03-05 --json breach show "$BR"
expect_eq "$(jq -r .status <<<"$OUT")" notified-late "the delay and its reason are on record"
BR2=$("$GARDIEN" --now 2027-03-10T08:00:00Z --json breach record --nature availability --detected 2027-03-10T08:00:00Z \
	--description "serveur indisponible" | jq .id) || fail "second breach"
expect_gardien 0 "notified within 72 hours" -- --now 2027-03-13T08:00:00Z breach notify "$BR2"
expect_gardien 0 "in time" -- --now 2027-03-14 --json breach show "$BR2"
expect_eq "$(jq -r .status <<<"$OUT")" notified "notified at the 72nd hour"

# ---- IPORTA: an objection, then a read refused and audited ----
# "Vous pouvez disposer également ... du droit de vous opposer aux traitements
# réalisés"; the refusal is traced like every access.
expect_gardien 0 "IPORTA tenant" -- tenant create iporta
expect_gardien 0 "IPORTA register" -- --tenant iporta register load "$GD_SOURCE_DIR/examples/iporta.yml"
export GARDIEN_TENANT=iporta
V=$("$GARDIEN" subject create --email visiteur@example.fr) || fail "visitor"
EV=$(put "$V" --activity visitor_events --category user.contact.email --subject-category visitor "visiteur@example.fr")
expect_gardien 0 "read before the objection" -- get "$EV" --purpose visitor_events
O=$("$GARDIEN" --json request open objection "$V" --activity visitor_events | jq .id)
expect_gardien 0 "identity verified" -- request verify "$O" --method email --evidence reply-1
expect_gardien 0 "objection completed" -- request complete "$O"
expect_gardien 4 "read refused after the objection" -- get "$EV" --purpose visitor_events
expect_out "object"
expect_gardien 4 "refused again, later" -- --now 2028-01-01 get "$EV" --purpose visitor_events
expect_gardien 0 "the refusals in the audit trail" -- --json audit list --action record.get --outcome denied
expect_eq "$(grep -c '"record_id":'"$EV"',' <<<"$OUT")" 2 "both refused reads are traced"
expect_gardien 0 "the audit trail verifies" -- audit verify

# ---- IPORTA: "IPORTA se réserve le droit de refuser le traitement de données « sensibles »" ----
# No activity declares a special category: such data is refused at write.
expect_gardien 4 "health data refused" -- put "$V" --activity contact_requests --category user.health_and_medical --subject-category visitor "allergie"
expect_out "does not declare category user.health_and_medical"
finish
