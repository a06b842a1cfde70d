/*
 * internal.h - what every lib/ file includes: common system headers, the
 * public error, buffer and log modules, small helpers, and banned.h last.
 * Private helpers shared between lib/ files use the bw_mod__fn naming.
 */
#ifndef BULWARK_INTERNAL_H
#define BULWARK_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/buf.h"
#include "bulwark/error.h"
#include "bulwark/log.h"

#define BW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Copy src into dst of size n, always NUL-terminating; returns strlen(src). */
size_t bw_strlcpy(char *dst, const char *src, size_t n);

#include "banned.h"

#endif
