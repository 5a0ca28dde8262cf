#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# malformed-async: tests/malformed.sh (topology drawn there: an espvti pair,
# crafted ESP from a raw socket) with the SAs of every espvti device on an
# asynchronous AEAD implementation (ESPVTI_TEST_CRYPTO, default pcrypt;
# espctl set DEV crypto ...): every malformed kind is still dropped with its
# own counter when the ICV and trailer checks run after an asynchronous
# completion.
#
# vmtest-timeout: 480
# The asynchronous path is the same code on both kernels, and the plain
# test runs on both; this variant runs on 6.12 only, to keep make check
# within CI's time (teardown-load and crypto-flood still run pcrypt on 6.1).
# vmtest-kernels: ^6\.12\.
export ESPVTI_TEST_CRYPTO=${ESPVTI_TEST_CRYPTO:-pcrypt}
exec bash "$(dirname "$0")/malformed.sh" "$@"
