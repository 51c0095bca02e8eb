#!/usr/bin/env bash
# examples/hello.c, the library's smallest client, does what it says.
. "$(dirname "$0")/lib.sh"
hello="$(dirname "$GARDIEN")/hello"
expect_code 0 "$hello" "$T/hello.db"
expect_match "$out" '^sub_[0-9a-f]{24}: user.contact.email = ana@example.org'
expect_match "$out" 'refused: .*marketing'
expect_match "$out" 'erased: not found any more'
expect_code 1 "$hello" "$T/hello.db"
expect_match "$err" "already exists"
finish
