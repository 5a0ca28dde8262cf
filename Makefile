# SPDX-License-Identifier: GPL-2.0
#
# Top-level Makefile for espvti.
#
#   make                 module for KVER (default: newest installed kernel headers)
#                        and the userland tools
#   make KVER=6.1.0-...  module for that kernel (KDIR=... for a kernel tree)
#   make modules-all     module for every installed kernel with headers
#   make check           all tests (host unit tests, then VM tests on each kernel)
#   make check-debug     every VM test on a KASAN/KMEMLEAK/lockdep kernel built
#                        from Debian's linux-source-6.12 (cached; the first run
#                        compiles it), with longer stress and fuzz runs
#   make demo            install deps, build, boot a VM and bring a tunnel up
#   make bench           throughput and packet rate against xfrm and WireGuard,
#                        IKE handshake rate against strongSwan (VM; BENCH=ike:
#                        IKE only; BENCH_ARGS='--quick' or other bench/run
#                        options, e.g. BENCH_ARGS='-c 2 -w tcp1,udp64')
#   make bench-sa-scale  packet rate received with 10 and with 10,000 inbound
#                        SAs in the namespace (VM, bench/sa-scale; BENCH_ARGS
#                        for its options, e.g. BENCH_ARGS='-k KVER -r 5')
#   make install         module into /lib/modules/KVER/extra, tools into PREFIX,
#                        espiked.service into UNITDIR (default /lib/systemd/system)
#   make deb             Debian packages espvti-dkms and espvti-tools (debian/,
#                        dpkg-buildpackage -us -uc -b) in build/deb/, then
#                        lintian on them (fails on an error, lists warnings)
#   make check-packages  (root) builds the packages, installs them on this
#                        machine, lets DKMS build the module for 6.1 and 6.12,
#                        brings a tunnel up in a VM of each with the installed
#                        module and tools, purges them and checks that nothing
#                        is left (tests/packages/check-packages.sh; minutes)

KERNELS := $(notdir $(patsubst %/build,%,$(wildcard /lib/modules/*/build)))
KVER ?= $(lastword $(shell printf '%s\n' $(KERNELS) | sort -V))
KDIR ?= /lib/modules/$(KVER)/build
BUILD = $(CURDIR)/build/$(KVER)
PREFIX ?= /usr/local
# VMs booted at once by `make check` (each gets one CPU when more than one).
CHECK_JOBS ?= 2

KMOD_SRC := $(wildcard $(CURDIR)/kmod/*.c $(CURDIR)/kmod/*.h)

.PHONY: all module modules-all userland check check-debug check-packages debug-kernel demo bench bench-sa-scale fuzz install deb clean

all: module userland

# Each kernel gets its own build directory of links to the sources, so that
# modules for several kernels can be built from one tree.
module:
	@test -d "$(KDIR)" || { echo "make: no kernel headers at $(KDIR) (run scripts/install-deps, or set KVER/KDIR)"; exit 1; }
	@mkdir -p $(BUILD)/kmod
	@find $(BUILD)/kmod -xtype l -delete
	@ln -sfn $(CURDIR)/Kbuild $(BUILD)/Kbuild
	@ln -sfn $(CURDIR)/include $(BUILD)/include
	@ln -sf $(KMOD_SRC) $(BUILD)/kmod/
	$(MAKE) -C $(KDIR) M=$(BUILD) modules
	@ln -sfn build/$(KVER)/espvti.ko espvti.ko

modules-all:
	@for k in $(KERNELS); do $(MAKE) --no-print-directory module KVER=$$k KDIR=/lib/modules/$$k/build || exit 1; done

userland:
	$(MAKE) -C userland

check: modules-all userland
	scripts/check -j $(CHECK_JOBS)

check-debug: userland
	scripts/check-debug

debug-kernel:
	scripts/build-debug-kernel

demo:
	scripts/install-deps
	$(MAKE) modules-all userland
	scripts/demo

bench: modules-all userland
	bench/run $(if $(BENCH),-b $(BENCH)) $(BENCH_ARGS)

bench-sa-scale: modules-all userland
	bench/sa-scale $(BENCH_ARGS)

fuzz: userland
	$(MAKE) -C userland fuzz

install: module userland
	install -D -m 0644 $(BUILD)/espvti.ko $(DESTDIR)/lib/modules/$(KVER)/extra/espvti.ko
	$(MAKE) -C userland install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	install -D -m 0644 Documentation/espctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/espctl.8
	install -D -m 0644 Documentation/espiked.8 $(DESTDIR)$(PREFIX)/share/man/man8/espiked.8
	[ -n "$(DESTDIR)" ] || depmod -a $(KVER)

deb:
	scripts/build-deb build/deb

check-packages:
	tests/packages/check-packages.sh

clean:
	rm -rf build espvti.ko
	$(MAKE) -C userland clean
