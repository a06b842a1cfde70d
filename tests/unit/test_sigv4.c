/*
 * test_sigv4.c - the AWS SigV4 conformance suite and signer unit tests.
 *
 * Every case under tests/vectors/sigv4/v4 runs twice (Authorization header
 * and presigned query) and every case of the legacy 2015 suite once
 * (header); each is its own cmocka test, named after the case.  The suite
 * is found at run time, so adding a case directory adds a test.  Unit
 * tests cover the signing key cache and hostile input.
 */
#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "bulwark/sigv4.h"

/* Private to lib/sigv4.c: how many signing keys the cache holds. */
size_t bw_sigv4__cache_entries(void);

#define V4_DIR "tests/vectors/sigv4/v4"
#define LEGACY_DIR "tests/vectors/sigv4/legacy-aws4_testsuite"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

/* snprintf that fails the test (or the run) instead of truncating. */
#define FMT(buf, ...)							\
	do {								\
		int fmt_n_ = snprintf(buf, sizeof(buf), __VA_ARGS__);	\
		if (fmt_n_ < 0 || (size_t)fmt_n_ >= sizeof(buf))	\
			abort();					\
	} while (0)

/* ---- test equipment: files and HTTP request text ----------------------- */

static char *slurp(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return buf;
}

static char *slurp_or_fail(const char *dir, const char *file)
{
	char path[1024];
	char *s;

	FMT(path, "%s/%s", dir, file);
	s = slurp(path, NULL);
	if (!s)
		fail_msg("cannot read %s: %s", path, strerror(errno));
	return s;
}

struct http_req {
	char *method, *path, *query;	/* query NULL when none */
	struct bw_header *headers;
	size_t n_headers;
	char *body;
	size_t body_len;
};

static void http_req_free(struct http_req *r)
{
	size_t i;

	free(r->method);
	free(r->path);
	free(r->query);
	for (i = 0; i < r->n_headers; i++) {
		free((char *)r->headers[i].name);
		free((char *)r->headers[i].value);
	}
	free(r->headers);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

static char *dupn(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	assert_non_null(p);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/*
 * "METHOD target HTTP/1.1", then "Name:value" lines (a line starting with
 * white space continues the previous value, kept with its line break so
 * the signer sees the obs-fold), a blank line, the body.  The target may
 * contain spaces, so the version is split off the end.
 */
static void parse_http(struct http_req *r, const char *text, size_t len)
{
	const char *end = text + len, *line = text, *eol, *sp, *ver, *q, *colon;

	memset(r, 0, sizeof(*r));
	eol = memchr(line, '\n', (size_t)(end - line));
	if (!eol)
		eol = end;
	sp = memchr(line, ' ', (size_t)(eol - line));
	assert_non_null(sp);
	r->method = dupn(line, (size_t)(sp - line));
	for (ver = eol; ver > sp && ver[-1] != ' '; ver--)
		;
	assert_true(ver > sp + 1);
	ver--;
	q = memchr(sp + 1, '?', (size_t)(ver - sp - 1));
	if (q) {
		r->path = dupn(sp + 1, (size_t)(q - sp - 1));
		r->query = dupn(q + 1, (size_t)(ver - q - 1));
	} else {
		r->path = dupn(sp + 1, (size_t)(ver - sp - 1));
	}
	line = eol < end ? eol + 1 : end;
	while (line < end) {
		eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			eol = end;
		if (eol == line) {	/* blank line: the body follows */
			line++;
			r->body_len = (size_t)(end - line);
			r->body = dupn(line, r->body_len);
			return;
		}
		if (*line == ' ' || *line == '\t') {
			struct bw_header *h = &r->headers[r->n_headers - 1];
			size_t old = strlen(h->value), add = (size_t)(eol - line);
			char *v = malloc(old + 1 + add + 1);

			assert_true(r->n_headers > 0);
			assert_non_null(v);
			memcpy(v, h->value, old);
			v[old] = '\n';
			memcpy(v + old + 1, line, add);
			v[old + 1 + add] = '\0';
			free((char *)h->value);
			h->value = v;
		} else {
			colon = memchr(line, ':', (size_t)(eol - line));
			assert_non_null(colon);
			r->headers = realloc(r->headers, (r->n_headers + 1) * sizeof(*r->headers));
			assert_non_null(r->headers);
			r->headers[r->n_headers].name = dupn(line, (size_t)(colon - line));
			r->headers[r->n_headers].value = dupn(colon + 1, (size_t)(eol - colon - 1));
			r->n_headers++;
		}
		line = eol < end ? eol + 1 : end;
	}
}

static const char *http_header(const struct http_req *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_headers; i++)
		if (!strcasecmp(r->headers[i].name, name))
			return r->headers[i].value;
	return NULL;
}

/* Query parameters decoded and sorted, joined by '\n': order-free compare. */
static int hexv(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *query_set(const char *query)
{
	char *copy = strdup(query), *parts[64], *out, *s, *save = NULL;
	size_t n = 0, i, total = 1;

	assert_non_null(copy);
	for (s = strtok_r(copy, "&", &save); s; s = strtok_r(NULL, "&", &save)) {
		char *r = s, *w = s;

		assert_true(n < 64);
		while (*r) {
			if (*r == '%' && hexv(r[1]) >= 0 && hexv(r[2]) >= 0) {
				*w++ = (char)(hexv(r[1]) * 16 + hexv(r[2]));
				r += 3;
			} else {
				*w++ = *r++;
			}
		}
		*w = '\0';
		parts[n++] = s;
		total += strlen(s) + 1;
	}
	qsort(parts, n, sizeof(parts[0]), strp_cmp);
	out = calloc(1, total);
	assert_non_null(out);
	for (i = 0; i < n; i++) {
		strcat(out, parts[i]);
		strcat(out, "\n");
	}
	free(copy);
	return out;
}

/* ---- the conformance cases ---------------------------------------------- */

struct vcase {
	char name[160];
	char dir[512];
	int legacy, presign;
};

static struct vcase *cases;
static size_t n_cases, cap_cases;

static struct vcase *new_case(void)
{
	if (n_cases == cap_cases) {
		cap_cases = cap_cases ? cap_cases * 2 : 64;
		cases = realloc(cases, cap_cases * sizeof(*cases));
		if (!cases)
			abort();
	}
	memset(&cases[n_cases], 0, sizeof(*cases));
	return &cases[n_cases++];
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted subdirectory names of dir; NULL-terminated, caller frees. */
static char **subdirs(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL, path[1024];
	size_t n = 0;

	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		FMT(path, "%s/%s", dir, de->d_name);
		if (!is_dir(path))
			continue;
		v = realloc(v, (n + 2) * sizeof(*v));
		if (!v || !(v[n] = strdup(de->d_name)))
			abort();
		n++;
	}
	closedir(d);
	if (!v)
		v = calloc(1, sizeof(*v));
	else
		v[n] = NULL;
	qsort(v, n, sizeof(*v), name_cmp);
	return v;
}

static void free_strv(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static void find_legacy(const char *dir, const char *prefix)
{
	char **sub = subdirs(dir), path[1024], name[160];
	size_t i;

	for (i = 0; sub && sub[i]; i++) {
		struct stat st;

		FMT(path, "%s/%s/%s.req", dir, sub[i], sub[i]);
		FMT(name, "%s%s", prefix, sub[i]);
		if (stat(path, &st) == 0) {
			struct vcase *c = new_case();

			FMT(c->name, "legacy/%s", name);
			FMT(c->dir, "%s/%s", dir, sub[i]);
			c->legacy = 1;
		} else {
			char sdir[1024], sprefix[160];

			FMT(sdir, "%s/%s", dir, sub[i]);
			FMT(sprefix, "%s/", name);
			find_legacy(sdir, sprefix);
		}
	}
	free_strv(sub);
}

static void find_cases(void)
{
	char **sub = subdirs(V4_DIR);
	size_t i;
	int mode;

	for (i = 0; sub && sub[i]; i++) {
		for (mode = 0; mode < 2; mode++) {
			struct vcase *c = new_case();

			FMT(c->name, "v4/%s/%s", sub[i], mode ? "query" : "header");
			FMT(c->dir, "%s/%s", V4_DIR, sub[i]);
			c->presign = mode;
		}
	}
	free_strv(sub);
	find_legacy(LEGACY_DIR, "");
}

static void check_file(const char *dir, const char *file, const char *got)
{
	char *want = slurp_or_fail(dir, file);

	assert_string_equal(got, want);
	free(want);
}

static void run_v4(const struct vcase *vc)
{
	const char *mode = vc->presign ? "query" : "header";
	char file[1024], *text, *ctxtext;
	struct http_req hr, sr;
	struct bw_sigv4_request req;
	struct bw_sigv4_key key = { 0 };
	struct bw_sigv4_params p = { 0 };
	struct bw_sigv4_result res;
	struct bw_error err;
	json_t *ctx, *cred;
	json_error_t jerr;
	struct tm tm;
	size_t len, i;

	FMT(file, "%s/request.txt", vc->dir);
	text = slurp(file, &len);
	assert_non_null(text);
	parse_http(&hr, text, len);
	free(text);
	ctxtext = slurp_or_fail(vc->dir, "context.json");
	ctx = json_loads(ctxtext, 0, &jerr);
	free(ctxtext);
	assert_non_null(ctx);
	cred = json_object_get(ctx, "credentials");
	key.access_key_id = json_string_value(json_object_get(cred, "access_key_id"));
	key.secret_access_key = json_string_value(json_object_get(cred, "secret_access_key"));
	key.session_token = json_string_value(json_object_get(cred, "token"));
	p.region = json_string_value(json_object_get(ctx, "region"));
	p.service = json_string_value(json_object_get(ctx, "service"));
	p.expires = (long)json_integer_value(json_object_get(ctx, "expiration_in_seconds"));
	memset(&tm, 0, sizeof(tm));
	assert_non_null(strptime(json_string_value(json_object_get(ctx, "timestamp")),
				 "%Y-%m-%dT%H:%M:%SZ", &tm));
	p.when = timegm(&tm);
	/* The flags aws-c-auth's own runner uses for every case. */
	p.flags = BW_SIGV4_DOUBLE_ENCODE;
	if (json_is_true(json_object_get(ctx, "normalize")))
		p.flags |= BW_SIGV4_NORMALIZE_PATH;
	if (json_is_true(json_object_get(ctx, "sign_body")))
		p.flags |= BW_SIGV4_CONTENT_SHA256;
	if (json_is_true(json_object_get(ctx, "omit_session_token")))
		p.flags |= BW_SIGV4_OMIT_SESSION_TOKEN;
	if (vc->presign)
		p.flags |= BW_SIGV4_PRESIGN;

	req = (struct bw_sigv4_request){ hr.method, hr.path, hr.query, hr.headers,
					 hr.n_headers, hr.body, hr.body_len };
	bw_sigv4_result_init(&res);
	bw_error_clear(&err);
	if (bw_sigv4_sign(&res, &req, &key, &p, &err))
		fail_msg("sign failed: %s", err.message);
	FMT(file, "%s-canonical-request.txt", mode);
	check_file(vc->dir, file, res.canonical_request.ptr);
	FMT(file, "%s-string-to-sign.txt", mode);
	check_file(vc->dir, file, res.string_to_sign.ptr);
	FMT(file, "%s-signature.txt", mode);
	check_file(vc->dir, file, res.signature);

	/* What the signer says to add must turn the request into the signed one. */
	FMT(file, "%s/%s-signed-request.txt", vc->dir, mode);
	text = slurp(file, &len);
	assert_non_null(text);
	parse_http(&sr, text, len);
	free(text);
	if (vc->presign) {
		char *got = query_set(res.query.ptr), *want = query_set(sr.query);

		assert_int_equal(res.n_add, 0);
		assert_string_equal(got, want);
		assert_non_null(strstr(res.query.ptr, "&X-Amz-Signature="));
		assert_string_equal(strstr(res.query.ptr, "X-Amz-Signature=") + 16, res.signature);
		free(got);
		free(want);
	} else {
		assert_int_equal(sr.n_headers, hr.n_headers + res.n_add + 1);
		for (i = 0; i < res.n_add; i++) {
			const char *v = http_header(&sr, res.add[i].name);

			assert_non_null(v);
			assert_string_equal(res.add[i].value, v);
			assert_null(http_header(&hr, res.add[i].name));
		}
		assert_non_null(http_header(&sr, "Authorization"));
		assert_string_equal(res.authorization.ptr, http_header(&sr, "Authorization"));
		assert_int_equal(res.query.len, 0);
	}
	assert_string_equal(res.amz_date, "20150830T123600Z");
	http_req_free(&sr);
	bw_sigv4_result_release(&res);
	http_req_free(&hr);
	json_decref(ctx);
}

/*
 * The 2015 suite: the request carries X-Amz-Date; the signed request (.sreq)
 * shows whether a session token was added, and the canonical request
 * whether it was signed.
 */
static void run_legacy(const struct vcase *vc)
{
	const char *base = strrchr(vc->dir, '/') + 1;
	char file[1024], *text, *creq;
	struct http_req hr, sr;
	struct bw_sigv4_request req;
	struct bw_sigv4_key key = { "AKIDEXAMPLE", SECRET, NULL };
	struct bw_sigv4_params p = { "us-east-1", "service", 0,
				     BW_SIGV4_NORMALIZE_PATH | BW_SIGV4_DOUBLE_ENCODE, 0 };
	struct bw_sigv4_result res;
	struct bw_error err;
	size_t len;

	FMT(file, "%s/%s.req", vc->dir, base);
	text = slurp(file, &len);
	assert_non_null(text);
	parse_http(&hr, text, len);
	free(text);
	FMT(file, "%s/%s.sreq", vc->dir, base);
	text = slurp(file, &len);
	assert_non_null(text);
	parse_http(&sr, text, len);
	free(text);
	FMT(file, "%s.creq", base);
	creq = slurp_or_fail(vc->dir, file);
	if (!http_header(&hr, "X-Amz-Security-Token") && http_header(&sr, "X-Amz-Security-Token")) {
		key.session_token = http_header(&sr, "X-Amz-Security-Token");
		if (!strstr(creq, "x-amz-security-token"))
			p.flags |= BW_SIGV4_OMIT_SESSION_TOKEN;
	}
	/* Any time: the request's own X-Amz-Date must win. */
	p.when = 86400;

	req = (struct bw_sigv4_request){ hr.method, hr.path, hr.query, hr.headers,
					 hr.n_headers, hr.body, hr.body_len };
	bw_sigv4_result_init(&res);
	bw_error_clear(&err);
	if (bw_sigv4_sign(&res, &req, &key, &p, &err))
		fail_msg("sign failed: %s", err.message);
	assert_string_equal(res.canonical_request.ptr, creq);
	FMT(file, "%s.sts", base);
	check_file(vc->dir, file, res.string_to_sign.ptr);
	FMT(file, "%s.authz", base);
	check_file(vc->dir, file, res.authorization.ptr);
	assert_string_equal(strstr(res.authorization.ptr, "Signature=") + 10, res.signature);
	assert_string_equal(res.amz_date, "20150830T123600Z");
	/* The date was in the request, so only a token can be added. */
	if (key.session_token) {
		assert_int_equal(res.n_add, 1);
		assert_string_equal(res.add[0].name, "X-Amz-Security-Token");
		assert_string_equal(res.add[0].value, key.session_token);
	} else {
		assert_int_equal(res.n_add, 0);
	}
	/*
	 * .sreq writes "Authorization: AWS4-...".  One upstream .sreq is wrong:
	 * get-vanilla-with-session-token's carries signature 5fa00fa3..., while
	 * its .authz, its .sts and the v4 copy of the case all give 07ec1639...
	 * (checked above), so that line is only checked to still be the known
	 * erratum.
	 */
	if (!strcmp(base, "get-vanilla-with-session-token"))
		assert_non_null(strstr(http_header(&sr, "Authorization"),
				       "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
	else
		assert_string_equal(http_header(&sr, "Authorization") + 1, res.authorization.ptr);
	bw_sigv4_result_release(&res);
	free(creq);
	http_req_free(&sr);
	http_req_free(&hr);
}

static void test_vector(void **state)
{
	const struct vcase *vc = *state;

	if (vc->legacy)
		run_legacy(vc);
	else
		run_v4(vc);
}

/* ---- unit tests ---------------------------------------------------------- */

static const struct bw_header vanilla_headers[] = {
	{ "Host", "example.amazonaws.com" },
};

static struct bw_sigv4_key test_key = { "AKIDEXAMPLE", SECRET, NULL };

static struct bw_sigv4_params test_params(unsigned flags)
{
	struct bw_sigv4_params p = { "us-east-1", "service", 1440938160, flags, 3600 };

	return p;
}

static int sign_simple(const char *path, const char *query, const struct bw_header *h,
		       size_t nh, unsigned flags, struct bw_sigv4_result *res,
		       struct bw_error *err)
{
	struct bw_sigv4_request req = { "GET", path, query, h, nh, NULL, 0 };
	struct bw_sigv4_params p = test_params(flags);

	bw_error_clear(err);
	return bw_sigv4_sign(res, &req, &test_key, &p, err);
}

static void hex32(char out[65], const unsigned char k[32])
{
	int i;

	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", k[i]);
}

/* The worked example of the AWS documentation (iam, 20150830). */
static void test_signing_key_known_answer(void **state)
{
	unsigned char k[32];
	char hex[65];

	(void)state;
	bw_sigv4_cache_clear();
	assert_int_equal(bw_sigv4_signing_key(k, SECRET, "20150830", "us-east-1", "iam"), 0);
	hex32(hex, k);
	assert_string_equal(hex, "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
	assert_int_equal(bw_sigv4__cache_entries(), 1);
	/* Warm: same key, no new entry. */
	memset(k, 0, sizeof(k));
	assert_int_equal(bw_sigv4_signing_key(k, SECRET, "20150830", "us-east-1", "iam"), 0);
	hex32(hex, k);
	assert_string_equal(hex, "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
	assert_int_equal(bw_sigv4__cache_entries(), 1);
}

static void test_signing_key_inputs_differ(void **state)
{
	unsigned char a[32], b[32], c[32], d[32], e[32];

	(void)state;
	bw_sigv4_cache_clear();
	assert_int_equal(bw_sigv4_signing_key(a, SECRET, "20150830", "us-east-1", "iam"), 0);
	assert_int_equal(bw_sigv4_signing_key(b, SECRET "x", "20150830", "us-east-1", "iam"), 0);
	assert_int_equal(bw_sigv4_signing_key(c, SECRET, "20150831", "us-east-1", "iam"), 0);
	assert_int_equal(bw_sigv4_signing_key(d, SECRET, "20150830", "us-west-2", "iam"), 0);
	assert_int_equal(bw_sigv4_signing_key(e, SECRET, "20150830", "us-east-1", "sts"), 0);
	assert_memory_not_equal(a, b, 32);
	assert_memory_not_equal(a, c, 32);
	assert_memory_not_equal(a, d, 32);
	assert_memory_not_equal(a, e, 32);
	assert_int_equal(bw_sigv4__cache_entries(), 5);
}

/*
 * The signer remembers the hash of the last secret by address: a secret
 * changed in place (same buffer, same length) must still get its own key.
 */
static void test_signing_key_secret_changed_in_place(void **state)
{
	char buf[] = SECRET;
	unsigned char a[32], b[32], c[32];
	int i;

	(void)state;
	for (i = 0; i < (int)sizeof(buf) - 1; i += 7) {
		assert_int_equal(bw_sigv4_signing_key(a, buf, "20150830", "us-east-1", "iam"), 0);
		buf[i] ^= 1;
		assert_int_equal(bw_sigv4_signing_key(b, buf, "20150830", "us-east-1", "iam"), 0);
		assert_memory_not_equal(a, b, 32);
		buf[i] ^= 1;
		assert_int_equal(bw_sigv4_signing_key(c, buf, "20150830", "us-east-1", "iam"), 0);
		assert_memory_equal(a, c, 32);
	}
}

static void test_signing_key_clear_and_evict(void **state)
{
	unsigned char k[32], first[32];
	char region[32];
	int i;

	(void)state;
	bw_sigv4_cache_clear();
	assert_int_equal(bw_sigv4__cache_entries(), 0);
	assert_int_equal(bw_sigv4_signing_key(first, SECRET, "20150830", "region-0", "iam"), 0);
	for (i = 1; i < 40; i++) {
		FMT(region, "region-%d", i);
		assert_int_equal(bw_sigv4_signing_key(k, SECRET, "20150830", region, "iam"), 0);
		assert_memory_not_equal(k, first, 32);
	}
	/* Bounded, and an evicted key derives again to the same value. */
	assert_int_equal(bw_sigv4__cache_entries(), 16);
	assert_int_equal(bw_sigv4_signing_key(k, SECRET, "20150830", "region-0", "iam"), 0);
	assert_memory_equal(k, first, 32);
	bw_sigv4_cache_clear();
	assert_int_equal(bw_sigv4__cache_entries(), 0);
	assert_int_equal(bw_sigv4_signing_key(k, SECRET, "20150830", "region-0", "iam"), 0);
	assert_memory_equal(k, first, 32);
	assert_int_equal(bw_sigv4__cache_entries(), 1);
}

/* Secrets longer than the HMAC block take RFC 2104's hash-the-key path. */
static void test_signing_key_long_and_empty_secret(void **state)
{
	const size_t lens[] = { 0, 1, 59, 60, 61, 64, 65, 200 };
	unsigned char k[32], ref[32], kd[32];
	char secret[256], keybuf[300];
	unsigned int l;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(secret, 'S', lens[i]);
		secret[lens[i]] = '\0';
		FMT(keybuf, "AWS4%s", secret);
		HMAC(EVP_sha256(), keybuf, (int)strlen(keybuf),
		     (const unsigned char *)"20150830", 8, kd, &l);
		HMAC(EVP_sha256(), kd, 32, (const unsigned char *)"us-east-1", 9, kd, &l);
		HMAC(EVP_sha256(), kd, 32, (const unsigned char *)"iam", 3, kd, &l);
		HMAC(EVP_sha256(), kd, 32, (const unsigned char *)"aws4_request", 12, ref, &l);
		assert_int_equal(bw_sigv4_signing_key(k, secret, "20150830", "us-east-1", "iam"), 0);
		assert_memory_equal(k, ref, 32);
	}
}

static void test_signing_key_bad_input(void **state)
{
	unsigned char k[32];

	(void)state;
	assert_int_equal(bw_sigv4_signing_key(k, SECRET, "2015083", "us-east-1", "iam"), BW_ERR_INVALID);
	assert_int_equal(bw_sigv4_signing_key(k, SECRET, "2015083x", "us-east-1", "iam"), BW_ERR_INVALID);
	assert_int_equal(bw_sigv4_signing_key(k, SECRET, "20150830", "", "iam"), BW_ERR_INVALID);
	assert_int_equal(bw_sigv4_signing_key(k, SECRET, "20150830", "us-east-1/x", "iam"), BW_ERR_INVALID);
	assert_int_equal(bw_sigv4_signing_key(k, NULL, "20150830", "us-east-1", "iam"), BW_ERR_INVALID);
}

static void test_sha256_and_encode(void **state)
{
	struct bw_buf b = BW_BUF_INIT;
	char hex[65];

	(void)state;
	bw_sha256_hex(hex, "", 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	bw_sha256_hex(hex, "Param1=value1", 13);
	assert_string_equal(hex, "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
	assert_int_equal(bw_uri_encode(&b, "a b/c~d+e\xe1\x88\xb4", 12, 1), 0);
	assert_string_equal(b.ptr, "a%20b/c~d%2Be%E1%88%B4");
	bw_buf_reset(&b);
	assert_int_equal(bw_uri_encode(&b, "/a=b&c", 6, 0), 0);
	assert_string_equal(b.ptr, "%2Fa%3Db%26c");
	bw_buf_release(&b);
}

static const char *cr_line(const struct bw_sigv4_result *res, int n, char *out, size_t cap)
{
	const char *s = res->canonical_request.ptr, *e;

	while (n-- > 0) {
		s = strchr(s, '\n');
		assert_non_null(s);
		s++;
	}
	e = strchr(s, '\n');
	if (!e)
		e = s + strlen(s);
	assert_true((size_t)(e - s) < cap);
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
	return out;
}

static void test_paths(void **state)
{
	static const struct { const char *in, *norm, *raw; } t[] = {
		{ "/", "/", "/" },
		{ "", "/", "/" },
		{ "/a/b/..", "/a/", "/a/b/.." },
		{ "/a/./b/.", "/a/b/", "/a/./b/." },
		{ "/../../..", "/", "/../../.." },
		{ "a/b", "/a/b", "/a/b" },
		{ "/a//b///", "/a/b/", "/a//b///" },
		{ "/%2E%2E/x", "/%252E%252E/x", "/%252E%252E/x" },
		{ "/..a/.b./...", "/..a/.b./...", "/..a/.b./..." },
	};
	struct bw_sigv4_result res;
	struct bw_error err;
	char line[256];
	size_t i;

	(void)state;
	bw_sigv4_result_init(&res);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(sign_simple(t[i].in, NULL, vanilla_headers, 1,
					     BW_SIGV4_SERVICE_FLAGS, &res, &err), 0);
		assert_string_equal(cr_line(&res, 1, line, sizeof(line)), t[i].norm);
		assert_int_equal(sign_simple(t[i].in, NULL, vanilla_headers, 1,
					     BW_SIGV4_DOUBLE_ENCODE, &res, &err), 0);
		assert_string_equal(cr_line(&res, 1, line, sizeof(line)), t[i].raw);
	}
	bw_sigv4_result_release(&res);
}

static void test_long_path(void **state)
{
	struct bw_sigv4_result res;
	struct bw_error err;
	char *path = malloc(100001);
	size_t i;

	(void)state;
	assert_non_null(path);
	for (i = 0; i < 100000; i += 4)
		memcpy(path + i, i % 8 ? "/../" : "/a b", 4);
	path[100000] = '\0';
	bw_sigv4_result_init(&res);
	assert_int_equal(sign_simple(path, NULL, vanilla_headers, 1, BW_SIGV4_SERVICE_FLAGS, &res, &err), 0);
	assert_non_null(strstr(res.canonical_request.ptr, "GET\n/\n"));
	assert_int_equal(sign_simple(path, NULL, vanilla_headers, 1, BW_SIGV4_DOUBLE_ENCODE, &res, &err), 0);
	bw_sigv4_result_release(&res);
	free(path);
}

static void test_query_canonical(void **state)
{
	static const struct { const char *in, *out; } t[] = {
		{ "b=2&a=1", "a=1&b=2" },
		{ "a=2&a=1&a=10", "a=1&a=10&a=2" },
		{ "a&b=", "a=&b=" },
		{ "&&a=1&&", "a=1" },
		{ "k=a+b", "k=a%2Bb" },
		{ "k=a%20b&%7e=%41", "k=a%20b&~=A" },
		{ "x=1=2", "x=1%3D2" },
		{ "=v", "=v" },
		{ "a=%00", "a=%00" },
		{ "sp ace=\xff", "sp%20ace=%FF" },
	};
	struct bw_sigv4_result res;
	struct bw_error err;
	char line[256];
	size_t i;

	(void)state;
	bw_sigv4_result_init(&res);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(sign_simple("/", t[i].in, vanilla_headers, 1,
					     BW_SIGV4_SERVICE_FLAGS, &res, &err), 0);
		assert_string_equal(cr_line(&res, 2, line, sizeof(line)), t[i].out);
	}
	bw_sigv4_result_release(&res);
}

static void test_bad_percent_encoding(void **state)
{
	static const char *bad[] = { "a=%", "a=%4", "a=%zz", "%G1=x", "a=1&b=%2", "a=%%41", "x=%4g" };
	struct bw_sigv4_result res;
	struct bw_error err;
	size_t i;

	(void)state;
	bw_sigv4_result_init(&res);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sign_simple("/", bad[i], vanilla_headers, 1,
					     BW_SIGV4_SERVICE_FLAGS, &res, &err), BW_ERR_INVALID);
		assert_int_equal(err.code, BW_ERR_INVALID);
		assert_non_null(strstr(err.message, "percent-encoding"));
		assert_int_equal(sign_simple("/", bad[i], vanilla_headers, 1,
					     BW_SIGV4_SERVICE_FLAGS | BW_SIGV4_PRESIGN, &res, &err),
				 BW_ERR_INVALID);
	}
	bw_sigv4_result_release(&res);
}

static void test_missing_host(void **state)
{
	static const struct bw_header h[] = { { "Content-Type", "text/plain" },
					      { "Hostx", "example.com" } };
	struct bw_sigv4_result res;
	struct bw_error err;

	(void)state;
	bw_sigv4_result_init(&res);
	assert_int_equal(sign_simple("/", NULL, h, 2, 0, &res, &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, "'Host'"));
	assert_int_equal(sign_simple("/", NULL, NULL, 0, 0, &res, &err), BW_ERR_INVALID);
	assert_int_equal(sign_simple("/", NULL, h, 2, BW_SIGV4_PRESIGN, &res, &err), BW_ERR_INVALID);
	bw_sigv4_result_release(&res);
}

static void test_bad_headers(void **state)
{
	static const struct bw_header bad[][2] = {
		{ { "Host", "h" }, { "Bad Name", "v" } },
		{ { "Host", "h" }, { "", "v" } },
		{ { "Host", "h" }, { "X:Y", "v" } },
		{ { "Host", "h" }, { "X", "a\r\nInjected: yes" } },
		{ { "Host", "h" }, { "X", "a\nInjected: yes" } },
		{ { "Host", "h" }, { "X", "a \nInjected: yes" } },
		{ { "Host", "h" }, { "X", "a  \r\nInjected: yes" } },
		{ { "Host", "h" }, { "X", "a \x01 b" } },
		{ { "Host", "h" }, { "User-Agent", "a\r\nInjected: yes" } },
		{ { "Host", "h" }, { "X", "a\rb" } },
		{ { "Host", "h" }, { "X", "a\x01" } },
		{ { "Host", "h" }, { "X-Amz-Date", "2015-08-30" } },
		{ { "Host", "h\r\n" }, { "X", "v" } },
	};
	struct bw_sigv4_result res;
	struct bw_error err;
	size_t i;

	(void)state;
	bw_sigv4_result_init(&res);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sign_simple("/", NULL, bad[i], 2, 0, &res, &err), BW_ERR_INVALID);
	bw_sigv4_result_release(&res);
}

static void test_huge_header_count(void **state)
{
	const size_t n = 20000;
	struct bw_header *h = calloc(n, sizeof(*h));
	char (*names)[16] = calloc(n, sizeof(*names));
	struct bw_sigv4_result res;
	struct bw_error err;
	const char *sh, *prev;
	size_t i, count = 0;

	(void)state;
	assert_non_null(h);
	assert_non_null(names);
	h[0] = (struct bw_header){ "Host", "example.com" };
	for (i = 1; i < n; i++) {
		/* Reverse order, and every name twice, so sorting and joining work. */
		snprintf(names[i], sizeof(names[i]), "X-H%05zu", (n - i) / 2);
		h[i] = (struct bw_header){ names[i], i % 2 ? "odd" : "even" };
	}
	bw_sigv4_result_init(&res);
	assert_int_equal(sign_simple("/", NULL, h, n, 0, &res, &err), 0);
	sh = strstr(res.authorization.ptr, "SignedHeaders=") + 14;
	for (prev = sh; (sh = strchr(sh, ';')); sh++, count++) {
		assert_true(strncmp(prev, sh + 1, 8) < 0 || !strncmp(prev, "host", 4));
		prev = sh + 1;
	}
	/* host, x-amz-date and 10000 distinct x-h names, joined by 10001 ';'. */
	assert_int_equal(count, 10001);
	assert_non_null(strstr(res.canonical_request.ptr, "\nx-h00001:odd,even\n") ?
			strstr(res.canonical_request.ptr, "\nx-h00001:odd,even\n") :
			strstr(res.canonical_request.ptr, "\nx-h00001:even,odd\n"));
	bw_sigv4_result_release(&res);
	free(names);
	free(h);
}

/* Reference canonicalisation of a header value; 0 if it must be refused. */
static int ref_value(char *out, const char *v)
{
	const char *ws = " \t\r\n";
	size_t i, o = 0;
	int pending = 0;

	for (i = 0; v[i]; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch == '\r' && v[i + 1] != '\n')
			return 0;
		if (ch == '\n' && v[i + 1] != ' ' && v[i + 1] != '\t')
			return 0;
		if ((ch < 0x20 && !strchr(ws, ch)) || ch == 0x7f)
			return 0;
		if (strchr(ws, ch)) {
			pending = o > 0;
			continue;
		}
		if (pending)
			out[o++] = ' ';
		pending = 0;
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return 1;
}

/* Random values against the reference, around the 8-byte scan boundaries. */
static void test_header_values_random(void **state)
{
	static const char alphabet[] = "ab \t\r\n\x7f\x01\x80\xff!~\"";
	struct bw_header h[2] = { { "Host", "h" }, { "X-V", NULL } };
	struct bw_sigv4_result res;
	struct bw_error err;
	char v[48], want[48], line[128], *got;
	unsigned long long seed = 42;
	size_t len, i;
	int iter, ok;

	(void)state;
	bw_sigv4_result_init(&res);
	for (iter = 0; iter < 20000; iter++) {
		len = (size_t)(iter % 41);
		for (i = 0; i < len; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			/* Mostly plain letters, so long runs cross 8-byte words. */
			v[i] = (seed >> 60) < 11 ? 'a' + (char)((seed >> 40) % 26)
						  : alphabet[(seed >> 33) % (sizeof(alphabet) - 1)];
		}
		v[len] = '\0';
		h[1].value = v;
		ok = ref_value(want, v);
		if (!ok) {
			if (sign_simple("/", NULL, h, 2, 0, &res, &err) != BW_ERR_INVALID) {
				for (i = 0; i < len; i++)
					fprintf(stderr, "%02x ", (unsigned char)v[i]);
				fail_msg("accepted");
			}
			continue;
		}
		if (sign_simple("/", NULL, h, 2, 0, &res, &err)) {
			for (i = 0; i < len; i++)
				fprintf(stderr, "%02x ", (unsigned char)v[i]);
			fail_msg("refused: %s", err.message);
		}
		got = strstr(res.canonical_request.ptr, "\nx-v:");
		assert_non_null(got);
		FMT(line, "%s", got + 5);
		*strchr(line, '\n') = '\0';
		if (strcmp(line, want)) {
			for (i = 0; i < len; i++)
				fprintf(stderr, "%02x ", (unsigned char)v[i]);
			fprintf(stderr, "\n");
		}
		assert_string_equal(line, want);
	}
	bw_sigv4_result_release(&res);
}

/* Random token names, lowercased in the canonical request and list. */
static void test_header_names_random(void **state)
{
	static const char tchars[] = "!#$%&'*+-.^_`|~09AZaz@[MmQq";
	struct bw_header h[2] = { { "Host", "h" }, { NULL, "v" } };
	struct bw_sigv4_result res;
	struct bw_error err;
	char name[40], want[48];
	unsigned long long seed = 7;
	size_t len, i;
	int iter, bad;

	(void)state;
	bw_sigv4_result_init(&res);
	for (iter = 0; iter < 5000; iter++) {
		len = 1 + (size_t)(iter % 33);
		bad = 0;
		for (i = 0; i < len; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			name[i] = tchars[(seed >> 33) % (sizeof(tchars) - 1)];
			bad |= name[i] == '@' || name[i] == '[';
		}
		name[len] = '\0';
		h[1].name = name;
		if (bad) {
			assert_int_equal(sign_simple("/", NULL, h, 2, 0, &res, &err), BW_ERR_INVALID);
			continue;
		}
		assert_int_equal(sign_simple("/", NULL, h, 2, 0, &res, &err), 0);
		want[0] = '\n';
		for (i = 0; i < len; i++)
			want[i + 1] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
		memcpy(want + len + 1, ":v\n", 4);
		assert_non_null(strstr(res.canonical_request.ptr, want));
		want[len + 1] = '\0';
		assert_non_null(strstr(res.authorization.ptr, want + 1));
	}
	bw_sigv4_result_release(&res);
}

/* The signer's own UTC conversion against gmtime_r. */
static void test_dates(void **state)
{
	static const time_t fixed[] = { 0, 59, 86399, 86400, 951782400 /* 2000-02-29 */,
					1440938160, 1709164800 /* 2024-02-29 */,
					4107542399 /* 2100-02-28T23:59:59 */, 253402300799 };
	struct bw_sigv4_result res;
	struct bw_error err;
	struct bw_sigv4_request req = { "GET", "/", NULL, vanilla_headers, 1, NULL, 0 };
	struct bw_sigv4_params p = test_params(0);
	unsigned long long seed = 99;
	char want[32];
	struct tm tm;
	size_t i;

	(void)state;
	bw_sigv4_result_init(&res);
	for (i = 0; i < 2000 + sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (i < sizeof(fixed) / sizeof(fixed[0])) {
			p.when = fixed[i];
		} else {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			p.when = (time_t)((seed >> 11) % 253402300800ULL);
		}
		assert_int_equal(bw_sigv4_sign(&res, &req, &test_key, &p, &err), 0);
		assert_non_null(gmtime_r(&p.when, &tm));
		assert_int_not_equal(strftime(want, sizeof(want), "%Y%m%dT%H%M%SZ", &tm), 0);
		assert_string_equal(res.amz_date, want);
	}
	p.when = -1;
	assert_int_equal(bw_sigv4_sign(&res, &req, &test_key, &p, &err), BW_ERR_INVALID);
	p.when = 253402300800;
	assert_int_equal(bw_sigv4_sign(&res, &req, &test_key, &p, &err), BW_ERR_INVALID);
	p.when = 1440938160;
	assert_int_equal(bw_sigv4_sign(&res, &req, &test_key, &p, &err), 0);
	assert_string_equal(res.amz_date, "20150830T123600Z");
	bw_sigv4_result_release(&res);
}

static void test_bad_params(void **state)
{
	struct bw_sigv4_request req = { "GET", "/", NULL, vanilla_headers, 1, NULL, 0 };
	struct bw_sigv4_params p = test_params(BW_SIGV4_PRESIGN);
	struct bw_sigv4_key k = test_key;
	struct bw_sigv4_result res;
	struct bw_error err;

	(void)state;
	bw_sigv4_result_init(&res);
	p.expires = 0;
	assert_int_equal(bw_sigv4_sign(&res, &req, &k, &p, &err), BW_ERR_INVALID);
	p.expires = 604801;
	assert_int_equal(bw_sigv4_sign(&res, &req, &k, &p, &err), BW_ERR_INVALID);
	p = test_params(0);
	p.region = "us east";
	assert_int_equal(bw_sigv4_sign(&res, &req, &k, &p, &err), BW_ERR_INVALID);
	p = test_params(0);
	k.access_key_id = "AKID/EVIL";
	assert_int_equal(bw_sigv4_sign(&res, &req, &k, &p, &err), BW_ERR_INVALID);
	k = test_key;
	k.secret_access_key = NULL;
	assert_int_equal(bw_sigv4_sign(&res, &req, &k, &p, &err), BW_ERR_INVALID);
	k = test_key;
	req.method = "G T";
	assert_int_equal(bw_sigv4_sign(&res, &req, &k, &p, &err), BW_ERR_INVALID);
	req.method = "GET";
	req.body_len = 3;
	assert_int_equal(bw_sigv4_sign(&res, &req, &k, &p, &err), BW_ERR_INVALID);
	req.body_len = 0;
	assert_int_equal(bw_sigv4_sign(NULL, &req, &k, &p, &err), BW_ERR_INVALID);
	assert_int_equal(bw_sigv4_sign(&res, NULL, &k, &p, &err), BW_ERR_INVALID);
	k.session_token = "tok\nen";
	assert_int_equal(bw_sigv4_sign(&res, &req, &k, &p, &err), BW_ERR_INVALID);
	bw_sigv4_result_release(&res);
}

/* Hop-by-hop and client-added headers are sent but never signed. */
static void test_unsigned_headers(void **state)
{
	static const struct bw_header h[] = {
		{ "Host", "h" }, { "User-Agent", "bulwark/0.1" }, { "Connection", "keep-alive" },
		{ "Expect", "100-continue" }, { "TE", "trailers" }, { "X-Amzn-Trace-Id", "Root=1" },
		{ "Authorization", "AWS4-HMAC-SHA256 old" }, { "Transfer-Encoding", "chunked" },
		{ "X-Amz-Target", "T" },
	};
	struct bw_sigv4_result res;
	struct bw_error err;

	(void)state;
	bw_sigv4_result_init(&res);
	assert_int_equal(sign_simple("/", NULL, h, sizeof(h) / sizeof(h[0]), 0, &res, &err), 0);
	assert_non_null(strstr(res.authorization.ptr, "SignedHeaders=host;x-amz-date;x-amz-target, "));
	assert_null(strstr(res.canonical_request.ptr, "user-agent"));
	bw_sigv4_result_release(&res);
}

/* A result can be signed into again; buffers are reset, not leaked. */
static void test_result_reuse(void **state)
{
	struct bw_sigv4_result res;
	struct bw_error err;
	char first[65];
	int i;

	(void)state;
	bw_sigv4_result_init(&res);
	assert_int_equal(sign_simple("/", "a=1", vanilla_headers, 1, BW_SIGV4_PRESIGN, &res, &err), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(sign_simple("/", NULL, vanilla_headers, 1, 0, &res, &err), 0);
		if (!i)
			memcpy(first, res.signature, 65);
		assert_string_equal(res.signature, first);
		assert_int_equal(res.query.len, 0);
		assert_int_equal(res.n_add, 1);
	}
	bw_sigv4_result_release(&res);
}

/* The x-amz-date header of a different day scopes the key to that day. */
static void test_header_date_wins(void **state)
{
	static const struct bw_header h[] = { { "Host", "h" }, { "x-amz-date", " 20200102T030405Z\t" } };
	static const struct bw_header two[] = { { "Host", "h" }, { "X-Amz-Date", "20200102T030405Z" },
						{ "x-amz-date", "20200102T030405Z" } };
	struct bw_sigv4_result res;
	struct bw_error err;

	(void)state;
	bw_sigv4_result_init(&res);
	assert_int_equal(sign_simple("/", NULL, h, 2, 0, &res, &err), 0);
	assert_string_equal(res.amz_date, "20200102T030405Z");
	assert_non_null(strstr(res.string_to_sign.ptr, "\n20200102/us-east-1/service/aws4_request\n"));
	assert_int_equal(res.n_add, 0);
	assert_int_equal(sign_simple("/", NULL, two, 3, 0, &res, &err), BW_ERR_INVALID);
	bw_sigv4_result_release(&res);
}

/* Threads signing at once through a cache too small for them all. */
struct thread_arg {
	int id, failures;
};

static void *sign_thread(void *p)
{
	struct thread_arg *a = p;
	struct bw_header h[] = { { "Host", "example.amazonaws.com" } };
	struct bw_sigv4_request req = { "GET", "/", NULL, h, 1, NULL, 0 };
	struct bw_sigv4_params prm = test_params(0);
	struct bw_sigv4_result res;
	unsigned char k[32], ref[32], kd[32];
	char region[32], keybuf[64];
	unsigned int l;
	int i;

	bw_sigv4_result_init(&res);
	for (i = 0; i < 400; i++) {
		snprintf(region, sizeof(region), "r%d-%d", a->id, i % 12);
		prm.region = region;
		if (bw_sigv4_sign(&res, &req, &test_key, &prm, NULL) ||
		    bw_sigv4_signing_key(k, SECRET, "20150830", region, "service")) {
			a->failures++;
			continue;
		}
		snprintf(keybuf, sizeof(keybuf), "AWS4%s", SECRET);
		HMAC(EVP_sha256(), keybuf, (int)strlen(keybuf), (const unsigned char *)"20150830", 8, kd, &l);
		HMAC(EVP_sha256(), kd, 32, (const unsigned char *)region, strlen(region), kd, &l);
		HMAC(EVP_sha256(), kd, 32, (const unsigned char *)"service", 7, kd, &l);
		HMAC(EVP_sha256(), kd, 32, (const unsigned char *)"aws4_request", 12, ref, &l);
		if (memcmp(k, ref, 32))
			a->failures++;
	}
	bw_sigv4_result_release(&res);
	bw_sigv4_cache_clear();	/* frees this thread's state too */
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t th[4];
	struct thread_arg a[4];
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		a[i] = (struct thread_arg){ i, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, sign_thread, &a[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(a[i].failures, 0);
	}
	assert_true(bw_sigv4__cache_entries() <= 16);
}

static int teardown_all(void **state)
{
	(void)state;
	bw_sigv4_cache_clear();
	return 0;
}

int main(void)
{
	static const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_signing_key_known_answer),
		cmocka_unit_test(test_signing_key_inputs_differ),
		cmocka_unit_test(test_signing_key_secret_changed_in_place),
		cmocka_unit_test(test_signing_key_clear_and_evict),
		cmocka_unit_test(test_signing_key_long_and_empty_secret),
		cmocka_unit_test(test_signing_key_bad_input),
		cmocka_unit_test(test_sha256_and_encode),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_long_path),
		cmocka_unit_test(test_query_canonical),
		cmocka_unit_test(test_bad_percent_encoding),
		cmocka_unit_test(test_missing_host),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_huge_header_count),
		cmocka_unit_test(test_header_values_random),
		cmocka_unit_test(test_header_names_random),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_bad_params),
		cmocka_unit_test(test_unsigned_headers),
		cmocka_unit_test(test_result_reuse),
		cmocka_unit_test(test_header_date_wins),
		cmocka_unit_test(test_threads),
	};
	struct CMUnitTest *vt;
	size_t i, n_v4 = 0, n_legacy = 0;
	int failed;

	find_cases();
	for (i = 0; i < n_cases; i++)
		cases[i].legacy ? n_legacy++ : n_v4++;
	/* A missing suite must fail loudly, not pass with zero cases. */
	if (n_v4 != 76 || n_legacy != 34) {
		fprintf(stderr, "test_sigv4: found %zu v4 and %zu legacy cases, want 76 and 34 (run from the repo root)\n",
			n_v4, n_legacy);
		return 1;
	}
	vt = calloc(n_cases, sizeof(*vt));
	if (!vt)
		return 1;
	for (i = 0; i < n_cases; i++) {
		vt[i].name = cases[i].name;
		vt[i].test_func = test_vector;
		vt[i].initial_state = &cases[i];
	}
	failed = _cmocka_run_group_tests("sigv4_conformance", vt, n_cases, NULL, teardown_all);
	failed += cmocka_run_group_tests_name("sigv4_unit", unit, NULL, teardown_all);
	free(vt);
	free(cases);
	return failed ? 1 : 0;
}
