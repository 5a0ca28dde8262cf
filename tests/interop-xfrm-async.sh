#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Copyright (C) 2026 The espvti authors.
#
# interop-xfrm-async: tests/interop-xfrm.sh (topology drawn there: espvti
# in one namespace, xfrm interface in the other) with the SAs of every espvti
# device on an asynchronous AEAD implementation (ESPVTI_TEST_CRYPTO, default
# pcrypt; espctl set DEV crypto ...): the wire format stays what the
# kernel's own ESP reads and writes.
#
# vmtest-timeout: 540
export ESPVTI_TEST_CRYPTO=${ESPVTI_TEST_CRYPTO:-pcrypt}
exec bash "$(dirname "$0")/interop-xfrm.sh" "$@"
