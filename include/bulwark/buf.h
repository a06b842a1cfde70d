/*
 * buf.h - owning growable buffers with a hard cap, and borrowed views.
 *
 * struct bw_buf is git's strbuf with curl's dynbuf cap: ptr is never NULL
 * after bw_buf_init() and always NUL-terminated; growth past max fails with
 * BW_ERR_TOOBIG so a hostile response cannot make us allocate without bound.
 * bw_buf_detach() is the only way to take ownership of the bytes.
 */
#ifndef BULWARK_BUF_H
#define BULWARK_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "bulwark/error.h"

struct bw_buf {
	char *ptr;	/* never NULL after init; NUL-terminated */
	size_t len;	/* bytes in use, excluding the NUL */
	size_t cap;	/* bytes allocated, 0 while ptr is the shared empty string */
	size_t max;	/* hard cap on len; 0 means BW_BUF_DEFAULT_MAX */
};

struct bw_str {
	const char *ptr;	/* borrowed, not NUL-terminated in general */
	size_t len;
};

#define BW_BUF_DEFAULT_MAX ((size_t)64 << 20)	/* 64 MiB */

extern char bw_buf__empty[];
#define BW_BUF_INIT { bw_buf__empty, 0, 0, 0 }

void bw_buf_init(struct bw_buf *b, size_t max);

/* Ensure room for extra more bytes.  BW_ERR_NOMEM or BW_ERR_TOOBIG. */
int bw_buf_grow(struct bw_buf *b, size_t extra) BW_WARN_UNUSED;
int bw_buf_add(struct bw_buf *b, const void *data, size_t n) BW_WARN_UNUSED;
int bw_buf_adds(struct bw_buf *b, const char *s) BW_WARN_UNUSED;
int bw_buf_addch(struct bw_buf *b, char c) BW_WARN_UNUSED;
int bw_buf_addf(struct bw_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3))) BW_WARN_UNUSED;
int bw_buf_vaddf(struct bw_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0))) BW_WARN_UNUSED;

/* Set len to 0, keeping the allocation. */
void bw_buf_reset(struct bw_buf *b);
/* Shorten to len bytes (len <= b->len). */
void bw_buf_truncate(struct bw_buf *b, size_t len);

/* Free the bytes and re-init (max is kept). */
void bw_buf_release(struct bw_buf *b);
/* As bw_buf_release, wiping the whole allocation first: for secrets. */
void bw_buf_release_secure(struct bw_buf *b);

/*
 * Hand the bytes to the caller, who frees them with free().  Never NULL on
 * success (an empty buffer yields a fresh ""); NULL only on allocation
 * failure.  len_out may be NULL.  b is re-initialised.
 */
char *bw_buf_detach(struct bw_buf *b, size_t *len_out);

static inline struct bw_str bw_str_from(const char *s, size_t len)
{
	struct bw_str v = { s, len };
	return v;
}

/* Wipe a NUL-terminated secret string and free it (NULL-safe). */
void bw_free_secret(char *s);

/*
 * free() and realloc() that wipe the whole old block first (its size from
 * glibc's malloc_usable_size): the hooks given to jansson and libxml2,
 * whose memory holds response text such as secret values and tokens.
 */
void bw_wipe_free(void *p);
void *bw_wipe_realloc(void *p, size_t n);

/* Make jansson wipe what it frees; once per process, before any parsing. */
void bw_secure_alloc_init(void);

/* strdup that returns NULL for NULL. */
char *bw_strdup(const char *s);

#endif
