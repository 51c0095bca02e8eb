#!/usr/bin/env bash
# /metrics as Prometheus scrapes it: the exposition passes `promtool check
# metrics` (Debian's prometheus), with gardien_build_info, the process_*
# family, and per tenant the gauges a DPO alerts on — requests overdue and
# due within 7 days, open breaches and the hours left to notify, the
# retention backlog, the age of the last audit checkpoint and verification —
# whose values follow what is in the vault (on a fixed clock).
. "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || fail "promtool is missing: run scripts/deps.sh (Debian package prometheus)"
setup_vault
start_server --now 2026-02-02T10:00:00Z
T=/v1/tenants/acme

metric() { # metric NAME{LABELS}: its value in $BODY, "" when absent
	awk -v k="$1" '$1 == k {print $2}' <<<"$BODY"
}
check_promtool() {
	promtool check metrics <<<"$BODY" >"$W/promtool" 2>&1 || { cat "$W/promtool" >&2; fail "promtool check metrics: $1"; }
}

req GET /metrics; expect_status 200
check_promtool "on a fresh server"
[ "$(metric "gardien_build_info{version=\"$("$G" version | awk '{print $NF}' | head -1)\"}")" = 1 ] ||
	grep -q '^gardien_build_info{version="[^"]*"} 1$' <<<"$BODY" || fail "no gardien_build_info: $BODY"
for m in process_cpu_seconds_total process_resident_memory_bytes process_open_fds process_start_time_seconds process_max_fds; do
	v=$(metric $m)
	[[ $v =~ ^[0-9.e+]+$ ]] || fail "$m: '$v'"
done
[ "$(metric process_resident_memory_bytes | cut -d. -f1)" -gt 1000000 ] || fail "resident memory too small to be true"
# the process started before now and after the machine booted
start=$(metric process_start_time_seconds | cut -d. -f1)
[ "$start" -le "$(date +%s)" ] && [ "$start" -gt "$(( $(date +%s) - 86400 ))" ] || fail "start time $start"
[ "$(metric process_open_fds)" -ge 3 ] || fail "open fds"
for t in acme beta; do
	for m in gardien_requests_overdue gardien_requests_due_7d gardien_breaches_open gardien_retention_backlog; do
		[ "$(metric "$m{tenant=\"$t\"}")" = 0 ] || fail "$m of $t on an empty tenant: '$(metric "$m{tenant=\"$t\"}")'"
	done
	[ -z "$(metric "gardien_breach_notify_seconds_left{tenant=\"$t\"}")" ] || fail "time left without a breach"
	[ -z "$(metric "gardien_audit_verify_age_seconds{tenant=\"$t\"}")" ] || fail "a verification nobody made"
done

# requests: one received 2025-12-10 (due in January: overdue), one 2026-01-05
# (due 2026-02-05: within 7 days), one 2026-01-30 (due in March: neither)
req POST $T/subjects "$TADMIN" '{}'; S=$(jq -r .subject <<<"$BODY")
for d in 2025-12-10 2026-01-05 2026-01-30; do
	req POST $T/requests "$TADMIN" "{\"kind\":\"access\",\"subject\":\"$S\",\"received_at\":\"$d\"}"; expect_status 201
done
# a breach detected 2026-02-02T00:00Z: 72 hours → 62 hours (223200 s) left at 10:00
req POST $T/breaches "$TADMIN" '{"detected_at":"2026-02-02T00:00:00Z","nature":"confidentiality","description":"stolen laptop"}'
expect_status 201
B1=$(jq -r .id <<<"$BODY")
req GET $T/audit/verify "$TADMIN"; expect_status 200
[ "$(jq -r .intact <<<"$BODY")" = true ] || fail "audit chain not intact: $BODY"
req GET /metrics; expect_status 200
check_promtool "with requests, a breach and a verification"
[ "$(metric 'gardien_requests_overdue{tenant="acme"}')" = 1 ] || fail "overdue: $(metric 'gardien_requests_overdue{tenant="acme"}')"
[ "$(metric 'gardien_requests_due_7d{tenant="acme"}')" = 1 ] || fail "due in 7 days: $(metric 'gardien_requests_due_7d{tenant="acme"}')"
[ "$(metric 'gardien_breaches_open{tenant="acme"}')" = 1 ] || fail "breaches open"
[ "$(metric 'gardien_breach_notify_seconds_left{tenant="acme"}')" = 223200 ] ||
	fail "time left: $(metric 'gardien_breach_notify_seconds_left{tenant="acme"}')"
[ "$(metric 'gardien_audit_verify_age_seconds{tenant="acme"}')" = 0 ] || fail "verify age: $(metric 'gardien_audit_verify_age_seconds{tenant="acme"}')"
[ -z "$(metric 'gardien_audit_verify_age_seconds{tenant="beta"}')" ] || fail "beta was not verified"
[ "$(metric 'gardien_requests_overdue{tenant="beta"}')" = 0 ] || fail "beta counts acme's requests"
[[ $(metric 'gardien_audit_checkpoint_age_seconds{tenant="acme"}') =~ ^-?[0-9]+$ ]] || fail "no checkpoint age for acme"
# the breach notified: no longer open
req POST $T/breaches/$B1/notify "$TADMIN" '{"at":"2026-02-02T09:00:00Z"}'; expect_status 200
req GET /metrics; expect_status 200
[ "$(metric 'gardien_breaches_open{tenant="acme"}')" = 0 ] || fail "a notified breach still open"
[ -z "$(metric 'gardien_breach_notify_seconds_left{tenant="acme"}')" ] || fail "time left after notification"
# a scrape writes nothing in the audit trail
req GET "$T/audit?limit=10000" "$TADMIN"; n1=$(jq '.entries | length' <<<"$BODY")
req GET /metrics; req GET /metrics
req GET "$T/audit?limit=10000" "$TADMIN"; n2=$(jq '.entries | length' <<<"$BODY")
[ $((n2 - n1)) -le 1 ] || fail "scrapes were audited: $n1 → $n2 entries"
echo "metrics: ok"
