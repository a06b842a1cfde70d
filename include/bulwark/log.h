/*
 * log.h - diagnostics from the library go through one callback.
 *
 * The library never prints: it calls the function that the command line
 * installed with bw_log_set(), which must be safe to call from several
 * threads.  Messages are single lines without a trailing newline.  Callers
 * redact secrets before logging; bw_log never sees a secret in clear.
 */
#ifndef BULWARK_LOG_H
#define BULWARK_LOG_H

#include <stdbool.h>

enum bw_log_level {
	BW_LOG_ERROR = 0,
	BW_LOG_WARN = 1,
	BW_LOG_INFO = 2,
	BW_LOG_DEBUG = 3,
};

typedef void (*bw_log_fn)(void *ctx, enum bw_log_level level, const char *msg);

/* Install fn (NULL silences everything) for levels <= max.  Call once,
 * before any thread starts. */
void bw_log_set(bw_log_fn fn, void *ctx, enum bw_log_level max);

bool bw_log_enabled(enum bw_log_level level);

void bw_log(enum bw_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define bw_debug(...) \
	do { if (bw_log_enabled(BW_LOG_DEBUG)) bw_log(BW_LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
