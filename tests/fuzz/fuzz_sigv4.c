/*
 * fuzz_sigv4.c - feed arbitrary path, query, header and body bytes to the
 * SigV4 signer.  It must never crash, and what it signs must hold
 * together: a 64-digit signature that ends the Authorization value or the
 * query, a string to sign over the result's date, the same output when
 * the same request is signed again into a reused result, and header values
 * that are safe to send whenever signing succeeds.
 *
 * Input: byte 0 holds flags (below); the rest is text split at '\n':
 * [method line if F_METHOD] path line, query line (empty: no query),
 * header lines "Name:value" (a line starting with space or tab continues
 * the previous value, as an obs-fold; a backslash then "n" in a value is a
 * bare LF), an empty line, then the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/sigv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
	F_PRESIGN = 1 << 0,
	F_NORMALIZE = 1 << 1,
	F_DOUBLE = 1 << 2,
	F_CSHA = 1 << 3,
	F_OMIT = 1 << 4,
	F_TOKEN = 1 << 5,
	F_NO_HOST = 1 << 6,	/* do not add a Host header of our own */
	F_METHOD = 1 << 7,	/* the first line is the method */
};

#define MAX_INPUT (256 * 1024)
#define MAX_HEADERS 4096

static char *dup_range(const uint8_t *s, size_t n)
{
	char *p = malloc(n + 1);

	if (!p)
		abort();
	/* NUL bytes end the C string early; that is part of what is tested. */
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Next line of [*pos, end); returns its length and moves *pos past it. */
static size_t next_line(const uint8_t *data, size_t end, size_t *pos, size_t *start)
{
	const uint8_t *nl;
	size_t len;

	*start = *pos;
	nl = *pos < end ? memchr(data + *pos, '\n', end - *pos) : NULL;
	len = nl ? (size_t)(nl - (data + *pos)) : end - *pos;
	*pos += len + (nl != NULL);
	return len;
}

static int is_hex_lower(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[n] == '\0';
}

static int ends_with(const struct bw_buf *b, const char *s)
{
	size_t n = strlen(s);

	return b->len >= n && !memcmp(b->ptr + b->len - n, s, n);
}

/* A value safe to send: line breaks only as obs-folds, no other controls. */
static int safe_value(const char *v)
{
	size_t i;

	for (i = 0; v[i]; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch == '\r' && v[i + 1] != '\n')
			return 0;
		if (ch == '\n' && v[i + 1] != ' ' && v[i + 1] != '\t')
			return 0;
		if ((ch < 0x20 && ch != '\t' && ch != '\r' && ch != '\n') || ch == 0x7f)
			return 0;
	}
	return 1;
}

static void check(const struct bw_sigv4_result *r, unsigned flags)
{
	if (!is_hex_lower(r->signature, 64) || !is_hex_lower(r->payload_hash, 64))
		abort();
	if (r->canonical_request.len < 64 || !ends_with(&r->canonical_request, r->payload_hash))
		abort();
	if (strncmp(r->string_to_sign.ptr, "AWS4-HMAC-SHA256\n", 17) ||
	    strncmp(r->string_to_sign.ptr + 17, r->amz_date, 16))
		abort();
	if (flags & F_PRESIGN) {
		if (r->n_add || r->authorization.len || !ends_with(&r->query, r->signature))
			abort();
	} else {
		if (r->query.len || !ends_with(&r->authorization, r->signature) || r->n_add > 3)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char token[] = "AQoDYXdzEPT//////////wEXAMPLE+/=";
	struct bw_header *h = NULL;
	struct bw_sigv4_request req = { 0 };
	struct bw_sigv4_key key = { "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL };
	struct bw_sigv4_params p = { "us-east-1", "service", 1440938160, 0, 3600 };
	struct bw_sigv4_result r1, r2;
	char *method = NULL, *path = NULL, *query = NULL, sig[65];
	size_t pos = 1, start, len, n = 0, i;
	unsigned flags;
	int rc;

	if (size < 1 || size > MAX_INPUT)
		return 0;
	flags = data[0];
	if (flags & F_PRESIGN)
		p.flags |= BW_SIGV4_PRESIGN;
	if (flags & F_NORMALIZE)
		p.flags |= BW_SIGV4_NORMALIZE_PATH;
	if (flags & F_DOUBLE)
		p.flags |= BW_SIGV4_DOUBLE_ENCODE;
	if (flags & F_CSHA)
		p.flags |= BW_SIGV4_CONTENT_SHA256;
	if (flags & F_OMIT)
		p.flags |= BW_SIGV4_OMIT_SESSION_TOKEN;
	if (flags & F_TOKEN)
		key.session_token = token;

	if (flags & F_METHOD) {
		len = next_line(data, size, &pos, &start);
		method = dup_range(data + start, len);
	}
	len = next_line(data, size, &pos, &start);
	path = dup_range(data + start, len);
	len = next_line(data, size, &pos, &start);
	if (len)
		query = dup_range(data + start, len);

	h = calloc(MAX_HEADERS + 1, sizeof(*h));
	if (!h)
		abort();
	if (!(flags & F_NO_HOST))
		h[n++] = (struct bw_header){ strdup("Host"), strdup("example.amazonaws.com") };
	while (pos < size && n < MAX_HEADERS) {
		const uint8_t *colon;

		len = next_line(data, size, &pos, &start);
		if (!len)
			break;
		if ((data[start] == ' ' || data[start] == '\t') && n) {
			/* obs-fold: keep the line break for the signer to fold */
			size_t old = strlen(h[n - 1].value);
			char *v = malloc(old + 1 + len + 1);

			if (!v)
				abort();
			memcpy(v, h[n - 1].value, old);
			v[old] = '\n';
			memcpy(v + old + 1, data + start, len);
			v[old + 1 + len] = '\0';
			free((char *)h[n - 1].value);
			h[n - 1].value = v;
			continue;
		}
		colon = memchr(data + start, ':', len);
		if (colon) {
			char *v, *r, *w;

			h[n].name = dup_range(data + start, (size_t)(colon - (data + start)));
			v = dup_range(colon + 1, len - (size_t)(colon - (data + start)) - 1);
			for (r = w = v; *r; r++, w++) {
				if (r[0] == '\\' && r[1] == 'n') {
					*w = '\n';
					r++;
				} else {
					*w = *r;
				}
			}
			*w = '\0';
			h[n].value = v;
		} else {
			h[n].name = dup_range(data + start, len);
			h[n].value = strdup("");
		}
		n++;
	}

	req.method = method ? method : "POST";
	req.path = path;
	req.query = query;
	req.headers = h;
	req.n_headers = n;
	req.body = pos < size ? data + pos : NULL;
	req.body_len = pos < size ? size - pos : 0;

	bw_sigv4_result_init(&r1);
	bw_sigv4_result_init(&r2);
	rc = bw_sigv4_sign(&r1, &req, &key, &p, NULL);
	if (rc) {
		if (rc != BW_ERR_INVALID && rc != BW_ERR_NOMEM && rc != BW_ERR_TOOBIG)
			abort();
	} else {
		check(&r1, flags);
		/* Signing vouches that every header can go on the wire as is. */
		for (i = 0; i < n; i++)
			if (!safe_value(h[i].value))
				abort();
		memcpy(sig, r1.signature, sizeof(sig));
		/* Signed again into a used result, the output is the same. */
		if (bw_sigv4_sign(&r2, &req, &key, &p, NULL) ||
		    bw_sigv4_sign(&r2, &req, &key, &p, NULL))
			abort();
		check(&r2, flags);
		if (strcmp(sig, r2.signature) ||
		    strcmp(r1.canonical_request.ptr, r2.canonical_request.ptr))
			abort();
	}
	bw_sigv4_result_release(&r1);
	bw_sigv4_result_release(&r2);

	for (i = 0; i < n; i++) {
		free((char *)h[i].name);
		free((char *)h[i].value);
	}
	free(h);
	free(method);
	free(path);
	free(query);
	return 0;
}
