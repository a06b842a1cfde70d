/*
 * bench_sigv4.c - time to sign one request, next to the bare crypto the
 * signature cannot do without.
 *
 * Two typical bulwark calls are signed in header mode with a warm key
 * cache: an IAM Query call (form body) and an Organizations JSON 1.1 call.
 * The floor for each is SHA-256 of its body, SHA-256 of its canonical
 * request and one HMAC-SHA256 of its string to sign, done the fastest way
 * OpenSSL 3 allows (a pre-fetched digest, one reused context, HMAC spelled
 * out over it); the cold-cache rows add the four HMACs of key derivation.
 * Each row runs for about BW_BENCH_SECONDS (default 1) seconds, interleaved
 * with the rows it is compared with, and reports the fastest of 200 slices (5 ms each by default).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/opensslv.h>

#include "bulwark/sigv4.h"

static double bench_seconds = 1.0;

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/*
 * Run each of fns[0..n) for about bench_seconds, in SLICES slices taken in
 * turn, and store the fastest slice's ns per call.  Taking turns means a
 * burst of other work on this shared machine hits every row alike, and the
 * minimum of many short slices is the figure least disturbed by it.
 */
#define SLICES 200

typedef void (*bench_fn)(void *);

static void measure(const bench_fn *fns, size_t n, void *arg, double *out)
{
	double start, elapsed, slice = bench_seconds * 1e9 / SLICES;
	long batch[8], done, i;
	size_t f;
	int s;

	for (f = 0; f < n && f < 8; f++) {
		for (i = 0; i < 1000; i++)	/* warm caches and the key cache */
			fns[f](arg);
		/* A batch takes about a tenth of a slice. */
		for (batch[f] = 16;; batch[f] *= 2) {
			start = now_ns();
			for (i = 0; i < batch[f]; i++)
				fns[f](arg);
			if (now_ns() - start >= slice / 10)
				break;
		}
		out[f] = 0;
	}
	for (s = 0; s < SLICES; s++) {
		for (f = 0; f < n && f < 8; f++) {
			done = 0;
			start = now_ns();
			do {
				for (i = 0; i < batch[f]; i++)
					fns[f](arg);
				done += batch[f];
				elapsed = now_ns() - start;
			} while (elapsed < slice);
			if (!out[f] || elapsed / (double)done < out[f])
				out[f] = elapsed / (double)done;
		}
	}
}

/* ---- the floor: bare crypto --------------------------------------------- */

static EVP_MD *md;
static EVP_MD_CTX *mdctx;
static volatile unsigned char sink[32];	/* keeps the work alive */

static void sha256(unsigned char out[32], const void *d, size_t n)
{
	if (!EVP_DigestInit_ex2(mdctx, md, NULL) || !EVP_DigestUpdate(mdctx, d, n) ||
	    !EVP_DigestFinal_ex(mdctx, out, NULL))
		abort();
}

static void hmac(unsigned char out[32], const unsigned char *key, size_t klen,
		 const void *msg, size_t mlen)
{
	unsigned char pad[64], inner[32];
	size_t i;

	memset(pad, 0, sizeof(pad));
	memcpy(pad, key, klen);		/* every key here is <= 64 bytes */
	for (i = 0; i < 64; i++)
		pad[i] ^= 0x36;
	if (!EVP_DigestInit_ex2(mdctx, md, NULL) || !EVP_DigestUpdate(mdctx, pad, 64) ||
	    !EVP_DigestUpdate(mdctx, msg, mlen) || !EVP_DigestFinal_ex(mdctx, inner, NULL))
		abort();
	for (i = 0; i < 64; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	if (!EVP_DigestInit_ex2(mdctx, md, NULL) || !EVP_DigestUpdate(mdctx, pad, 64) ||
	    !EVP_DigestUpdate(mdctx, inner, 32) || !EVP_DigestFinal_ex(mdctx, out, NULL))
		abort();
}

/* ---- the calls ------------------------------------------------------------ */

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

struct call {
	const char *title;
	struct bw_sigv4_request req;
	struct bw_sigv4_params p;
	/* filled from one real signing, for the floor */
	char *creq, *sts;
	size_t creq_len, sts_len;
	unsigned char key[32];
	struct bw_sigv4_result reused;
	unsigned region_i;
};

static const struct bw_sigv4_key key = { "AKIDEXAMPLE", SECRET, NULL };

static const struct bw_header iam_headers[] = {
	{ "Host", "iam.amazonaws.com" },
	{ "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" },
};
static const char iam_body[] = "Action=ListRoles&Version=2010-05-08";

static const struct bw_header org_headers[] = {
	{ "Host", "organizations.us-east-1.amazonaws.com" },
	{ "Content-Type", "application/x-amz-json-1.1" },
	{ "X-Amz-Target", "AWSOrganizationsV20161128.ListAccounts" },
};
static const char org_body[] = "{\"MaxResults\":20}";

static void sign_fresh(void *arg)
{
	struct call *c = arg;
	struct bw_sigv4_result res;

	bw_sigv4_result_init(&res);
	if (bw_sigv4_sign(&res, &c->req, &key, &c->p, NULL))
		abort();
	sink[0] ^= (unsigned char)res.signature[0];
	bw_sigv4_result_release(&res);
}

static void sign_reused(void *arg)
{
	struct call *c = arg;

	if (bw_sigv4_sign(&c->reused, &c->req, &key, &c->p, NULL))
		abort();
	sink[0] ^= (unsigned char)c->reused.signature[0];
}

/* 32 regions cycle through the 16-entry cache: every signing misses. */
static const char *const regions[32] = {
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2",
	"eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1",
	"eu-south-2", "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2",
	"ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
	"ap-southeast-4", "ap-east-1", "ca-central-1", "ca-west-1", "sa-east-1",
	"me-south-1", "me-central-1", "af-south-1", "il-central-1", "mx-central-1",
	"us-gov-west-1", "us-gov-east-1",
};

static void sign_cold(void *arg)
{
	struct call *c = arg;
	struct bw_sigv4_params p = c->p;

	p.region = regions[c->region_i++ % 32];
	if (bw_sigv4_sign(&c->reused, &c->req, &key, &p, NULL))
		abort();
	sink[0] ^= (unsigned char)c->reused.signature[0];
}

static void floor_sign(void *arg)
{
	struct call *c = arg;
	unsigned char h[32];

	sha256(h, c->req.body, c->req.body_len);
	sha256(h, c->creq, c->creq_len);
	hmac(h, c->key, 32, c->sts, c->sts_len);
	sink[0] ^= h[0];
}

static void floor_derive(void *arg)
{
	struct call *c = arg;
	unsigned char k[64];

	memcpy(k, "AWS4" SECRET, sizeof("AWS4" SECRET) - 1);
	hmac(k, k, sizeof("AWS4" SECRET) - 1, "20150830", 8);
	hmac(k, k, 32, c->p.region, strlen(c->p.region));
	hmac(k, k, 32, c->p.service, strlen(c->p.service));
	hmac(k, k, 32, "aws4_request", 12);
	sink[0] ^= k[0];
}

static void floor_cold(void *arg)
{
	floor_derive(arg);
	floor_sign(arg);
}

/* References: the OpenSSL HMAC APIs the floor does not use, and why. */
static EVP_MAC *mac;
static EVP_MAC_CTX *macctx;

static void ref_evp_mac(void *arg)
{
	struct call *c = arg;
	unsigned char h[32];
	size_t l;

	if (!EVP_MAC_init(macctx, c->key, 32, NULL) ||
	    !EVP_MAC_update(macctx, (const unsigned char *)c->sts, c->sts_len) ||
	    !EVP_MAC_final(macctx, h, &l, sizeof(h)))
		abort();
	sink[0] ^= h[0];
}

static void ref_hmac_oneshot(void *arg)
{
	struct call *c = arg;
	unsigned char h[32];
	unsigned int l;

	HMAC(EVP_sha256(), c->key, 32, (const unsigned char *)c->sts, c->sts_len, h, &l);
	sink[0] ^= h[0];
}

static void ref_hmac_manual(void *arg)
{
	struct call *c = arg;
	unsigned char h[32];

	hmac(h, c->key, 32, c->sts, c->sts_len);
	sink[0] ^= h[0];
}

static void prepare(struct call *c)
{
	struct bw_sigv4_result res;
	char date8[9];

	bw_sigv4_result_init(&res);
	if (bw_sigv4_sign(&res, &c->req, &key, &c->p, NULL))
		abort();
	c->creq = bw_buf_detach(&res.canonical_request, &c->creq_len);
	c->sts = bw_buf_detach(&res.string_to_sign, &c->sts_len);
	memcpy(date8, res.amz_date, 8);
	date8[8] = '\0';
	if (bw_sigv4_signing_key(c->key, SECRET, date8, c->p.region, c->p.service))
		abort();
	bw_sigv4_result_release(&res);
	bw_sigv4_result_init(&c->reused);
}

static void row(const char *what, double ns, double floor_ns)
{
	if (floor_ns > 0)
		printf("  %-44s %9.0f %8.2f\n", what, ns, ns / floor_ns);
	else
		printf("  %-44s %9.0f %8s\n", what, ns, "");
}

int main(void)
{
	struct call calls[2] = {
		{ .title = "IAM ListRoles (Query protocol, form body)",
		  .req = { "POST", "/", NULL, iam_headers, 2, iam_body, sizeof(iam_body) - 1 },
		  .p = { "us-east-1", "iam", 1440938160, BW_SIGV4_SERVICE_FLAGS, 0 } },
		{ .title = "Organizations ListAccounts (JSON 1.1)",
		  .req = { "POST", "/", NULL, org_headers, 3, org_body, sizeof(org_body) - 1 },
		  .p = { "us-east-1", "organizations", 1440938160, BW_SIGV4_SERVICE_FLAGS, 0 } },
	};
	const char *env = getenv("BW_BENCH_SECONDS");
	OSSL_PARAM params[2];
	size_t i;

	if (env && atof(env) > 0)
		bench_seconds = atof(env);
	md = EVP_MD_fetch(NULL, "SHA256", NULL);
	mdctx = EVP_MD_CTX_new();
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	macctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	if (!md || !mdctx || !macctx)
		abort();
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_CTX_set_params(macctx, params))
		abort();

	printf("bench_sigv4: %s, %.1f s per row, header mode\n",
	       OpenSSL_version(OPENSSL_VERSION), bench_seconds);
	printf("  %-44s %9s %8s\n", "", "ns/op", "x floor");
	for (i = 0; i < 2; i++) {
		struct call *c = &calls[i];

		prepare(c);
		printf("%s: canonical request %zu B, string to sign %zu B\n",
		       c->title, c->creq_len, c->sts_len);
		{
			const bench_fn warm[] = { floor_sign, sign_fresh, sign_reused };
			double t[3];

			measure(warm, 3, c, t);
			row("sign, warm key cache (init/sign/release)", t[1], t[0]);
			row("sign, warm key cache, result reused", t[2], t[0]);
			row("floor: sha256(body) + sha256(creq) + hmac", t[0], t[0]);
		}
		{
			const bench_fn cold[] = { floor_cold, sign_cold, floor_derive };
			double t[3];

			measure(cold, 3, c, t);
			row("sign, cold key cache (result reused)", t[1], t[0]);
			row("floor: the above + 4 HMACs of key derivation", t[0], t[0]);
			row("  of which the 4 HMACs of key derivation", t[2], 0);
		}
	}
	{
		const bench_fn refs[] = { ref_hmac_manual, ref_evp_mac, ref_hmac_oneshot };
		double t[3];

		measure(refs, 3, &calls[0], t);
		printf("HMAC-SHA256 of the IAM string to sign, by OpenSSL API (reference):\n");
		row("RFC 2104 over a reused EVP_MD_CTX (used)", t[0], 0);
		row("EVP_MAC_CTX reused, EVP_MAC_init per call", t[1], 0);
		row("HMAC() one-shot", t[2], 0);
	}


	for (i = 0; i < 2; i++) {
		bw_sigv4_result_release(&calls[i].reused);
		free(calls[i].creq);
		free(calls[i].sts);
		OPENSSL_cleanse(calls[i].key, sizeof(calls[i].key));
	}
	EVP_MAC_CTX_free(macctx);
	EVP_MAC_free(mac);
	EVP_MD_CTX_free(mdctx);
	EVP_MD_free(md);
	bw_sigv4_cache_clear();
	return 0;
}
