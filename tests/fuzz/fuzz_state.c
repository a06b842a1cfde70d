/*
 * fuzz_state.c - libFuzzer target for lib/state.c: arbitrary bytes as the
 * resume state file.  Besides memory safety it checks that a file that
 * opens answers every lookup without crashing, and that a file that does
 * not open says which file in its message.  The standalone driver replays
 * tests/fuzz/corpus/state/ during make check.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bulwark/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void remove_dir(void)
{
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128];
	struct bw_state *st = NULL;
	struct bw_state_pending p;
	struct bw_error err = { 0 };
	FILE *f;
	int rc;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/bw-fuzz-state-XXXXXX");
		if (!mkdtemp(dir))
			abort();
		atexit(remove_dir);
	}
	snprintf(path, sizeof(path), "%s/spec.yaml.state.json", dir);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	rc = bw_state_open(&st, path, &err);
	if (rc) {
		if (st || !strstr(err.message, path))
			abort();
	} else {
		for (size_t i = 0; i < bw_state_pending_count(st); i++)
			if (!bw_state_pending_at(st, i, &p) || !p.name || !p.request_id)
				abort();
		(void)bw_state_pending_find(st, "prod", "p@x.test", &p);
		bw_state_free(st);
	}
	unlink(path);
	return 0;
}
