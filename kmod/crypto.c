// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The espvti authors.
 *
 * AEAD algorithms and transforms, and the per-packet crypto requests of the
 * data path.
 *
 * espvti uses the plain RFC 4106 and RFC 7634 templates of the crypto API,
 * without an IV generator: the explicit IV of a packet is its 64-bit sequence
 * number, which never repeats under one key because an SA stops sending
 * before its sequence numbers would wrap (output.c). Both templates read the
 * associated data and then the 8-byte IV from the start of the source
 * scatterlist, authenticate only the associated data, and take the IV itself
 * from req->iv; so req->assoclen is the length of the associated data plus 8,
 * and the packet's IV is mapped right after the associated data:
 *
 *   sg[0]      SPI | [seq high] | seq low     (8 or 12 bytes, in espvti_pkt)
 *   sg[1..n]   IV | payload + trailer | ICV  (in the packet)
 */

#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <crypto/aead.h>
#include <linux/ip.h>
#include <net/ip.h>
#if __has_include(<linux/unaligned.h>)
#include <linux/unaligned.h>	/* 6.12 */
#else
#include <asm/unaligned.h>
#endif

#include "chachapoly.h"
#include "crypto.h"
#include "device.h"
#include "esp.h"
#include "sa.h"

/*
 * Bounds on the requests in flight in the crypto API, charged at submission
 * and released by the done functions (input.c, output.c). An asynchronous
 * transform queues a request with its skb and SA reference before the ICV
 * is checked; without a bound a sender who knows an SPI could make the
 * receiver queue without limit. Operators may change them at run time.
 */
static unsigned int espvti_max_inflight = ESPVTI_CRYPTO_MAX_INFLIGHT;
static unsigned int espvti_max_inflight_sa = ESPVTI_CRYPTO_MAX_INFLIGHT_SA;

static int espvti_param_set_bound(const char *val,
				  const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 1U << 20);
}

static const struct kernel_param_ops espvti_param_bound_ops = {
	.set = espvti_param_set_bound,
	.get = param_get_uint,
};

module_param_cb(crypto_max_inflight, &espvti_param_bound_ops,
		&espvti_max_inflight, 0644);
MODULE_PARM_DESC(crypto_max_inflight,
		 "Most crypto requests in flight per device, 1..1048576 (default 1024)");
module_param_cb(crypto_max_inflight_sa, &espvti_param_bound_ops,
		&espvti_max_inflight_sa, 0644);
MODULE_PARM_DESC(crypto_max_inflight_sa,
		 "Most crypto requests in flight per SA, 1..1048576 (default 256)");

/**
 * espvti_crypto_charge() - account a request about to be submitted
 * @edev: the device of @sa
 * @sa: the SA whose transform will run the request
 *
 * Takes one slot of the SA's and one of the device's bound. Any context.
 *
 * Return: true when both had room; false when the packet must be dropped
 * (counted as rx/tx_crypto_busy by the caller); nothing is then charged.
 */
bool espvti_crypto_charge(struct espvti_dev *edev, struct espvti_sa *sa)
{
	if (unlikely(atomic_inc_return(&sa->crypto_inflight) >
		     READ_ONCE(espvti_max_inflight_sa)))
		goto err_release_sa;
	if (unlikely(atomic_inc_return(&edev->crypto_inflight) >
		     READ_ONCE(espvti_max_inflight)))
		goto err_release_dev;
	return true;

err_release_dev:
	atomic_dec(&edev->crypto_inflight);
err_release_sa:
	atomic_dec(&sa->crypto_inflight);
	return false;
}

/**
 * espvti_crypto_release() - give back what espvti_crypto_charge() took
 * @edev: the device of @sa
 * @sa: the SA; the caller still holds its reference
 */
void espvti_crypto_release(struct espvti_dev *edev, struct espvti_sa *sa)
{
	atomic_dec(&edev->crypto_inflight);
	atomic_dec(&sa->crypto_inflight);
}

/**
 * espvti_crypto_busy() - did the transform refuse the request for lack of room?
 * @err: what crypto_aead_encrypt/decrypt() returned, or the completion error
 *
 * Requests are submitted without CRYPTO_TFM_REQ_MAY_BACKLOG: a full queue
 * refuses them at once with -ENOSPC (cryptd, crypto_engine), -EBUSY (some
 * drivers) or -EAGAIN (pcrypt when padata cannot take it).
 */
bool espvti_crypto_busy(int err)
{
	return err == -EBUSY || err == -ENOSPC || err == -EAGAIN;
}

static const struct espvti_aead_alg espvti_algs[] = {
	{
		.name = ESPVTI_ALG_AES_GCM,
		.key_lens = { 16 + 4, 24 + 4, 32 + 4 },
		.icv_lens = { 8, 12, 16 },
		.salt_len = 4,
		.iv_len = ESPVTI_IV_LEN,
		.align = 4,
	},
	{
		.name = ESPVTI_ALG_CHACHA20_POLY1305,
		.key_lens = { 32 + 4 },
		.icv_lens = { 16 },
		.salt_len = 4,
		.iv_len = ESPVTI_IV_LEN,
		.align = 4,
		.lib = true,
	},
};

/**
 * espvti_crypto_find() - look up an algorithm by its crypto API name
 * @name: as given in ESPVTI_SA_A_ALG
 *
 * Return: the algorithm, or NULL when espvti does not support it.
 */
const struct espvti_aead_alg *espvti_crypto_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(espvti_algs); i++)
		if (!strcmp(espvti_algs[i].name, name))
			return &espvti_algs[i];
	return NULL;
}

static bool espvti_len_in(const u8 *lens, unsigned int n, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < n && lens[i]; i++)
		if (lens[i] == len)
			return true;
	return false;
}

/**
 * espvti_crypto_key_len_ok() - is this key length (salt included) valid?
 * @alg: the algorithm
 * @len: bytes of key material, salt included
 */
bool espvti_crypto_key_len_ok(const struct espvti_aead_alg *alg,
			      unsigned int len)
{
	return espvti_len_in(alg->key_lens, ARRAY_SIZE(alg->key_lens), len);
}

/**
 * espvti_crypto_icv_len_ok() - is this ICV length valid?
 * @alg: the algorithm
 * @len: ICV bytes
 */
bool espvti_crypto_icv_len_ok(const struct espvti_aead_alg *alg,
			      unsigned int len)
{
	return espvti_len_in(alg->icv_lens, ARRAY_SIZE(alg->icv_lens), len);
}

/*
 * Allocates the transform of @alg in the implementation @impl. A wrapper
 * (cryptd, pcrypt) is put around the driver name of a synchronous
 * implementation, not around the algorithm name: an instance of either
 * template registers under the algorithm name with a higher priority, so
 * "pcrypt(rfc4106(gcm(aes)))" asked twice would nest a new pcrypt around
 * the previous instance; a driver name resolves to the same instance again.
 */
static struct crypto_aead *espvti_crypto_alloc(const struct espvti_aead_alg *alg,
					       u8 impl)
{
	char name[CRYPTO_MAX_ALG_NAME];
	struct crypto_aead *tfm;
	const char *tmpl;
	int n;

	switch (impl) {
	case ESPVTI_CRYPTO_DEFAULT:
		return crypto_alloc_aead(alg->name, 0, 0);
	case ESPVTI_CRYPTO_CRYPTD:
		tmpl = "cryptd";
		break;
	case ESPVTI_CRYPTO_PCRYPT:
		tmpl = "pcrypt";
		break;
	default:
		return ERR_PTR(-EINVAL);
	}

	tfm = crypto_alloc_aead(alg->name, 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(tfm))
		return tfm;
	n = snprintf(name, sizeof(name), "%s(%s)", tmpl,
		     crypto_tfm_alg_driver_name(crypto_aead_tfm(tfm)));
	crypto_free_aead(tfm);
	if (n >= sizeof(name))
		return ERR_PTR(-ENAMETOOLONG);
	tfm = crypto_alloc_aead(name, 0, 0);
	if (IS_ERR(tfm))
		return tfm;
	/* The option exists to run the asynchronous path: insist on it. */
	if (!(crypto_aead_tfm(tfm)->__crt_alg->cra_flags & CRYPTO_ALG_ASYNC)) {
		crypto_free_aead(tfm);
		return ERR_PTR(-ENOENT);
	}
	return tfm;
}

/**
 * espvti_crypto_init() - allocate and key the transform of an SA
 * @sa: the SA; sa->alg is set
 * @impl: enum espvti_crypto, the implementation to use
 * @key: key followed by the salt
 * @key_len: bytes in @key
 * @icv_len: ICV bytes
 *
 * Asynchronous implementations are allowed: the data path handles both.
 * Sleeps. The transform keeps its own copy of the key; @key belongs to the
 * caller.
 *
 * Return: 0; -ENOENT when the kernel has no implementation of the
 * algorithm (or cannot wrap it as @impl asks); -EINVAL when the transform
 * rejects the key or ICV length.
 */
int espvti_crypto_init(struct espvti_sa *sa, u8 impl, const u8 *key,
		       unsigned int key_len, unsigned int icv_len)
{
	struct crypto_aead *tfm;
	int ret;

	tfm = espvti_crypto_alloc(sa->alg, impl);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm) == -ENAMETOOLONG ? -ENOENT : PTR_ERR(tfm);

	ret = crypto_aead_setkey(tfm, key, key_len);
	if (ret)
		goto err_free_tfm;
	ret = crypto_aead_setauthsize(tfm, icv_len);
	if (ret)
		goto err_free_tfm;
	if (crypto_aead_ivsize(tfm) != sa->alg->iv_len) {
		ret = -EINVAL;
		goto err_free_tfm;
	}

	sa->tfm = tfm;
	/*
	 * The transform stays allocated (it sizes and carries the request of
	 * every packet) but is not run: the library does the work.
	 */
	if (sa->alg->lib && impl == ESPVTI_CRYPTO_DEFAULT &&
	    key_len == ESPVTI_CHACHAPOLY_KEY_LEN &&
	    icv_len == ESPVTI_CHACHAPOLY_TAG_LEN) {
		espvti_chachapoly_setkey(&sa->cp, key);
		sa->lib = true;
	}
	return 0;

err_free_tfm:
	/* Frees the transform's key schedule with kfree_sensitive(). */
	crypto_free_aead(tfm);
	return ret;
}

/**
 * espvti_crypto_free() - free the transform of an SA (may sleep)
 * @sa: the SA; no packet uses it any more
 */
void espvti_crypto_free(struct espvti_sa *sa)
{
	if (sa->tfm) {
		crypto_free_aead(sa->tfm);
		sa->tfm = NULL;
	}
}

/*
 * Per-packet crypto state comes from a cache of its own, with objects of
 * ESPVTI_PKT_OBJ bytes (enough for the request of every transform espvti
 * uses and the scatterlist of a packet in MAX_SKB_FRAGS fragments; a larger
 * need falls back to kmalloc()), through a per-CPU stack of free objects: a
 * packet's state is taken and given back on the CPU that happens to run
 * the code, with bottom halves disabled, no atomic operation and no call
 * into the allocator while the stack has objects (or room). Each stack
 * keeps at most ESPVTI_PKT_STACK objects (64 KiB); the rest go back to the
 * cache, and the stacks are emptied when the module is removed. A kernel
 * with KASAN bypasses the stacks, so that every free reaches the allocator
 * and a use after free of a packet's state is caught.
 */
#define ESPVTI_PKT_OBJ		2048
#define ESPVTI_PKT_STACK	32

/**
 * struct espvti_pkt_stack - free crypto state objects of one CPU
 * @n: objects in @obj.
 * @obj: the objects, @obj[@n - 1] the next to be used.
 *
 * Only its own CPU touches a stack, with bottom halves disabled: that is
 * its lock.
 */
struct espvti_pkt_stack {
	unsigned int n;
	void *obj[ESPVTI_PKT_STACK];
};

static DEFINE_PER_CPU(struct espvti_pkt_stack, espvti_pkt_stacks);
static struct kmem_cache *espvti_pkt_cache;

/* An object of @len bytes for a packet's crypto state, or NULL. */
static struct espvti_pkt *espvti_pkt_obj_get(size_t len)
{
	struct espvti_pkt_stack *st;
	struct espvti_pkt *pkt = NULL;

	if (unlikely(len > ESPVTI_PKT_OBJ)) {
		pkt = kmalloc(len, GFP_ATOMIC);
		if (pkt)
			pkt->cached = false;
		return pkt;
	}
	if (!IS_ENABLED(CONFIG_KASAN)) {
		local_bh_disable();
		st = this_cpu_ptr(&espvti_pkt_stacks);
		if (st->n)
			pkt = st->obj[--st->n];
		local_bh_enable();
	}
	if (!pkt)
		pkt = kmem_cache_alloc(espvti_pkt_cache, GFP_ATOMIC);
	if (pkt)
		pkt->cached = true;
	return pkt;
}

/* Gives back an object of espvti_pkt_obj_get(). */
static void espvti_pkt_obj_put(struct espvti_pkt *pkt)
{
	struct espvti_pkt_stack *st;

	if (unlikely(!pkt->cached)) {
		kfree(pkt);
		return;
	}
	if (!IS_ENABLED(CONFIG_KASAN)) {
		local_bh_disable();
		st = this_cpu_ptr(&espvti_pkt_stacks);
		if (st->n < ESPVTI_PKT_STACK) {
			st->obj[st->n++] = pkt;
			pkt = NULL;
		}
		local_bh_enable();
	}
	if (pkt)
		kmem_cache_free(espvti_pkt_cache, pkt);
}

/**
 * espvti_crypto_module_init() - create the cache of per-packet crypto state
 *
 * Return: 0, or -ENOMEM.
 */
int espvti_crypto_module_init(void)
{
	espvti_pkt_cache = kmem_cache_create("espvti_pkt", ESPVTI_PKT_OBJ,
					     0, SLAB_HWCACHE_ALIGN, NULL);
	return espvti_pkt_cache ? 0 : -ENOMEM;
}

/**
 * espvti_crypto_module_exit() - empty the per-CPU stacks, destroy the cache
 *
 * Called once no packet is left in flight (every device is gone and the
 * crypto workers are idle).
 */
void espvti_crypto_module_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct espvti_pkt_stack *st = per_cpu_ptr(&espvti_pkt_stacks, cpu);

		while (st->n)
			kmem_cache_free(espvti_pkt_cache, st->obj[--st->n]);
	}
	kmem_cache_destroy(espvti_pkt_cache);
}

/**
 * espvti_pkt_alloc() - allocate the crypto state of one packet
 * @sa: the SA whose transform will process the packet
 * @skb: the packet, writable where the transform will write: made so by
 *	skb_cow_data(), or found so on receive (input.c)
 * @nfrags: the most scatterlist entries the packet's data can need (what
 *	skb_cow_data() returned, or nr_frags + 1 for a packet decrypted in
 *	its own fragments)
 *
 * Layout of the single allocation (espvti_pkt_obj_get()):
 *   struct espvti_pkt | aead_request + transform context | scatterlist[] | IV
 * Each part after the first is placed with PTR_ALIGN() on the address where
 * the previous one ends: the request to crypto_tfm_ctx_alignment(), the
 * scatterlist to its type, the IV to the transform's alignment mask. The
 * size counts the most each PTR_ALIGN() can skip (alignment - 1), so no part
 * ever runs past the allocation, whatever alignment the allocator gave the
 * start and whatever the sizes of the parts before it.
 *
 * Return: the state, or NULL when out of memory. Any context.
 */
struct espvti_pkt *espvti_pkt_alloc(struct espvti_sa *sa, struct sk_buff *skb,
				    unsigned int nfrags)
{
	struct crypto_aead *tfm = sa->tfm;
	unsigned int nsg = nfrags + 1;	/* + the associated data */
	unsigned int alignmask = crypto_aead_alignmask(tfm);
	unsigned int reqlen = sizeof(struct aead_request) +
			      crypto_aead_reqsize(tfm);
	struct espvti_pkt *pkt;
	size_t len;
	u8 *p;

	len = sizeof(*pkt) +
	      crypto_tfm_ctx_alignment() - 1 + reqlen +
	      __alignof__(struct scatterlist) - 1 +
	      nsg * sizeof(struct scatterlist) +
	      alignmask + ESPVTI_IV_LEN;

	pkt = espvti_pkt_obj_get(len);
	if (unlikely(!pkt))
		return NULL;
	pkt->skb = skb;
	pkt->sa = sa;
	pkt->state = 0;
	pkt->err = 0;
	pkt->queued = false;
	pkt->queue_full = false;
	p = PTR_ALIGN((u8 *)(pkt + 1), crypto_tfm_ctx_alignment());
	pkt->req = (struct aead_request *)p;
	p = PTR_ALIGN(p + reqlen, __alignof__(struct scatterlist));
	pkt->sg = (struct scatterlist *)p;
	pkt->iv = PTR_ALIGN(p + nsg * sizeof(struct scatterlist), alignmask + 1);
	sg_init_table(pkt->sg, nsg);
	return pkt;
}

/**
 * espvti_pkt_free() - release the per-packet crypto state
 * @pkt: from espvti_pkt_alloc(); the skb and the SA reference are the
 *	caller's business
 *
 * Any context.
 */
void espvti_pkt_free(struct espvti_pkt *pkt)
{
	espvti_pkt_obj_put(pkt);
}

/* The associated data of @pkt->seq: SPI, [seq high,] seq low. */
static void espvti_pkt_aad(struct espvti_pkt *pkt)
{
	__be32 *aad = pkt->aad;

	aad[0] = htonl(pkt->sa->spi);
	if (pkt->sa->esn) {
		aad[1] = htonl(upper_32_bits(pkt->seq));
		aad[2] = htonl(lower_32_bits(pkt->seq));
	} else {
		aad[1] = htonl(lower_32_bits(pkt->seq));
	}
}

/**
 * espvti_pkt_set_seq() - give a packet to be encrypted its sequence number
 * @pkt: mapped by espvti_pkt_map() for encryption
 * @esp: its ESP header
 * @seq: the full sequence number
 *
 * Writes the number into the ESP header, the IV (the number itself, in the
 * packet and in @pkt->iv) and the associated data. Separate from mapping so
 * that the transmit path can take numbers in the order packets are queued.
 */
void espvti_pkt_set_seq(struct espvti_pkt *pkt, u8 *esp, u64 seq)
{
	struct ip_esp_hdr *esph = (struct ip_esp_hdr *)esp;

	pkt->seq = seq;
	esph->seq_no = htonl(lower_32_bits(seq));
	put_unaligned_be64(seq, esph->enc_data);
	put_unaligned_be64(seq, pkt->iv);
	espvti_pkt_aad(pkt);
}

/**
 * espvti_pkt_map() - set up the AEAD request of a packet
 * @pkt: from espvti_pkt_alloc(); for decryption with @pkt->seq set
 * @esp_off: offset of the ESP header from skb->data
 * @plen: bytes of the ESP payload: inner packet, padding, pad length and
 *	next header (excludes the IV and the ICV)
 * @encrypt: set up for encryption (else decryption)
 * @done: completion callback, called with @pkt when the transform completes
 *	asynchronously
 *
 * The request is submitted without CRYPTO_TFM_REQ_MAY_BACKLOG: a transform
 * whose queue is full refuses it at once (see espvti_crypto_busy()) instead
 * of queueing it without bound.
 *
 * Maps the associated data and the packet from its IV through its ICV; the
 * transform works in place. For decryption it also builds the associated
 * data and copies the packet's IV to @pkt->iv; for encryption
 * espvti_pkt_set_seq() does both later.
 *
 * Return: 0, or a negative error when the packet cannot be mapped.
 */
int espvti_pkt_map(struct espvti_pkt *pkt, unsigned int esp_off,
		   unsigned int plen, bool encrypt, crypto_completion_t done)
{
	struct espvti_sa *sa = pkt->sa;
	struct sk_buff *skb = pkt->skb;
	unsigned int icv = sa->icv_len;
	int n;

	pkt->encrypt = encrypt;
	pkt->aad_len = sa->esn ? 12 : 8;
	sg_set_buf(pkt->sg, pkt->aad, pkt->aad_len);

	n = skb_to_sgvec(skb, pkt->sg + 1, esp_off + ESPVTI_ESP_HLEN,
			 ESPVTI_IV_LEN + plen + icv);
	if (unlikely(n < 0))
		return n;

	if (!encrypt) {
		if (unlikely(skb_copy_bits(skb, esp_off + ESPVTI_ESP_HLEN,
					   pkt->iv, ESPVTI_IV_LEN)))
			return -EINVAL;
		espvti_pkt_aad(pkt);
	}

	aead_request_set_tfm(pkt->req, sa->tfm);
	aead_request_set_callback(pkt->req, 0, done, pkt);
	aead_request_set_crypt(pkt->req, pkt->sg, pkt->sg,
			       encrypt ? plen : plen + icv, pkt->iv);
	aead_request_set_ad(pkt->req, pkt->aad_len + ESPVTI_IV_LEN);
	return 0;
}

/**
 * espvti_pkt_encrypt() - run the encryption set up by espvti_pkt_map()
 * @pkt: the packet, its sequence number set
 *
 * Return: as crypto_aead_encrypt(): 0, -EINPROGRESS (the callback
 * follows) or an error. An SA on the library (espvti_sa::lib) completes
 * here.
 */
int espvti_pkt_encrypt(struct espvti_pkt *pkt)
{
	struct espvti_sa *sa = pkt->sa;

	if (sa->lib)
		return espvti_chachapoly_crypt(&sa->cp, pkt->sg, pkt->aad_len,
					       pkt->iv, pkt->req->cryptlen, true);
	return crypto_aead_encrypt(pkt->req);
}

/**
 * espvti_pkt_decrypt() - run the decryption set up by espvti_pkt_map()
 * @pkt: the packet
 *
 * Return: as crypto_aead_decrypt(); -EBADMSG when the ICV does not verify.
 */
int espvti_pkt_decrypt(struct espvti_pkt *pkt)
{
	struct espvti_sa *sa = pkt->sa;

	if (sa->lib)
		return espvti_chachapoly_crypt(&sa->cp, pkt->sg, pkt->aad_len,
					       pkt->iv,
					       pkt->req->cryptlen - sa->icv_len,
					       false);
	return crypto_aead_decrypt(pkt->req);
}
