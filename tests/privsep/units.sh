#!/bin/bash
# systemd-analyze verify on the units (binaries pointed at the build), then
# the exposure scores of `systemd-analyze security --offline` (printed; the
# check fails only if verify fails or a score is worse than the limit).
set -uo pipefail
LIMIT=${UNITS_MAX_EXPOSURE:-4.0}
here=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v systemd-analyze >/dev/null; then
	echo "check-units: systemd-analyze missing (tools/deps/privsep.txt lists systemd)" >&2; exit 1
fi
D=$(mktemp -d /tmp/spinal-units.XXXXXX)
trap 'rm -rf "$D"' EXIT
mkdir -p "$D/bin"
for b in spinal-core spinal-agent; do printf '#!/bin/sh\n' >"$D/bin/$b"; chmod 755 "$D/bin/$b"; done
for u in spinal-core spinal-agent; do
	sed "s|/usr/local/bin/|$D/bin/|" "$here/deploy/systemd/$u.service" >"$D/$u.service"
done
rc=0
if out=$(systemd-analyze verify "$D/spinal-core.service" "$D/spinal-agent.service" 2>&1) && [ -z "$out" ]; then
	echo "ok   - systemd-analyze verify: both units clean"
else
	echo "FAIL - systemd-analyze verify:"; echo "$out"; rc=1
fi
for u in spinal-core spinal-agent; do
	line=$(systemd-analyze security --offline=true "$D/$u.service" 2>/dev/null | grep -E "Overall exposure level")
	score=$(grep -oE '[0-9]+\.[0-9]+' <<<"$line" | head -1)
	echo "     $u.service: ${line#*: }"
	if [ -z "$score" ] || awk -v s="$score" -v l="$LIMIT" 'BEGIN{exit !(s > l)}'; then
		echo "FAIL - $u exposure ${score:-?} above $LIMIT"; rc=1
	fi
done
[ $rc = 0 ] && echo "check-units: PASS" || echo "check-units: FAIL"
exit $rc
