/*
 * buf.c - growable, capped, NUL-terminated buffers (git's strbuf with
 * curl's dynbuf limit), and the secure free used for every secret.
 */
#include <stdarg.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "internal.h"

char bw_buf__empty[1];

void bw_buf_init(struct bw_buf *b, size_t max)
{
	b->ptr = bw_buf__empty;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

static size_t buf_max(const struct bw_buf *b)
{
	return b->max ? b->max : BW_BUF_DEFAULT_MAX;
}

int bw_buf_grow(struct bw_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > buf_max(b) || b->len > buf_max(b) - extra)
		return BW_ERR_TOOBIG;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	/*
	 * Not realloc: it may move the bytes and free the old block unwiped,
	 * and buffers hold secret values, keys and tokens.  Copy, then wipe.
	 */
	p = malloc(cap);
	if (!p)
		return BW_ERR_NOMEM;
	if (b->cap) {
		memcpy(p, b->ptr, b->len + 1);
		OPENSSL_cleanse(b->ptr, b->cap);
		free(b->ptr);
	} else {
		p[0] = '\0';
	}
	b->ptr = p;
	b->cap = cap;
	return 0;
}

int bw_buf_add(struct bw_buf *b, const void *data, size_t n)
{
	int rc = bw_buf_grow(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->ptr + b->len, data, n);
	b->len += n;
	b->ptr[b->len] = '\0';
	return 0;
}

int bw_buf_adds(struct bw_buf *b, const char *s)
{
	return bw_buf_add(b, s, strlen(s));
}

int bw_buf_addch(struct bw_buf *b, char c)
{
	return bw_buf_add(b, &c, 1);
}

int bw_buf_vaddf(struct bw_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, rc;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return BW_ERR_INTERNAL;
	rc = bw_buf_grow(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int bw_buf_addf(struct bw_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = bw_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void bw_buf_reset(struct bw_buf *b)
{
	bw_buf_truncate(b, 0);
}

void bw_buf_truncate(struct bw_buf *b, size_t len)
{
	if (len > b->len)
		return;
	b->len = len;
	if (b->cap)
		b->ptr[len] = '\0';
}

void bw_buf_release(struct bw_buf *b)
{
	if (b->cap)
		free(b->ptr);
	bw_buf_init(b, b->max);
}

void bw_buf_release_secure(struct bw_buf *b)
{
	if (b->cap)
		OPENSSL_cleanse(b->ptr, b->cap);
	bw_buf_release(b);
}

char *bw_buf_detach(struct bw_buf *b, size_t *len_out)
{
	char *p;

	if (len_out)
		*len_out = b->len;
	if (b->cap) {
		p = b->ptr;
	} else {
		p = malloc(1);
		if (!p)
			return NULL;
		p[0] = '\0';
	}
	bw_buf_init(b, b->max);
	return p;
}

void bw_free_secret(char *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

void bw_wipe_free(void *p)
{
	if (!p)
		return;
	OPENSSL_cleanse(p, malloc_usable_size(p));
	free(p);
}

void *bw_wipe_realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (!p)
		return malloc(n);
	q = malloc(n ? n : 1);
	if (!q)
		return NULL;
	old = malloc_usable_size(p);
	memcpy(q, p, old < n ? old : n);
	bw_wipe_free(p);
	return q;
}

static pthread_once_t secure_alloc_once = PTHREAD_ONCE_INIT;

static void secure_alloc_setup(void)
{
	json_set_alloc_funcs(malloc, bw_wipe_free);
}

void bw_secure_alloc_init(void)
{
	pthread_once(&secure_alloc_once, secure_alloc_setup);
}

char *bw_strdup(const char *s)
{
	size_t n;
	char *p;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	p = malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}
