# js_tools.sh — sourced by tests that need the pinned JavaScript tools of
# tests/tools/js (yaml, ajv, jsonld). js_tools installs them once per build
# directory with `npm ci` (exactly the versions of package-lock.json; again
# when the lock changes), under a lock since tests run in parallel, and sets
# NODE_PATH. Returns non-zero when they cannot be installed.
js_tools() {
	local src="$GD_SOURCE_DIR/tests/tools/js"
	local dir="${GD_BUILD_DIR:-${TMPDIR:-/tmp}/gardien-build-$(id -u)}/js-tools"
	mkdir -p "$dir" || return 1
	(
		flock 9
		if ! cmp -s "$src/package-lock.json" "$dir/package-lock.json" || [ ! -d "$dir/node_modules" ]; then
			rm -rf "$dir/node_modules"
			cp "$src/package.json" "$src/package-lock.json" "$dir/" &&
				(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
		fi
	) 9>"$dir/.lock" || return 1
	export NODE_PATH="$dir/node_modules"
}
