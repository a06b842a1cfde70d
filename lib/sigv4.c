/*
 * sigv4.c - AWS Signature Version 4: the canonical request, the string to
 * sign and the signature, for Authorization-header and presigned-query
 * signing, plus the process-wide cache of derived signing keys.  It does
 * no I/O: the transport adds what the result lists to the request.
 *
 * Speed matters because every API call is signed, so the hot path (path
 * "/", no query, a handful of headers, warm key cache) allocates only the
 * result's own buffers, each grown once to a computed bound, and hashes
 * through one reused digest context per thread.
 */
#include <pthread.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "bulwark/sigv4.h"
#include "internal.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define TERMINATOR "aws4_request"
#define MAX_SCOPE_PART 63	/* region and service name length limit */
#define MAX_ACCESS_KEY_ID 128
#define MAX_EXPIRES 604800L	/* seven days, the AWS limit for presigning */

/* ---- digests ---------------------------------------------------------- */

/*
 * OpenSSL 3 makes implicit fetches and fresh contexts costly: EVP_Digest
 * with EVP_sha256() spends more time looking the algorithm up than hashing
 * a short message, HMAC() fetches and sets up a MAC on every call, and a
 * reused EVP_MAC_CTX still allocates five times per EVP_MAC_init.  So the
 * digest is fetched once, each thread keeps one EVP_MD_CTX, and HMAC is
 * RFC 2104 spelled out over that context (two digests): measured 1.5 times
 * as fast as a reused EVP_MAC_CTX and 4 times HMAC() (see bench_sigv4).
 */
static EVP_MD *sha256_md;
static pthread_key_t ctx_key;
static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;
static int crypto_ready;

/* What each thread keeps between signings. */
struct tstate {
	EVP_MD_CTX *md;
	/*
	 * The SHA-256 of the last secret seen, so signing with the same
	 * credentials again skips that digest (a fifth of the crypto of a
	 * warm signing).  It is reused only for the same pointer, length and
	 * quick check of the bytes; the secret itself is never copied.
	 */
	const char *last_secret;
	size_t last_len;
	uint64_t last_check;
	unsigned char last_id[32];
	/* Requests made in the same second share their date. */
	time_t last_when;
	char last_date[17];
};

static void tstate_destroy(void *p)
{
	struct tstate *t = p;

	if (!t)
		return;
	EVP_MD_CTX_free(t->md);
	OPENSSL_cleanse(t, sizeof(*t));
	free(t);
}

/* Character classes, one table lookup per byte on the hot path. */
enum {
	C_UNRESERVED = 1,	/* RFC 3986 unreserved: never percent-encoded */
	C_TCHAR = 2,		/* RFC 9110 token: header names, methods */
	C_WS = 4,		/* white space in a header value */
	C_CTL = 8,		/* control bytes, except tab */
	C_SCOPE = 16,		/* region, service, access key id */
};
static unsigned char cclass[256];
static unsigned char lowercase[256];
static char hexpair[256][2];	/* lowercase hex of each byte value */

static void cclass_init(void)
{
	const char *p;
	int ch;

	for (ch = 0; ch < 256; ch++) {
		unsigned char c = 0;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9'))
			c |= C_UNRESERVED | C_TCHAR | C_SCOPE;
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			c |= C_CTL;
		cclass[ch] = c;
		lowercase[ch] = (unsigned char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
		hexpair[ch][0] = "0123456789abcdef"[ch >> 4];
		hexpair[ch][1] = "0123456789abcdef"[ch & 15];
	}
	for (p = "-._~"; *p; p++)
		cclass[(unsigned char)*p] |= C_UNRESERVED;
	for (p = "!#$%&'*+-.^_`|~"; *p; p++)
		cclass[(unsigned char)*p] |= C_TCHAR;
	for (p = "-_."; *p; p++)
		cclass[(unsigned char)*p] |= C_SCOPE;
	for (p = " \t\r\n"; *p; p++)
		cclass[(unsigned char)*p] |= C_WS;
}

static void crypto_init(void)
{
	cclass_init();
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!sha256_md)
		return;
	if (pthread_key_create(&ctx_key, tstate_destroy)) {
		EVP_MD_free(sha256_md);
		sha256_md = NULL;
		return;
	}
	crypto_ready = 1;
}

/* Every public entry point calls this first. */
static int lib_init(void)
{
	if (pthread_once(&crypto_once, crypto_init) || !crypto_ready)
		return BW_ERR_INTERNAL;
	return 0;
}

/* This thread's state, created on first use. */
static int tstate_get(struct tstate **out)
{
	struct tstate *t;

	if (lib_init())
		return BW_ERR_INTERNAL;
	t = pthread_getspecific(ctx_key);
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return BW_ERR_NOMEM;
		t->md = EVP_MD_CTX_new();
		if (!t->md || pthread_setspecific(ctx_key, t)) {
			tstate_destroy(t);
			return BW_ERR_NOMEM;
		}
	}
	*out = t;
	return 0;
}

/* SHA-256 of a then b (either may be empty, pointer then unused). */
static int digest2(EVP_MD_CTX *c, unsigned char out[32], const void *a,
		   size_t alen, const void *b, size_t blen)
{
	if (!EVP_DigestInit_ex2(c, sha256_md, NULL) ||
	    (alen && !EVP_DigestUpdate(c, a, alen)) ||
	    (blen && !EVP_DigestUpdate(c, b, blen)) ||
	    !EVP_DigestFinal_ex(c, out, NULL))
		return BW_ERR_INTERNAL;
	return 0;
}

/*
 * HMAC-SHA256 with the key given in two parts (k1 || k2), so "AWS4" +
 * secret never needs a buffer of its own.  out may alias k1: the key is
 * consumed into the pad before out is written.  Every buffer that held
 * key material is wiped.
 */
static int hmac2(EVP_MD_CTX *c, unsigned char out[32],
		 const void *k1, size_t k1len, const void *k2, size_t k2len,
		 const void *msg, size_t mlen)
{
	unsigned char pad[64], inner[32];
	size_t i;
	int rc;

	memset(pad, 0, sizeof(pad));
	if (k2len > sizeof(pad) || k1len + k2len > sizeof(pad)) {
		/* RFC 2104: a key longer than the block is hashed first. */
		rc = digest2(c, pad, k1, k1len, k2, k2len);
		if (rc)
			goto out;
	} else {
		if (k1len)
			memcpy(pad, k1, k1len);
		if (k2len)
			memcpy(pad + k1len, k2, k2len);
	}
	for (i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36;
	rc = digest2(c, inner, pad, sizeof(pad), msg, mlen);
	if (rc)
		goto out;
	for (i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	rc = digest2(c, out, pad, sizeof(pad), inner, sizeof(inner));
out:
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(inner, sizeof(inner));
	return rc;
}

static const char hexup[] = "0123456789ABCDEF";

/* n is a multiple of 4 (digests are 32 bytes). */
static char *put_hex(char *w, const unsigned char *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += 4, w += 8) {
		memcpy(w, hexpair[d[i]], 2);
		memcpy(w + 2, hexpair[d[i + 1]], 2);
		memcpy(w + 4, hexpair[d[i + 2]], 2);
		memcpy(w + 6, hexpair[d[i + 3]], 2);
	}
	return w;
}

void bw_sha256_hex(char out[65], const void *data, size_t len)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	struct tstate *t;

	/* The void signature leaves no way to fail: fall back to one-shot. */
	if (tstate_get(&t) || digest2(t->md, md, data, len, NULL, 0))
		EVP_Digest(len ? data : "", len, md, &mdlen, EVP_sha256(), NULL);
	*put_hex(out, md, sizeof(md)) = '\0';
}

/* ---- signing key cache -------------------------------------------------- */

/*
 * Keys are looked up by the SHA-256 of the secret, so the cache never
 * holds the secret itself.  Sixteen entries cover every (account, region,
 * service) a run touches on a given day; eviction is least recently used.
 */
#define KEY_CACHE_SIZE 16

struct key_entry {
	unsigned char id[32];	/* SHA-256 of the secret access key */
	char date[9];
	char region[MAX_SCOPE_PART + 1];
	char service[MAX_SCOPE_PART + 1];
	unsigned char key[32];
	unsigned long long used;	/* LRU clock; 0 while empty */
};

static struct key_entry key_cache[KEY_CACHE_SIZE];
static unsigned long long key_clock;
static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;

static int scope_part_ok(const char *s, size_t *len)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (i >= MAX_SCOPE_PART || !(cclass[ch] & C_SCOPE))
			return 0;
	}
	*len = i;
	return i > 0;
}

static int date8_ok(const char *d)
{
	int i;

	for (i = 0; i < 8; i++)
		if (d[i] < '0' || d[i] > '9')
			return 0;
	return d[8] == '\0';
}

static int derive_key(EVP_MD_CTX *c, unsigned char out[32], const char *secret,
		      const char *date8, const char *region, size_t rlen,
		      const char *service, size_t slen)
{
	unsigned char k[32];
	int rc;

	rc = hmac2(c, k, "AWS4", 4, secret, strlen(secret), date8, 8);
	if (!rc)
		rc = hmac2(c, k, k, sizeof(k), NULL, 0, region, rlen);
	if (!rc)
		rc = hmac2(c, k, k, sizeof(k), NULL, 0, service, slen);
	if (!rc)
		rc = hmac2(c, out, k, sizeof(k), NULL, 0, TERMINATOR,
			   sizeof(TERMINATOR) - 1);
	OPENSSL_cleanse(k, sizeof(k));
	/* The context's state still holds the last digest, i.e. the key. */
	EVP_DigestInit_ex2(c, sha256_md, NULL);
	return rc;
}

static struct key_entry *cache_find(const unsigned char id[32], const char *date8,
				    const char *region, const char *service)
{
	size_t i;

	for (i = 0; i < KEY_CACHE_SIZE; i++) {
		struct key_entry *e = &key_cache[i];

		if (e->used && !memcmp(e->id, id, 32) &&
		    !memcmp(e->date, date8, 9) && !strcmp(e->region, region) &&
		    !strcmp(e->service, service))
			return e;
	}
	return NULL;
}

/*
 * Not cryptographic: it only tells the secret last hashed on this thread
 * from a different one later stored at the same address.
 */
static uint64_t quick_check(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	w = 0;
	if (n)
		memcpy(&w, s, n);
	h = (h ^ w) * 0x94d049bb133111ebULL;
	return h ^ (h >> 29);
}

static int secret_id(struct tstate *t, unsigned char id[32], const char *secret,
		     size_t len)
{
	uint64_t check = quick_check(secret, len);
	int rc;

	if (t->last_secret == secret && t->last_len == len && t->last_check == check) {
		memcpy(id, t->last_id, 32);
		return 0;
	}
	rc = digest2(t->md, id, secret, len, NULL, 0);
	if (rc)
		return rc;
	t->last_secret = secret;
	t->last_len = len;
	t->last_check = check;
	memcpy(t->last_id, id, 32);
	return 0;
}

static int signing_key(struct tstate *t, unsigned char out[32], const char *secret,
		       const char *date8, const char *region, size_t rlen,
		       const char *service, size_t slen)
{
	EVP_MD_CTX *c = t->md;
	unsigned char id[32];
	struct key_entry *e;
	size_t i;
	int rc;

	rc = secret_id(t, id, secret, strlen(secret));
	if (rc)
		goto out;
	pthread_mutex_lock(&key_lock);
	e = cache_find(id, date8, region, service);
	if (e) {
		memcpy(out, e->key, 32);
		e->used = ++key_clock;
	}
	pthread_mutex_unlock(&key_lock);
	if (e)
		goto out;

	/* Derive outside the lock; four HMACs should not serialise threads. */
	rc = derive_key(c, out, secret, date8, region, rlen, service, slen);
	if (rc)
		goto out;
	pthread_mutex_lock(&key_lock);
	if (!cache_find(id, date8, region, service)) {
		e = &key_cache[0];
		for (i = 1; i < KEY_CACHE_SIZE && e->used; i++)
			if (key_cache[i].used < e->used)
				e = &key_cache[i];
		OPENSSL_cleanse(e, sizeof(*e));
		memcpy(e->id, id, 32);
		memcpy(e->date, date8, 9);
		memcpy(e->region, region, rlen + 1);
		memcpy(e->service, service, slen + 1);
		memcpy(e->key, out, 32);
		e->used = ++key_clock;
	}
	pthread_mutex_unlock(&key_lock);
out:
	OPENSSL_cleanse(id, sizeof(id));
	return rc;
}

int bw_sigv4_signing_key(unsigned char out[32], const char *secret,
			 const char *date8, const char *region,
			 const char *service)
{
	size_t rlen, slen;
	struct tstate *t;
	int rc;

	if (lib_init())
		return BW_ERR_INTERNAL;
	if (!secret || !date8 || !region || !service || !date8_ok(date8) ||
	    !scope_part_ok(region, &rlen) || !scope_part_ok(service, &slen))
		return BW_ERR_INVALID;
	rc = tstate_get(&t);
	if (rc)
		return rc;
	return signing_key(t, out, secret, date8, region, rlen, service, slen);
}

/* For tests: how many keys the cache holds. */
size_t bw_sigv4__cache_entries(void);
size_t bw_sigv4__cache_entries(void)
{
	size_t i, n = 0;

	pthread_mutex_lock(&key_lock);
	for (i = 0; i < KEY_CACHE_SIZE; i++)
		n += key_cache[i].used != 0;
	pthread_mutex_unlock(&key_lock);
	return n;
}

void bw_sigv4_cache_clear(void)
{
	struct tstate *t;

	pthread_mutex_lock(&key_lock);
	OPENSSL_cleanse(key_cache, sizeof(key_cache));
	key_clock = 0;
	pthread_mutex_unlock(&key_lock);
	/* This thread's state too, so leak checkers see a clean exit. */
	if (!lib_init()) {
		t = pthread_getspecific(ctx_key);
		if (t) {
			pthread_setspecific(ctx_key, NULL);
			tstate_destroy(t);
		}
	}
}

/* ---- encoding ------------------------------------------------------------ */

static inline char *put_enc_byte(char *w, unsigned char ch, int keep_slash)
{
	if ((cclass[ch] & C_UNRESERVED) || (keep_slash && ch == '/')) {
		*w++ = (char)ch;
	} else {
		*w++ = '%';
		*w++ = hexup[ch >> 4];
		*w++ = hexup[ch & 15];
	}
	return w;
}

/* Writes at most 3 * n bytes. */
static char *put_enc(char *w, const char *s, size_t n, int keep_slash)
{
	size_t i;

	for (i = 0; i < n; i++)
		w = put_enc_byte(w, (unsigned char)s[i], keep_slash);
	return w;
}

int bw_uri_encode(struct bw_buf *b, const char *s, size_t len, int keep_slash)
{
	char *w;
	int rc;

	if (lib_init())
		return BW_ERR_INTERNAL;
	if (len > SIZE_MAX / 3)
		return BW_ERR_TOOBIG;
	rc = bw_buf_grow(b, len * 3);
	if (rc)
		return rc;
	w = put_enc(b->ptr + b->len, s, len, keep_slash);
	b->len = (size_t)(w - b->ptr);
	b->ptr[b->len] = '\0';
	return 0;
}

static int hexval(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * Decode %XX in s[0..n) and re-encode the result, writing at most 3 * n
 * bytes.  '+' is left a literal plus (%2B), not a space: bulwark writes
 * spaces as %20, and so do the AWS SDKs.  Returns NULL on a malformed
 * escape and sets *bad to its offset.
 */
static char *put_reenc(char *w, const char *s, size_t n, size_t *bad)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '%') {
			int hi;

			if (n - i < 3) {
				*bad = i;
				return NULL;
			}
			hi = hexval((unsigned char)s[i + 1]);
			if (hi < 0 || hexval((unsigned char)s[i + 2]) < 0) {
				*bad = i;
				return NULL;
			}
			ch = (unsigned char)(hi << 4 | hexval((unsigned char)s[i + 2]));
			i += 2;
		}
		w = put_enc_byte(w, ch, 0);
	}
	return w;
}

/* ---- path ---------------------------------------------------------------- */

/*
 * RFC 3986 5.2.4 dot-segment removal with empty segments dropped (so
 * "//a//" is "/a/"), as the non-S3 services expect.  A path ending in "/",
 * "." or ".." keeps its trailing slash.  dst must hold n + 2 bytes.
 */
static size_t normalize_path(char *dst, const char *src, size_t n)
{
	size_t i = 0, o = 0, s, len;
	int slash_end = 0;

	while (i < n) {
		if (src[i] == '/') {
			i++;
			continue;
		}
		s = i;
		while (i < n && src[i] != '/')
			i++;
		len = i - s;
		if (len == 1 && src[s] == '.') {
			slash_end = 1;
		} else if (len == 2 && src[s] == '.' && src[s + 1] == '.') {
			while (o > 0 && dst[--o] != '/')
				;
			slash_end = 1;
		} else {
			dst[o++] = '/';
			memcpy(dst + o, src + s, len);
			o += len;
			slash_end = 0;
		}
	}
	if (n && src[n - 1] == '/')
		slash_end = 1;
	if (!o || slash_end)
		dst[o++] = '/';
	return o;
}

/* ---- headers ------------------------------------------------------------- */

struct hent {
	const char *name, *value;
	size_t nlen, vlen, idx;
	int dup;	/* once sorted: same name as the one before */
};

static inline unsigned char lower(unsigned char ch)
{
	return lowercase[ch];
}

static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i, n = alen < blen ? alen : blen;

	for (i = 0; i < n; i++) {
		unsigned char x = lower((unsigned char)a[i]);
		unsigned char y = lower((unsigned char)b[i]);

		if (x != y)
			return x < y ? -1 : 1;
	}
	return alen < blen ? -1 : alen > blen;
}

/* Ties keep request order, so duplicate values join in the order sent. */
static int hent_cmp(const void *pa, const void *pb)
{
	const struct hent *a = pa, *b = pb;
	int c = name_cmp(a->name, a->nlen, b->name, b->nlen);

	if (c)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static void sort_headers(struct hent *h, size_t n)
{
	size_t i, j;

	if (n > 32) {
		qsort(h, n, sizeof(*h), hent_cmp);
		return;
	}
	for (i = 1; i < n; i++) {
		struct hent t = h[i];

		for (j = i; j > 0 && hent_cmp(&h[j - 1], &t) > 0; j--)
			h[j] = h[j - 1];
		h[j] = t;
	}
}

static int is_name_eq(const char *name, size_t nlen, const char *lit, size_t litlen)
{
	return nlen == litlen && !name_cmp(name, nlen, lit, litlen);
}
#define NAME_IS(h, lit) is_name_eq((h)->name, (h)->nlen, lit, sizeof(lit) - 1)

/*
 * Headers never signed, as botocore and aws-c-auth leave them out:
 * hop-by-hop headers a proxy may change, and ones a client library adds
 * on its own.  moto checks signatures with botocore, which drops these
 * from its canonical request even when SignedHeaders lists them.
 */
static int unsigned_header(const struct hent *e)
{
#define N(s) { s, sizeof(s) - 1 }
	static const struct { const char *name; size_t len; } names[] = {
		N("authorization"), N("connection"), N("expect"), N("keep-alive"),
		N("proxy-authenticate"), N("proxy-authorization"), N("te"),
		N("trailer"), N("transfer-encoding"), N("upgrade"),
		N("user-agent"), N("x-amzn-trace-id"),
	};
#undef N
	size_t i;

	for (i = 0; i < BW_ARRAY_SIZE(names); i++)
		if (e->nlen == names[i].len && !name_cmp(e->name, e->nlen, names[i].name, names[i].len))
			return 1;
	return 0;
}

static int token_ok(const char *s, size_t *len)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!(cclass[(unsigned char)s[i]] & C_TCHAR))
			return 0;
	*len = i;
	return i > 0;
}

/*
 * A header value may contain obs-fold line breaks (CR? LF followed by
 * space or tab), which canonicalise to one space; any other control byte
 * could split the request on the wire, so it is refused.
 */
static int value_ok(const char *v, size_t *len)
{
	size_t i;

	for (i = 0; v[i]; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (!(cclass[ch] & C_CTL))
			continue;
		if (ch == '\r') {
			if (v[i + 1] != '\n')
				return 0;
			continue;
		}
		if (ch == '\n') {
			if (v[i + 1] != ' ' && v[i + 1] != '\t')
				return 0;
			continue;
		}
		return 0;
	}
	*len = i;
	return 1;
}

static inline int is_ws(char ch)
{
	return cclass[(unsigned char)ch] & C_WS;
}

/*
 * The value trimmed, with inner white space runs collapsed to one space;
 * writes at most n bytes.  Checking for control bytes here, rather than
 * in a pass of its own, keeps values to one scan.  NULL if a control byte
 * other than an obs-fold is found (checked over all n bytes).
 */
/*
 * Offset of the first byte in [i, end) that is white space or a control
 * byte (<= 0x20, or 0x7f), or end.  Eight bytes at a time: header values
 * are mostly plain text, and this scan is on every signing's hot path.
 */
static size_t plain_run(const char *v, size_t i, size_t end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t x, y, m;

	for (; end - i >= 8; i += 8) {
		memcpy(&x, v + i, 8);
		y = x ^ (ones * 0x7f);
		/*
		 * The high bit of each byte below 0x21, or equal to 0x7f: the
		 * usual "has less than" and "has zero" tricks.  Borrows can
		 * flag bytes above a true hit, never below, so the lowest
		 * flagged byte is exact.
		 */
		m = (((x - ones * 0x21) & ~x) | ((y - ones) & ~y)) & highs;
		if (m)
			return i + (size_t)__builtin_ctzll(m) / 8;
	}
#endif
	while (i < end && !(cclass[(unsigned char)v[i]] & (C_WS | C_CTL)))
		i++;
	return i;
}

static char *put_value(char *w, const char *v, size_t n)
{
	size_t i = 0, end = n, s;
	int checked = 0;

	while (i < end && is_ws(v[i]))
		i++;
	while (end > i && is_ws(v[end - 1]))
		end--;
	if (i || end < n) {
		if (!value_ok(v, &s))
			return NULL;
		checked = 1;
	}
	while (i < end) {
		s = i;
		i = plain_run(v, i, end);
		memcpy(w, v + s, i - s);
		w += i - s;
		if (i == end)
			break;
		/*
		 * A run of plain spaces needs no check; one holding a tab, CR,
		 * LF or other control byte gets the full check once.  The
		 * runs end before end, as v[end - 1] is not white space.
		 */
		s = i;
		while (v[i] == ' ')
			i++;
		if (i == s || is_ws(v[i])) {
			if (!checked) {
				if (!value_ok(v, &s))
					return NULL;
				checked = 1;
			}
			while (is_ws(v[i]))
				i++;
		}
		*w++ = ' ';
	}
	return w;
}

/* Header names are tokens, so ASCII: lowercase eight bytes at a time. */
static char *put_lower(char *w, const char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t x, lo, a, z;
	size_t i = 0;

	for (; n - i >= 8; i += 8) {
		memcpy(&x, s + i, 8);
		lo = x & ~highs;
		a = lo + ones * (0x80 - 'A');		/* high bit: >= 'A' */
		z = lo + ones * (0x80 - 'Z' - 1);	/* high bit: > 'Z' */
		x |= ((a & ~z & ~x) & highs) >> 2;	/* 0x20 where 'A'-'Z' */
		memcpy(w + i, &x, 8);
	}
	for (; i < n; i++)
		w[i] = (char)lower((unsigned char)s[i]);
	return w + n;
}

/*
 * Mark repeated names in sorted h and return the length of the signed
 * headers list ("host;x-amz-date": each distinct name once).
 */
static size_t mark_dups(struct hent *h, size_t n)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++) {
		h[i].dup = i && !name_cmp(h[i - 1].name, h[i - 1].nlen, h[i].name, h[i].nlen);
		if (!h[i].dup)
			len += h[i].nlen + 1;
	}
	return len ? len - 1 : 0;
}

static char *put_signed_headers(char *w, const struct hent *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (h[i].dup)
			continue;
		if (i)
			*w++ = ';';
		w = put_lower(w, h[i].name, h[i].nlen);
	}
	return w;
}

/* ---- query --------------------------------------------------------------- */

struct qent {
	size_t koff, klen, voff, vlen;	/* offsets into the scratch buffer */
	const char *k, *v;		/* set once the scratch stops growing */
};

static int qent_cmp(const void *pa, const void *pb)
{
	const struct qent *a = pa, *b = pb;
	size_t n = a->klen < b->klen ? a->klen : b->klen;
	int c = memcmp(a->k, b->k, n);

	if (c || a->klen != b->klen)
		return c ? c : (a->klen < b->klen ? -1 : 1);
	n = a->vlen < b->vlen ? a->vlen : b->vlen;
	c = memcmp(a->v, b->v, n);
	if (c || a->vlen != b->vlen)
		return c ? c : (a->vlen < b->vlen ? -1 : 1);
	return 0;
}

struct qlist {
	struct qent stack[16];
	struct qent *e;
	size_t n, cap;
	struct bw_buf scratch;	/* encoded keys and values */
};

static int qlist_push(struct qlist *q, size_t koff, size_t klen, size_t voff,
		      size_t vlen)
{
	if (q->n == q->cap) {
		size_t cap = q->cap * 2;
		struct qent *e;

		if (cap > SIZE_MAX / sizeof(*e))
			return BW_ERR_TOOBIG;
		e = malloc(cap * sizeof(*e));
		if (!e)
			return BW_ERR_NOMEM;
		memcpy(e, q->e, q->n * sizeof(*e));
		if (q->e != q->stack)
			free(q->e);
		q->e = e;
		q->cap = cap;
	}
	q->e[q->n].koff = koff;
	q->e[q->n].klen = klen;
	q->e[q->n].voff = voff;
	q->e[q->n].vlen = vlen;
	q->n++;
	return 0;
}

/* Parse the raw query into decoded-then-encoded (key, value) pairs. */
static int qlist_parse(struct qlist *q, const char *query, size_t qlen,
		       struct bw_error *err)
{
	size_t i = 0, bad = 0;
	int rc;

	if (qlen > SIZE_MAX / 3)
		return BW_ERR_TOOBIG;
	rc = bw_buf_grow(&q->scratch, qlen * 3);
	if (rc)
		return rc;
	while (i < qlen) {
		size_t s = i, eq, koff, voff;
		char *w;

		while (i < qlen && query[i] != '&')
			i++;
		if (i == s) {
			i++;	/* empty parameter, as in "a=1&&b=2" */
			continue;
		}
		for (eq = s; eq < i && query[eq] != '='; eq++)
			;
		koff = q->scratch.len;
		w = put_reenc(q->scratch.ptr + koff, query + s, eq - s, &bad);
		if (!w)
			goto bad;
		voff = (size_t)(w - q->scratch.ptr);
		if (eq < i) {
			w = put_reenc(w, query + eq + 1, i - eq - 1, &bad);
			if (!w) {
				bad += eq + 1 - s;
				goto bad;
			}
		}
		q->scratch.len = (size_t)(w - q->scratch.ptr);
		rc = qlist_push(q, koff, voff - koff, voff, q->scratch.len - voff);
		if (rc)
			return rc;
		if (i < qlen)
			i++;
		continue;
bad:
		return bw_error_set(err, BW_ERR_INVALID,
				    "sigv4: bad percent-encoding at byte %zu of the query string; write a literal '%%' as %%25",
				    s + bad);
	}
	q->scratch.ptr[q->scratch.len] = '\0';
	return 0;
}

/* Add an already-encoded key with a value to encode. */
static int qlist_add(struct qlist *q, const char *key, const char *val, size_t vlen)
{
	size_t klen = strlen(key), koff = q->scratch.len;
	int rc;

	rc = bw_buf_add(&q->scratch, key, klen);
	if (!rc)
		rc = bw_uri_encode(&q->scratch, val, vlen, 0);
	if (rc)
		return rc;
	return qlist_push(q, koff, klen, koff + klen, q->scratch.len - koff - klen);
}

static size_t qlist_finish(struct qlist *q)
{
	size_t i, len = 0;

	for (i = 0; i < q->n; i++) {
		q->e[i].k = q->scratch.ptr + q->e[i].koff;
		q->e[i].v = q->scratch.ptr + q->e[i].voff;
		len += q->e[i].klen + q->e[i].vlen + 2;
	}
	if (q->n > 1)
		qsort(q->e, q->n, sizeof(*q->e), qent_cmp);
	return len;
}

static char *put_query(char *w, const struct qlist *q)
{
	size_t i;

	for (i = 0; i < q->n; i++) {
		if (i)
			*w++ = '&';
		memcpy(w, q->e[i].k, q->e[i].klen);
		w += q->e[i].klen;
		*w++ = '=';
		memcpy(w, q->e[i].v, q->e[i].vlen);
		w += q->e[i].vlen;
	}
	return w;
}

/* ---- signing ------------------------------------------------------------- */

void bw_sigv4_result_init(struct bw_sigv4_result *r)
{
	memset(r, 0, sizeof(*r));
	bw_buf_init(&r->canonical_request, 0);
	bw_buf_init(&r->string_to_sign, 0);
	bw_buf_init(&r->authorization, 0);
	bw_buf_init(&r->query, 0);
}

/*
 * The canonical request and the query may carry the session token, so
 * they are wiped; the string to sign and the Authorization value are sent
 * in clear anyway.  Every signing writes from offset 0 and resets len only
 * at the start of the next one, so wiping len bytes covers all it wrote.
 */
void bw_sigv4_result_release(struct bw_sigv4_result *r)
{
	if (!r)
		return;
	if (r->canonical_request.cap)
		OPENSSL_cleanse(r->canonical_request.ptr, r->canonical_request.len);
	if (r->query.cap)
		OPENSSL_cleanse(r->query.ptr, r->query.len);
	bw_buf_release(&r->canonical_request);
	bw_buf_release(&r->string_to_sign);
	bw_buf_release(&r->authorization);
	bw_buf_release(&r->query);
	r->n_add = 0;
}

static int amz_date_ok(const char *v, size_t len)
{
	size_t i;

	if (len != 16 || v[8] != 'T' || v[15] != 'Z')
		return 0;
	for (i = 0; i < 15; i++)
		if (i != 8 && (v[i] < '0' || v[i] > '9'))
			return 0;
	return 1;
}

static char *put_num(char *w, int v, int digits)
{
	int i;

	for (i = digits - 1; i >= 0; i--) {
		w[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return w + digits;
}

/*
 * UTC calendar date from seconds (Howard Hinnant's days_from_civil,
 * inverted), rather than gmtime_r, which takes glibc's time zone lock on
 * every call.  Years 1970 to 9999 only.
 */
static int format_amz_date(char out[17], time_t when)
{
	long long t = (long long)when, days, secs, era, doe, yoe, doy, mp;
	int y, m, d;
	char *w = out;

	if (t < 0 || t > 253402300799LL)	/* 9999-12-31T23:59:59Z */
		return BW_ERR_INVALID;
	days = t / 86400;
	secs = t % 86400;
	days += 719468;
	era = days / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = (int)(doy - (153 * mp + 2) / 5 + 1);
	m = (int)(mp < 10 ? mp + 3 : mp - 9);
	y = (int)(yoe + era * 400 + (m <= 2));
	w = put_num(w, y, 4);
	w = put_num(w, m, 2);
	w = put_num(w, d, 2);
	*w++ = 'T';
	w = put_num(w, (int)(secs / 3600), 2);
	w = put_num(w, (int)(secs / 60 % 60), 2);
	w = put_num(w, (int)(secs % 60), 2);
	*w++ = 'Z';
	*w = '\0';
	return 0;
}

static int access_key_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (i >= MAX_ACCESS_KEY_ID || !(cclass[ch] & C_SCOPE))
			return 0;
	}
	return i > 0;
}

/* Make room for exactly need more bytes in b, at its end. */
static int reserve(struct bw_buf *b, size_t need, char **w)
{
	int rc = bw_buf_grow(b, need);

	if (rc)
		return rc;
	*w = b->ptr + b->len;
	return 0;
}

static void commit(struct bw_buf *b, char *w)
{
	b->len = (size_t)(w - b->ptr);
	b->ptr[b->len] = '\0';
}

static size_t add_sizes(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* One signing in progress: what the steps below share. */
struct signer {
	struct bw_sigv4_result *res;
	const struct bw_sigv4_request *req;
	const struct bw_sigv4_key *key;
	const struct bw_sigv4_params *p;
	struct bw_error *err;
	struct tstate *t;
	int presign;
	const char *token;	/* NULL if none */
	size_t method_len, rlen, slen;

	struct hent hstack[16], *h;	/* headers to sign, sorted */
	size_t n;
	size_t sh_len;			/* length of "host;x-amz-date..." */
	size_t auth_sh_off;		/* where authorization holds it */
	struct qlist q;

	char scope[8 + 1 + MAX_SCOPE_PART + 1 + MAX_SCOPE_PART + 1 + sizeof(TERMINATOR)];
	size_t scope_len;

	const char *path;		/* canonical path before encoding */
	size_t plen;
	char pathstack[256], *npath;	/* npath: heap copy, if any */
};

static int oom(struct signer *s, int rc)
{
	if (rc == BW_ERR_TOOBIG)
		return bw_error_set(s->err, rc, "sigv4: request too large to sign");
	return bw_error_set(s->err, BW_ERR_NOMEM, "sigv4: out of memory");
}

static int check_inputs(struct signer *s)
{
	const struct bw_sigv4_request *req = s->req;
	const struct bw_sigv4_params *p = s->p;
	struct bw_error *err = s->err;

	if (!req->method || !token_ok(req->method, &s->method_len))
		return bw_error_set(err, BW_ERR_INVALID, "sigv4: bad or missing HTTP method");
	if (!s->key->access_key_id || !access_key_ok(s->key->access_key_id))
		return bw_error_set(err, BW_ERR_INVALID,
				    "sigv4: bad access key id; it must be 1-128 letters, digits, '_', '-' or '.'");
	if (!s->key->secret_access_key)
		return bw_error_set(err, BW_ERR_INVALID, "sigv4: no secret access key");
	if (!p->region || !scope_part_ok(p->region, &s->rlen) ||
	    !p->service || !scope_part_ok(p->service, &s->slen))
		return bw_error_set(err, BW_ERR_INVALID,
				    "sigv4: bad region '%.63s' or service '%.63s'; use names such as 'us-east-1' and 'iam'",
				    p->region ? p->region : "", p->service ? p->service : "");
	if (s->presign && (p->expires < 1 || p->expires > MAX_EXPIRES))
		return bw_error_set(err, BW_ERR_INVALID,
				    "sigv4: presign expiry %ld is out of range; use 1 to %ld seconds",
				    p->expires, MAX_EXPIRES);
	if (req->n_headers && !req->headers)
		return bw_error_set(err, BW_ERR_INVALID, "sigv4: header count without headers");
	if (req->body_len && !req->body)
		return bw_error_set(err, BW_ERR_INVALID, "sigv4: body length without a body");
	if (s->key->session_token && s->key->session_token[0])
		s->token = s->key->session_token;
	return 0;
}

/* The X-Amz-Date header's value, white space trimmed, into res->amz_date. */
static int take_amz_date(struct signer *s, const struct hent *e)
{
	const char *v = e->value;
	size_t len = e->vlen;

	while (len && is_ws(*v)) {
		v++;
		len--;
	}
	while (len && is_ws(v[len - 1]))
		len--;
	if (!amz_date_ok(v, len))
		return bw_error_set(s->err, BW_ERR_INVALID,
				    "sigv4: bad X-Amz-Date header; use one in the form 20150830T123600Z");
	memcpy(s->res->amz_date, v, 16);
	s->res->amz_date[16] = '\0';
	return 0;
}

/*
 * Collect the request's headers, find the date, and add what the signer
 * adds (X-Amz-Date, the session token, x-amz-content-sha256), sorted.
 */
static int collect_headers(struct signer *s)
{
	const struct bw_sigv4_request *req = s->req;
	struct bw_sigv4_result *res = s->res;
	int have_host = 0, have_date = 0, have_token = 0, have_csha = 0, rc;
	size_t i, tlen;

	/* Room for the three the signer may add. */
	if (req->n_headers > BW_ARRAY_SIZE(s->hstack) - 3) {
		if (req->n_headers > SIZE_MAX / sizeof(*s->h) - 3)
			return oom(s, BW_ERR_TOOBIG);
		s->h = malloc((req->n_headers + 3) * sizeof(*s->h));
		if (!s->h)
			return oom(s, BW_ERR_NOMEM);
	}
	for (i = 0; i < req->n_headers; i++) {
		const struct bw_header *in = &req->headers[i];
		struct hent *e = &s->h[s->n];

		if (!in->name || !token_ok(in->name, &e->nlen))
			return bw_error_set(s->err, BW_ERR_INVALID,
					    "sigv4: header %zu has a bad name; use letters, digits and -", i);
		if (!in->value)
			return bw_error_set(s->err, BW_ERR_INVALID,
					    "sigv4: header '%.64s' has no value", in->name);
		/* Control bytes in values are caught while canonicalising. */
		e->vlen = strlen(in->value);
		e->name = in->name;
		e->value = in->value;
		e->idx = s->n;
		/*
		 * Including what an earlier signing left in Authorization.
		 * Sent all the same, so checked here as signed values are
		 * while canonicalised.
		 */
		if (unsigned_header(e)) {
			if (!value_ok(e->value, &e->vlen))
				return bw_error_set(s->err, BW_ERR_INVALID,
						    "sigv4: header '%.64s' has a control character in its value",
						    in->name);
			continue;
		}
		if (NAME_IS(e, "host")) {
			have_host = 1;
		} else if (NAME_IS(e, "x-amz-date")) {
			if (have_date)
				return bw_error_set(s->err, BW_ERR_INVALID,
						    "sigv4: more than one X-Amz-Date header; keep one");
			rc = take_amz_date(s, e);
			if (rc)
				return rc;
			have_date = 1;
		} else if (NAME_IS(e, "x-amz-security-token")) {
			have_token = 1;
		} else if (NAME_IS(e, "x-amz-content-sha256")) {
			have_csha = 1;
		}
		s->n++;
	}
	if (!have_host)
		return bw_error_set(s->err, BW_ERR_INVALID,
				    "sigv4: request has no 'Host' header; add the endpoint's host name");
	if (!have_date) {
		if (!s->t->last_date[0] || s->t->last_when != s->p->when) {
			if (format_amz_date(s->t->last_date, s->p->when)) {
				s->t->last_date[0] = '\0';
				return bw_error_set(s->err, BW_ERR_INVALID,
						    "sigv4: request time %lld is not between 1970 and 9999",
						    (long long)s->p->when);
			}
			s->t->last_when = s->p->when;
		}
		memcpy(res->amz_date, s->t->last_date, sizeof(res->amz_date));
	}
	if (s->token) {
		if (!value_ok(s->token, &tlen))
			return bw_error_set(s->err, BW_ERR_INVALID,
					    "sigv4: the session token has a control character; check the credentials");
	}
	if (!s->presign) {
		if (!have_date) {
			s->h[s->n] = (struct hent){ "X-Amz-Date", res->amz_date, 10, 16, s->n, 0 };
			s->n++;
			res->add[res->n_add++] = (struct bw_header){ "X-Amz-Date", res->amz_date };
		}
		if (s->token && !have_token) {
			if (!(s->p->flags & BW_SIGV4_OMIT_SESSION_TOKEN)) {
				s->h[s->n] = (struct hent){ "x-amz-security-token", s->token, 20, tlen, s->n, 0 };
				s->n++;
			}
			res->add[res->n_add++] = (struct bw_header){ "X-Amz-Security-Token", s->token };
		}
		if ((s->p->flags & BW_SIGV4_CONTENT_SHA256) && !have_csha) {
			s->h[s->n] = (struct hent){ "x-amz-content-sha256", res->payload_hash, 20, 64, s->n, 0 };
			s->n++;
			res->add[res->n_add++] = (struct bw_header){ "x-amz-content-sha256", res->payload_hash };
		}
	}
	sort_headers(s->h, s->n);
	s->sh_len = mark_dups(s->h, s->n);
	return 0;
}

static void build_scope(struct signer *s)
{
	char *w = s->scope;

	memcpy(w, s->res->amz_date, 8);
	w += 8;
	*w++ = '/';
	memcpy(w, s->p->region, s->rlen);
	w += s->rlen;
	*w++ = '/';
	memcpy(w, s->p->service, s->slen);
	w += s->slen;
	*w++ = '/';
	memcpy(w, TERMINATOR, sizeof(TERMINATOR));
	s->scope_len = (size_t)(w - s->scope) + sizeof(TERMINATOR) - 1;
}

/*
 * Header mode: the Authorization value up to and with the signed headers;
 * the canonical request copies them from here and the signature is
 * appended at the end.
 */
static int authorization_head(struct signer *s)
{
	static const char cred[] = ALGORITHM " Credential=", sh[] = ", SignedHeaders=";
	size_t akid_len = strlen(s->key->access_key_id), need;
	char *w;
	int rc;

	need = sizeof(cred) + akid_len + 1 + s->scope_len + sizeof(sh) + s->sh_len +
	       sizeof(", Signature=") + 64;
	rc = reserve(&s->res->authorization, need, &w);
	if (rc)
		return oom(s, rc);
	memcpy(w, cred, sizeof(cred) - 1);
	w += sizeof(cred) - 1;
	memcpy(w, s->key->access_key_id, akid_len);
	w += akid_len;
	*w++ = '/';
	memcpy(w, s->scope, s->scope_len);
	w += s->scope_len;
	memcpy(w, sh, sizeof(sh) - 1);
	w += sizeof(sh) - 1;
	s->auth_sh_off = (size_t)(w - s->res->authorization.ptr);
	w = put_signed_headers(w, s->h, s->n);
	commit(&s->res->authorization, w);
	return 0;
}

/* Presign mode: the X-Amz-* parameters join the request's own. */
static int presign_params(struct signer *s)
{
	struct bw_buf tmp = BW_BUF_INIT;
	char num[24];
	int rc, nl;

	rc = qlist_add(&s->q, "X-Amz-Algorithm", ALGORITHM, sizeof(ALGORITHM) - 1);
	if (!rc)
		rc = bw_buf_adds(&tmp, s->key->access_key_id);
	if (!rc)
		rc = bw_buf_addch(&tmp, '/');
	if (!rc)
		rc = bw_buf_add(&tmp, s->scope, s->scope_len);
	if (!rc)
		rc = qlist_add(&s->q, "X-Amz-Credential", tmp.ptr, tmp.len);
	if (!rc)
		rc = qlist_add(&s->q, "X-Amz-Date", s->res->amz_date, 16);
	if (!rc) {
		nl = snprintf(num, sizeof(num), "%ld", s->p->expires);
		rc = qlist_add(&s->q, "X-Amz-Expires", num, (size_t)nl);
	}
	if (!rc) {
		bw_buf_reset(&tmp);
		rc = bw_buf_grow(&tmp, s->sh_len);
	}
	if (!rc) {
		commit(&tmp, put_signed_headers(tmp.ptr, s->h, s->n));
		rc = qlist_add(&s->q, "X-Amz-SignedHeaders", tmp.ptr, tmp.len);
	}
	if (!rc && s->token && !(s->p->flags & BW_SIGV4_OMIT_SESSION_TOKEN))
		rc = qlist_add(&s->q, "X-Amz-Security-Token", s->token, strlen(s->token));
	bw_buf_release(&tmp);
	return rc ? oom(s, rc) : 0;
}

/* The path to encode: normalised, or as given with a leading '/'. */
static int canonical_path(struct signer *s)
{
	const char *path = s->req->path && s->req->path[0] ? s->req->path : "/";
	size_t plen = strlen(path);
	char *buf = s->pathstack;

	s->path = path;
	s->plen = plen;
	if (plen == 1 && path[0] == '/')
		return 0;	/* the common case: nothing to do */
	if (!(s->p->flags & BW_SIGV4_NORMALIZE_PATH) && path[0] == '/')
		return 0;
	if (plen > sizeof(s->pathstack) - 2) {
		if (plen > SIZE_MAX - 2)
			return oom(s, BW_ERR_TOOBIG);
		buf = s->npath = malloc(plen + 2);
		if (!buf)
			return oom(s, BW_ERR_NOMEM);
	}
	if (s->p->flags & BW_SIGV4_NORMALIZE_PATH) {
		s->plen = normalize_path(buf, path, plen);
	} else {
		buf[0] = '/';
		memcpy(buf + 1, path, plen);
		s->plen = plen + 1;
	}
	s->path = buf;
	return 0;
}

static int canonical_request(struct signer *s, size_t qlen)
{
	struct bw_sigv4_result *res = s->res;
	const struct hent *h = s->h;
	size_t i, need;
	const char *sh;
	char *w, *qs;
	int rc;

	need = s->method_len + 1;
	need = add_sizes(need, s->plen > SIZE_MAX / 3 ? SIZE_MAX : s->plen * 3);
	need = add_sizes(need, 1 + qlen + 1);
	for (i = 0; i < s->n; i++)
		need = add_sizes(need, add_sizes(h[i].nlen, h[i].vlen + 2));
	need = add_sizes(need, 1 + s->sh_len + 1 + 64);
	rc = reserve(&res->canonical_request, need, &w);
	if (rc)
		return oom(s, rc);
	memcpy(w, s->req->method, s->method_len);
	w += s->method_len;
	*w++ = '\n';
	if (s->p->flags & BW_SIGV4_DOUBLE_ENCODE) {
		w = put_enc(w, s->path, s->plen, 1);
	} else {
		memcpy(w, s->path, s->plen);
		w += s->plen;
	}
	*w++ = '\n';
	qs = w;
	w = put_query(w, &s->q);
	if (s->presign) {
		/* The query to send is the canonical one, signature appended. */
		rc = bw_buf_add(&res->query, qs, (size_t)(w - qs));
		if (rc)
			return oom(s, rc);
	}
	*w++ = '\n';
	/* Header mode has the lowercase names already, in the Authorization. */
	sh = s->presign ? NULL : res->authorization.ptr + s->auth_sh_off;
	for (i = 0; i < s->n; i++) {
		if (h[i].dup) {
			w[-1] = ',';	/* a repeated name: join the values */
		} else {
			if (sh) {
				memcpy(w, sh, h[i].nlen);
				sh += h[i].nlen + 1;
				w += h[i].nlen;
			} else {
				w = put_lower(w, h[i].name, h[i].nlen);
			}
			*w++ = ':';
		}
		w = put_value(w, h[i].value, h[i].vlen);
		if (!w)
			return bw_error_set(s->err, BW_ERR_INVALID,
					    "sigv4: header '%.64s' has a control character in its value",
					    h[i].name);
		*w++ = '\n';
	}
	*w++ = '\n';
	if (s->presign) {
		w = put_signed_headers(w, h, s->n);
	} else {
		memcpy(w, res->authorization.ptr + s->auth_sh_off, s->sh_len);
		w += s->sh_len;
	}
	*w++ = '\n';
	memcpy(w, res->payload_hash, 64);
	w += 64;
	commit(&res->canonical_request, w);
	return 0;
}

static int string_to_sign(struct signer *s)
{
	static const char head[] = ALGORITHM "\n";
	unsigned char md[32];
	char *w;
	int rc;

	rc = digest2(s->t->md, md, s->res->canonical_request.ptr,
		     s->res->canonical_request.len, NULL, 0);
	if (rc)
		return bw_error_set(s->err, rc, "sigv4: SHA-256 failed");
	rc = reserve(&s->res->string_to_sign,
		     sizeof(head) - 1 + 16 + 1 + s->scope_len + 1 + 64, &w);
	if (rc)
		return oom(s, rc);
	memcpy(w, head, sizeof(head) - 1);
	w += sizeof(head) - 1;
	memcpy(w, s->res->amz_date, 16);
	w += 16;
	*w++ = '\n';
	memcpy(w, s->scope, s->scope_len);
	w += s->scope_len;
	*w++ = '\n';
	w = put_hex(w, md, sizeof(md));
	commit(&s->res->string_to_sign, w);
	return 0;
}

/* The signature, and where it goes: the Authorization value or the query. */
static int signature(struct signer *s)
{
	struct bw_sigv4_result *res = s->res;
	unsigned char kSigning[32], md[32];
	char date8[9];
	int rc;

	memcpy(date8, res->amz_date, 8);
	date8[8] = '\0';
	rc = signing_key(s->t, kSigning, s->key->secret_access_key, date8,
			 s->p->region, s->rlen, s->p->service, s->slen);
	if (!rc)
		rc = hmac2(s->t->md, md, kSigning, sizeof(kSigning), NULL, 0,
			   res->string_to_sign.ptr, res->string_to_sign.len);
	OPENSSL_cleanse(kSigning, sizeof(kSigning));
	if (rc)
		return bw_error_set(s->err, rc, "sigv4: HMAC-SHA256 failed");
	*put_hex(res->signature, md, sizeof(md)) = '\0';

	if (!s->presign) {
		rc = bw_buf_adds(&res->authorization, ", Signature=");
		if (!rc)
			rc = bw_buf_add(&res->authorization, res->signature, 64);
	} else {
		/* BW_SIGV4_OMIT_SESSION_TOKEN: the token goes on unsigned. */
		if (s->token && (s->p->flags & BW_SIGV4_OMIT_SESSION_TOKEN)) {
			rc = bw_buf_adds(&res->query, "&X-Amz-Security-Token=");
			if (!rc)
				rc = bw_uri_encode(&res->query, s->token, strlen(s->token), 0);
		}
		if (!rc)
			rc = bw_buf_adds(&res->query, "&X-Amz-Signature=");
		if (!rc)
			rc = bw_buf_add(&res->query, res->signature, 64);
	}
	return rc ? oom(s, rc) : 0;
}

int bw_sigv4_sign(struct bw_sigv4_result *res, const struct bw_sigv4_request *req,
		  const struct bw_sigv4_key *key, const struct bw_sigv4_params *p,
		  struct bw_error *err)
{
	struct signer s;
	unsigned char md[32];
	size_t qlen;
	int rc;

	if (!res || !req || !key || !p)
		return bw_error_set(err, BW_ERR_INVALID, "sigv4: missing request, key or parameters");
	/* Only what needs it: the header arrays are not zeroed. */
	s.res = res;
	s.req = req;
	s.key = key;
	s.p = p;
	s.err = err;
	s.presign = (p->flags & BW_SIGV4_PRESIGN) != 0;
	s.token = NULL;
	s.h = s.hstack;
	s.n = 0;
	s.q.n = 0;
	s.q.e = s.q.stack;
	s.q.cap = BW_ARRAY_SIZE(s.q.stack);
	bw_buf_init(&s.q.scratch, 0);
	s.npath = NULL;

	/* A reused result: wipe what may hold a token before overwriting. */
	if (res->canonical_request.cap)
		OPENSSL_cleanse(res->canonical_request.ptr, res->canonical_request.len);
	if (res->query.cap)
		OPENSSL_cleanse(res->query.ptr, res->query.len);
	bw_buf_reset(&res->canonical_request);
	bw_buf_reset(&res->string_to_sign);
	bw_buf_reset(&res->authorization);
	bw_buf_reset(&res->query);
	res->n_add = 0;
	res->signature[0] = '\0';

	rc = tstate_get(&s.t);
	if (rc) {
		bw_error_set(err, rc, "sigv4: cannot set up SHA-256");
		goto out;
	}
	rc = check_inputs(&s);
	if (rc)
		goto out;
	rc = digest2(s.t->md, md, req->body, req->body_len, NULL, 0);
	if (rc) {
		bw_error_set(err, rc, "sigv4: SHA-256 failed");
		goto out;
	}
	*put_hex(res->payload_hash, md, sizeof(md)) = '\0';
	rc = collect_headers(&s);
	if (rc)
		goto out;
	build_scope(&s);
	if (!s.presign) {
		rc = authorization_head(&s);
		if (rc)
			goto out;
	}
	if (req->query && req->query[0]) {
		rc = qlist_parse(&s.q, req->query, strlen(req->query), err);
		if (rc) {
			if (rc != BW_ERR_INVALID)
				oom(&s, rc);
			goto out;
		}
	}
	if (s.presign) {
		rc = presign_params(&s);
		if (rc)
			goto out;
	}
	qlen = qlist_finish(&s.q);
	rc = canonical_path(&s);
	if (!rc)
		rc = canonical_request(&s, qlen);
	if (!rc)
		rc = string_to_sign(&s);
	if (!rc)
		rc = signature(&s);
out:
	free(s.npath);
	if (s.h != s.hstack)
		free(s.h);
	if (s.q.e != s.q.stack)
		free(s.q.e);
	bw_buf_release_secure(&s.q.scratch);
	return rc;
}
