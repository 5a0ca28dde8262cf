#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# teardown-async: tests/teardown.sh (topology drawn there: an espvti pair
# under flood ping and TCP) with the SAs of every espvti device on an
# asynchronous AEAD implementation (ESPVTI_TEST_CRYPTO, default pcrypt;
# espctl set DEV crypto ...): device deletion, rmmod and namespace deletion
# while asynchronous requests are in flight stay clean (no warning, no
# leak, no crash), and the module comes back.
#
# vmtest-timeout: 240
# The asynchronous path is the same code on both kernels, and the plain
# test runs on both; this variant runs on 6.12 only, to keep make check
# within CI's time (teardown-load and crypto-flood still run pcrypt on 6.1).
# vmtest-kernels: ^6\.12\.
export ESPVTI_TEST_CRYPTO=${ESPVTI_TEST_CRYPTO:-pcrypt}
exec bash "$(dirname "$0")/teardown.sh" "$@"
