/*
 * log.c - the single diagnostic callback of the library.  The command line
 * installs it once; the library formats a line and hands it over.
 */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

static bw_log_fn log_fn;
static void *log_ctx;
static enum bw_log_level log_max = BW_LOG_WARN;

void bw_log_set(bw_log_fn fn, void *ctx, enum bw_log_level max)
{
	log_fn = fn;
	log_ctx = ctx;
	log_max = max;
}

bool bw_log_enabled(enum bw_log_level level)
{
	return log_fn && level <= log_max;
}

void bw_log(enum bw_log_level level, const char *fmt, ...)
{
	char line[4096];
	va_list ap;

	if (!bw_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_fn(log_ctx, level, line);
}
