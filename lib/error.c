/*
 * error.c - struct bw_error: setting, prefixing and formatting errors.
 * Deciding what an error means for the exit status is here too, so every
 * command agrees; printing it is left to cmd/.
 */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

void bw_error_clear(struct bw_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

int bw_error_set(struct bw_error *err, enum bw_err code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return code;
}

void bw_error_prefix(struct bw_error *err, const char *fmt, ...)
{
	char joined[sizeof(err->message)], old[sizeof(err->message)];
	size_t len;
	va_list ap;

	if (!err)
		return;
	bw_strlcpy(old, err->message, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(joined, sizeof(joined), fmt, ap);
	va_end(ap);
	len = strlen(joined);
	if (len + 2 < sizeof(joined)) {
		memcpy(joined + len, ": ", 3);
		bw_strlcpy(joined + len + 2, old, sizeof(joined) - len - 2);
	}
	memcpy(err->message, joined, sizeof(joined));
}

const char *bw_strerror(enum bw_err code)
{
	switch (code) {
	case BW_OK: return "success";
	case BW_ERR_NOMEM: return "out of memory";
	case BW_ERR_INVALID: return "invalid input";
	case BW_ERR_IO: return "input/output error";
	case BW_ERR_HTTP: return "transport error";
	case BW_ERR_AWS: return "AWS error";
	case BW_ERR_PARSE: return "malformed response";
	case BW_ERR_CREDS: return "no usable credentials";
	case BW_ERR_TOOBIG: return "too large";
	case BW_ERR_NOTFOUND: return "not found";
	case BW_ERR_TIMEOUT: return "timed out";
	case BW_ERR_CANCELLED: return "cancelled";
	case BW_ERR_INTERNAL: return "internal error";
	}
	return "unknown error";
}

size_t bw_error_format(char *out, size_t n, const struct bw_error *err)
{
	size_t len = 0;
	int w;

#define ADD(...)							\
	do {								\
		if (len < n) {						\
			w = snprintf(out + len, n - len, __VA_ARGS__);	\
			if (w > 0)					\
				len += (size_t)w;			\
		}							\
	} while (0)

	if (!n)
		return 0;
	out[0] = '\0';
	if (!err)
		return 0;
	if (err->service[0])
		ADD("%s%s%s: ", err->service, err->operation[0] ? " " : "",
		    err->operation);
	if (err->aws_code[0])
		ADD("%s: ", err->aws_code);
	ADD("%s", err->message[0] ? err->message : bw_strerror(err->code));
	if (err->request_id[0])
		ADD(" (request id %s)", err->request_id);
#undef ADD
	return len < n ? len : n - 1;
}

int bw_error_exit_status(const struct bw_error *err)
{
	if (err && err->code == BW_ERR_INVALID)
		return 2;
	return 1;
}

size_t bw_strlcpy(char *dst, const char *src, size_t n)
{
	size_t len = strlen(src);

	if (n) {
		size_t c = len < n - 1 ? len : n - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return len;
}
