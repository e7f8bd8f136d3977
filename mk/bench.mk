# The benchmark protocol shared by every side-by-side benchmark:
# tools/bench/pairstat.py (interleaved A/B rounds -> median ratio, bootstrap 95 % interval).
.PHONY: check-pairstat
check-pairstat:
	@/usr/bin/python3 tests/unit/test_pairstat.py
CHECKS += check-pairstat
