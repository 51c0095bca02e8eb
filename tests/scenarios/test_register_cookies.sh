# test_register_cookies.sh — cookies as the three notices declare them
# (register key "cookies", format 2): Wimi's lifetime, WinBooks' policy link,
# IPORTA's pointer to the policy on its site; checked by 'register check',
# exported for people and machines, and the consent of Wimi's cookies no
# longer than the cookie.
. "$(dirname "$0")/lib.sh"
setup wimi wimi
ex() { "$GARDIEN" register export --file "$GD_SOURCE_DIR/examples/$1.yml" --format "$2" ${3:+--language "$3"}; }

# Wimi §9: "Cookies : Les cookies peuvent être conservés pour une durée de 13 mois."
expect_eq "$(ex wimi json | jq -c '.cookies.list')" '[{"name":"cookies du site web","activity":"cookies","lifetime":"13 months"}]' "Wimi's cookies and their 13 months"
ex wimi md fr >wimi.md
expect_match "$(cat wimi.md)" '\| cookies du site web \| traitement : cookies — durée de vie : 13 mois \|' "the lifetime in the French register"
expect_match "$(cat wimi.md)" 'Les cookies peuvent être conservés pour une durée de 13 mois' "the notice's words"
# The version loaded in the vault exports them too.
expect_gardien 0 "export of the loaded version" -- register export --format json
expect_out '"lifetime": "13 months"'
# WinBooks: "notre police de cookies reprise sous le lien :
# https://static.winbooks.be/resources/policies/police-de-cookies-winbooks.pdf"
expect_eq "$(ex winbooks json | jq -r .cookies.policy)" "https://static.winbooks.be/resources/policies/police-de-cookies-winbooks.pdf" "WinBooks' cookie policy"
ex winbooks html fr >winbooks.html
expect_match "$(cat winbooks.html)" 'Politique cookies' "the policy in WinBooks' register page"
# IPORTA: "nous vous renvoyons à notre politique cookies présente sur notre Site internet"
expect_match "$(ex iporta json | jq -r .cookies.text)" "politique cookies présente sur notre Site internet" "IPORTA's pointer"
expect_eq "$(ex iporta json | jq '.cookies.list | length')" 0 "IPORTA's notice names no cookie: none invented"

# register check: what a declaration must be.
variant() { sed "$1" "$GD_SOURCE_DIR/examples/wimi.yml" >v.yml; }
variant 's/    - {name: cookies du site web, activity: cookies, lifetime: 13 months}/    - {name: cookies du site web, activity: cookies, lifetime: 25 months}/'
expect_gardien 0 "a lifetime of 25 months is a warning" -- register check v.yml
expect_out "beyond what the CNIL accepts"
variant 's/      validity: 13 months/      validity: 24 months/'
expect_gardien 0 "a consent outliving the cookie is a warning" -- register check v.yml
expect_out 'the consent of activity "cookies" outlives the cookie'
variant 's/activity: cookies, lifetime/activity: banner, lifetime/'
expect_gardien 2 "a cookie of an unknown activity" -- register check v.yml
expect_out 'activity "banner" is not in the register'
variant 's|^  text: "Les cookies peuvent être conservés pour une durée de 13 mois."|  policy: "voir le site"|'
expect_gardien 2 "a policy that is no address" -- register check v.yml
expect_out 'give the cookie policy'"'"'s address'
variant '/^cookies:/,/^$/d'
expect_gardien 0 "no cookie declared" -- register check v.yml
expect_out 'activity "cookies" keeps cookie identifiers and no cookie is declared for it'
finish
