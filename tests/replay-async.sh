#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# replay-async: tests/replay.sh (topology drawn there: an espvti pair over a
# veth) with the SAs of every espvti device on an asynchronous AEAD
# implementation (ESPVTI_TEST_CRYPTO, default pcrypt; espctl set DEV crypto
# ...), so that decryption completes from crypto callbacks and the replay
# window is checked and advanced from them.
#
# vmtest-timeout: 480
# The asynchronous path is the same code on both kernels, and the plain
# test runs on both; this variant runs on 6.12 only, to keep make check
# within CI's time (teardown-load and crypto-flood still run pcrypt on 6.1).
# vmtest-kernels: ^6\.12\.
export ESPVTI_TEST_CRYPTO=${ESPVTI_TEST_CRYPTO:-pcrypt}
exec bash "$(dirname "$0")/replay.sh" "$@"
