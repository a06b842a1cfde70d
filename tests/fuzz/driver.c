/*
 * driver.c - replay fuzz inputs without libFuzzer (after libgit2's
 * standalone fuzzer driver): each file named on the command line is read
 * whole and passed once to LLVMFuzzerTestOneInput.  `make check` links it
 * with every tests/fuzz/fuzz_*.c and replays tests/fuzz/corpus/<name>/.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL, *p;
	size_t len = 0, cap = 0, n;

	if (!f) {
		fprintf(stderr, "fuzz driver: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			p = realloc(buf, cap);
			if (!p) {
				fprintf(stderr, "fuzz driver: out of memory reading '%s'\n", path);
				free(buf);
				fclose(f);
				return -1;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		fprintf(stderr, "fuzz driver: cannot read '%s'\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* An exact-size copy, so ASan sees reads past the input's end. */
	p = malloc(len ? len : 1);
	if (!p) {
		free(buf);
		return -1;
	}
	if (len)
		memcpy(p, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(p, len);
	free(p);
	return 0;
}

int main(int argc, char **argv)
{
	int i, failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (replay(argv[i]))
			failed++;
	printf("%s: replayed %d input%s%s\n", argv[0], argc - 1 - failed,
	       argc - 1 - failed == 1 ? "" : "s", failed ? ", some unreadable" : "");
	return failed ? 1 : 0;
}
