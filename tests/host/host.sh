#!/bin/bash
# tools/vpngw-host on a fake sysfs/procfs tree built here (no NIC needed):
# check reports a missing IOMMU and hugepages, a dry run prints the
# expected steps and changes nothing, a real run writes the expected
# files, and (strace) nothing outside the tree is opened for writing or
# run.
# Usage: host.sh SRCDIR
set -u
src=$1
tool=$src/tools/vpngw-host
t=$(mktemp -d /tmp/vpngw-host.XXXXXX)
trap 'rm -rf "$t"' EXIT
. "$src/tests/common.sh"
export PYTHONDONTWRITEBYTECODE=1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok: $*"; }

r=$t/root
pf=0000:03:00.0
vf0=0000:03:10.0
vf1=0000:03:10.2
build_tree() {
	rm -rf "$r"
	mkdir -p "$r/proc" "$r/etc/default" "$r/sys/kernel/iommu_groups" \
		"$r/sys/devices/system/cpu" "$r/sys/bus/pci/devices" \
		"$r/sys/class/net/enp3s0f0"
	echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet" >"$r/proc/cmdline"
	printf 'vendor_id\t: GenuineIntel\nflags\t\t: fpu sse2 aes pclmulqdq avx2 avx512f vaes vpclmulqdq\n\nvendor_id\t: GenuineIntel\n' >"$r/proc/cpuinfo"
	echo "sysfs /sys sysfs rw 0 0" >"$r/proc/mounts"
	: >"$r/sys/devices/system/cpu/isolated"
	for c in 0 1 2 3; do
		mkdir -p "$r/sys/devices/system/cpu/cpu$c" \
			"$r/sys/devices/system/node/node0/cpu$c"
	done
	for kb in 2048 1048576; do
		h=$r/sys/devices/system/node/node0/hugepages/hugepages-${kb}kB
		mkdir -p "$h"
		echo 0 >"$h/nr_hugepages"
		echo 0 >"$h/free_hugepages"
	done
	mkdir -p "$r/sys/bus/pci/drivers/ixgbe" "$r/sys/bus/pci/drivers/ixgbevf" \
		"$r/sys/bus/pci/drivers/vfio-pci"
	: >"$r/sys/bus/pci/drivers_probe"
	for d in ixgbe ixgbevf vfio-pci; do
		: >"$r/sys/bus/pci/drivers/$d/unbind"
	done
	p=$r/sys/bus/pci/devices/$pf
	mkdir -p "$p/net/enp3s0f0"
	echo 0x020000 >"$p/class"
	echo 0 >"$p/numa_node"
	echo 8 >"$p/sriov_totalvfs"
	echo 0 >"$p/sriov_numvfs"
	echo 1 >"$p/sriov_drivers_autoprobe"
	: >"$p/driver_override"
	ln -s ../../drivers/ixgbe "$p/driver"
	ln -s ../$vf0 "$p/virtfn0"
	ln -s ../$vf1 "$p/virtfn1"
	for v in $vf0 $vf1; do
		mkdir -p "$r/sys/bus/pci/devices/$v"
		echo 0x020000 >"$r/sys/bus/pci/devices/$v/class"
		echo 0 >"$r/sys/bus/pci/devices/$v/numa_node"
		: >"$r/sys/bus/pci/devices/$v/driver_override"
		ln -s ../../drivers/ixgbevf "$r/sys/bus/pci/devices/$v/driver"
		ln -s ../$pf "$r/sys/bus/pci/devices/$v/physfn"
	done
	echo 3c:fd:fe:01:02:03 >"$r/sys/class/net/enp3s0f0/address"
	ln -s ../../bus/pci/devices/$pf "$r/sys/class/net/enp3s0f0/device"
	printf 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX=""\n' \
		>"$r/etc/default/grub"
	# The ip(8) of the tests: records its arguments inside the tree.
	printf '#!/bin/sh\necho "$*" >>"%s/ip.log"\n' "$r" >"$t/ip"
	chmod +x "$t/ip"
}
snapshot() { (cd "$r" && find . -printf '%p %l\n' | sort && find . -type f -exec md5sum {} + | sort); }

# 1. check: no IOMMU, no hugepages, said with what to run.
build_tree
out=$("$tool" --root "$r" check --workers 1-2 2>&1)
rc=$?
echo "$out"
[ $rc -eq 1 ] && pass "check exits 1 with things missing" || fail "check exit $rc"
grep -q "MISSING  IOMMU off: /sys/kernel/iommu_groups is empty" <<<"$out" &&
	grep -q "vpngw-host iommu (adds intel_iommu=on iommu=pt" <<<"$out" &&
	pass "check: IOMMU off, and the fix" || fail "check: IOMMU not reported"
grep -q "MISSING  no hugepages reserved" <<<"$out" &&
	pass "check: no hugepages, and the fix" || fail "check: hugepages not reported"
grep -q "AVX-512 with VAES" <<<"$out" && pass "check: crypto path" ||
	fail "check: crypto path"
grep -q "port     $pf driver ixgbe, NUMA node 0, interface enp3s0f0, SR-IOV: 0 of 8 VFs" <<<"$out" &&
	grep -q "port     $vf0 driver ixgbevf, NUMA node 0, VF of $pf" <<<"$out" &&
	pass "check: NICs listed" || fail "check: NICs"
grep -q "worker core 1 is not isolated" <<<"$out" && pass "check: isolation advice" ||
	fail "check: isolation advice"

# 2. A dry run prints every step and changes nothing.
before=$(snapshot)
out=$("$tool" --root "$r" --dry-run vfs enp3s0f0 --count 2 --vlan 100 \
	--trust on --spoofchk off --bind 2>&1)
rc=$?
want="would write /sys/bus/pci/devices/$pf/sriov_drivers_autoprobe: 0
would write /sys/bus/pci/devices/$pf/sriov_numvfs: 2
would run ip link set dev enp3s0f0 vf 0 mac 02:fe:01:02:03:00 vlan 100 trust on spoofchk off
would run ip link set dev enp3s0f0 vf 1 mac 02:fe:01:02:03:01 vlan 100 trust on spoofchk off
would write /sys/bus/pci/devices/$vf0/driver/unbind: $vf0
would write /sys/bus/pci/devices/$vf0/driver_override: vfio-pci
would write /sys/bus/pci/drivers_probe: $vf0
would write /sys/bus/pci/devices/$vf1/driver/unbind: $vf1
would write /sys/bus/pci/devices/$vf1/driver_override: vfio-pci
would write /sys/bus/pci/drivers_probe: $vf1
would write /sys/bus/pci/devices/$pf/sriov_drivers_autoprobe: 1"
if [ $rc -eq 0 ] && [ "$out" = "$want" ]; then
	pass "dry run prints the 11 expected steps"
else
	fail "dry run (exit $rc) printed:"
	echo "$out"
	diff <(echo "$want") <(echo "$out")
fi
[ "$before" = "$(snapshot)" ] && pass "dry run changed nothing in the tree" ||
	fail "dry run changed the tree"
out=$("$tool" --root "$r" --dry-run hugepages --count 512 2>&1; "$tool" --root "$r" --dry-run iommu 2>&1)
grep -q "would write /sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages: 512" <<<"$out" &&
	grep -qx 'would write /etc/default/grub: GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on iommu=pt"' <<<"$out" &&
	[ "$before" = "$(snapshot)" ] && pass "dry runs of hugepages and iommu" ||
	{ fail "dry runs of hugepages and iommu"; echo "$out"; }

# 3. Real runs write the expected files, under strace: every file opened
# for writing is in the tree, and the only programs run are the tool and
# the tests' ip.
if command -v strace >/dev/null; then
	st="strace -f -qq -e trace=openat,open,creat,execve,unlink,unlinkat,rename,renameat,renameat2,mkdir,mkdirat,symlink,symlinkat,truncate -o $t/strace"
else
	st=""
	fail "strace is not installed (tools/setup.sh installs it)"
fi
$st "$tool" --root "$r" --ip "$t/ip" vfs $pf --count 2 --vlan 100 --trust on \
	--spoofchk off --bind >"$t/out" 2>&1 &&
	$tool --root "$r" --ip "$t/ip" hugepages --count 512 >>"$t/out" 2>&1 &&
	$tool --root "$r" iommu >>"$t/out" 2>&1 &&
	$tool --root "$r" isolate 2-3 >>"$t/out" 2>&1
rc=$?
cat "$t/out"
[ $rc -eq 0 ] && pass "real runs exit 0" || fail "real runs exit $rc"
p=$r/sys/bus/pci/devices
[ "$(cat "$p/$pf/sriov_numvfs")" = 2 ] && pass "sriov_numvfs is 2" ||
	fail "sriov_numvfs: $(cat "$p/$pf/sriov_numvfs")"
[ "$(cat "$p/$vf0/driver_override")" = vfio-pci ] &&
	[ "$(cat "$p/$vf1/driver_override")" = vfio-pci ] &&
	[ "$(cat "$r/sys/bus/pci/drivers/ixgbevf/unbind")" = "$vf1" ] &&
	[ "$(cat "$r/sys/bus/pci/drivers_probe")" = "$vf1" ] &&
	pass "VFs handed to vfio-pci (unbind, driver_override, drivers_probe)" ||
	fail "VF binding files"
[ "$(cat "$r/ip.log")" = "link set dev enp3s0f0 vf 0 mac 02:fe:01:02:03:00 vlan 100 trust on spoofchk off
link set dev enp3s0f0 vf 1 mac 02:fe:01:02:03:01 vlan 100 trust on spoofchk off" ] &&
	[ "$(cat "$p/$pf/sriov_drivers_autoprobe")" = 1 ] &&
	pass "ip run for each VF's MAC, VLAN, trust and spoof check" ||
	{ fail "ip log"; cat "$r/ip.log"; }
[ "$(cat "$r/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages")" = 512 ] &&
	pass "nr_hugepages 512 on node 0" || fail "nr_hugepages"
grep -qx 'GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on iommu=pt isolcpus=2-3 nohz_full=2-3 rcu_nocbs=2-3"' \
	"$r/etc/default/grub" && grep -qx 'GRUB_DEFAULT=0' "$r/etc/default/grub" &&
	pass "kernel command line in /etc/default/grub" ||
	{ fail "grub"; cat "$r/etc/default/grub"; }
out=$("$tool" --root "$r" iommu 2>&1)
grep -q "already has intel_iommu=on iommu=pt" <<<"$out" && pass "iommu again: nothing to do" ||
	fail "iommu again: $out"
if [ -n "$st" ]; then
	outside=$(grep -E 'open(at)?\(.*O_(WRONLY|RDWR|CREAT)|creat\(|unlink|rename|mkdir|symlink|truncate' "$t/strace" |
		grep -v "\"$r/" | grep -v ' = -1 ')
	execs=$(grep 'execve(' "$t/strace" | grep -v ' = -1 ' | grep -v -e "\"$t/ip\"" -e "\"/usr/bin/python3\"" -e "\"$tool\"")
	if [ -z "$outside" ] && [ -z "$execs" ] &&
		grep -q "\"$r/sys/bus/pci/devices/$pf/sriov_numvfs\".*O_WRONLY" "$t/strace"; then
		pass "strace: writes only in the tree, runs only the tests' ip"
	else
		fail "strace: touched outside the tree:"
		echo "$outside" "$execs"
	fi
fi

# 4. Without --ip under --root, the ip steps are skipped, not run.
out=$("$tool" --root "$r" vfs $pf --count 2 2>&1)
grep -q "skipped (under --root, no --ip): ip link set dev enp3s0f0 vf 0" <<<"$out" &&
	pass "no --ip under --root: ip steps skipped" || fail "ip steps not skipped: $out"

# 5. check after the changes: IOMMU groups appear (as after the reboot),
# hugetlbfs mounted: ready.
mkdir -p "$r/sys/kernel/iommu_groups/0" "$r/sys/kernel/iommu_groups/1"
echo "nodev /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0" >>"$r/proc/mounts"
out=$("$tool" --root "$r" check 2>&1)
rc=$?
[ $rc -eq 0 ] && grep -q "ok       node 0: 512 x 2M" <<<"$out" &&
	grep -q "ok       on: 2 IOMMU groups" <<<"$out" && grep -q '^ready$' <<<"$out" &&
	pass "check: ready after the changes" || { fail "check after changes (exit $rc)"; echo "$out"; }

# 6. reset: VFs back to the kernel, none left.
rm "$p/$vf0/driver" "$p/$vf1/driver"
ln -s ../../drivers/vfio-pci "$p/$vf0/driver"
ln -s ../../drivers/vfio-pci "$p/$vf1/driver"
"$tool" --root "$r" reset enp3s0f0 >"$t/out" 2>&1
rc=$?
[ $rc -eq 0 ] && [ "$(cat "$p/$pf/sriov_numvfs")" = 0 ] &&
	[ "$(cat "$r/sys/bus/pci/drivers/vfio-pci/unbind")" = "$vf1" ] &&
	[ -z "$(cat "$p/$vf0/driver_override")" ] &&
	pass "reset: VFs off vfio-pci and removed" || { fail "reset (exit $rc)"; cat "$t/out"; }

# 6b. A new count over VFs there: 0 first (the kernel's rule), then it.
echo 2 >"$p/$pf/sriov_numvfs"
out=$("$tool" --root "$r" --dry-run vfs $pf --count 3 2>&1)
[ "$(grep -c "sriov_numvfs" <<<"$out")" = 2 ] &&
	grep -A1 "sriov_numvfs: 0" <<<"$out" | grep -q "sriov_numvfs: 3" &&
	pass "a new VF count goes through 0" || fail "new VF count: $out"

# 6c. GRUB lines in other forms: quotes, export and a comment kept, other
# parameters kept; one it can't read refused; grub.d's override noted.
printf 'GRUB_DEFAULT=0\nexport GRUB_CMDLINE_LINUX_DEFAULT='"'"'quiet console=ttyS0,115200 iommu=soft'"'"' # serial\n' \
	>"$r/etc/default/grub"
mkdir -p "$r/etc/default/grub.d"
echo 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT cloud"' \
	>"$r/etc/default/grub.d/50-cloud.cfg"
out=$("$tool" --root "$r" iommu 2>&1)
grep -qx "export GRUB_CMDLINE_LINUX_DEFAULT='quiet console=ttyS0,115200 iommu=pt intel_iommu=on' # serial" \
	"$r/etc/default/grub" && grep -q "note: /etc/default/grub.d/50-cloud.cfg sets" <<<"$out" &&
	pass "grub: quotes, export, comment and console= kept; grub.d noted" ||
	{ fail "grub other forms"; cat "$r/etc/default/grub"; echo "$out"; }
printf 'GRUB_CMDLINE_LINUX_DEFAULT="$EXTRA quiet"\n' >"$r/etc/default/grub"
"$tool" --root "$r" iommu >"$t/out" 2>&1
[ $? -eq 1 ] && grep -q "grub:1: can't edit this GRUB_CMDLINE_LINUX_DEFAULT safely" "$t/out" &&
	grep -qx 'GRUB_CMDLINE_LINUX_DEFAULT="$EXTRA quiet"' "$r/etc/default/grub" &&
	pass "grub: a line with a variable refused, untouched" || fail "grub variable: $(cat "$t/out")"

# 7. Wrong input: a clear message and exit 2, or 1 for a device not there.
"$tool" --root "$r" vfs $pf --count 2 --mac-base 02:ff:ff:ff:ff:ff >"$t/out" 2>&1
[ $? -eq 2 ] && grep -q "run over into the first byte" "$t/out" && pass "a MAC base that overflows refused" ||
	fail "mac base overflow: $(cat "$t/out")"
"$tool" --root "$r" vfs $pf --count 9 >"$t/out" 2>&1
[ $? -eq 2 ] && grep -q "takes 1 to 8 VFs, not 9" "$t/out" && pass "too many VFs refused" ||
	fail "too many VFs: $(cat "$t/out")"
"$tool" --root "$r" bind 0000:09:00.0 >"$t/out" 2>&1
[ $? -eq 1 ] && grep -q "no PCI device 0000:09:00.0" "$t/out" && pass "unknown device refused" ||
	fail "unknown device: $(cat "$t/out")"
"$tool" --root "$r" isolate 0-1 >"$t/out" 2>&1
[ $? -eq 2 ] && grep -q "CPU 0 keeps" "$t/out" && pass "isolating CPU 0 refused" ||
	fail "isolate 0: $(cat "$t/out")"

echo "host tool: $fails failure(s)"
[ $fails -eq 0 ]
