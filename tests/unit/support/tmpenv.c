/*
 * tmpenv.c - temporary directories and a clean AWS environment for unit
 * tests (see tmpenv.h).  Test support: it may print and abort.
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmpenv.h"

extern char **environ;

struct bwt_env {
	char dir[256];
	char **saved;		/* "NAME=value" strings of the old environment */
	size_t n_saved;
	char *paths[64];
	size_t n_paths;
};

static void die(const char *what)
{
	fprintf(stderr, "tmpenv: %s: %s\n", what, strerror(errno));
	abort();
}

struct bwt_env *bwt_env_new(void)
{
	struct bwt_env *e = calloc(1, sizeof(*e));
	const char *tmp = getenv("TMPDIR");
	size_t n = 0;

	if (!e)
		die("calloc");
	snprintf(e->dir, sizeof(e->dir), "%s/bwtest.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(e->dir))
		die("mkdtemp");
	for (char **v = environ; *v; v++)
		n++;
	e->saved = calloc(n + 1, sizeof(char *));
	if (!e->saved)
		die("calloc");
	for (char **v = environ; *v; v++)
		if (!(e->saved[e->n_saved++] = strdup(*v)))
			die("strdup");
	/* Unset AWS_* one at a time: unsetenv changes environ under us. */
	for (;;) {
		char name[256];
		char **v;

		for (v = environ; *v; v++)
			if (!strncmp(*v, "AWS_", 4))
				break;
		if (!*v)
			break;
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(*v, "="), *v);
		unsetenv(name);
	}
	setenv("HOME", e->dir, 1);
	return e;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void bwt_env_free(struct bwt_env *e)
{
	if (!e)
		return;
	clearenv();
	for (size_t i = 0; i < e->n_saved; i++) {
		char *eq = strchr(e->saved[i], '=');

		if (eq) {
			*eq = '\0';
			setenv(e->saved[i], eq + 1, 1);
		}
		free(e->saved[i]);
	}
	free(e->saved);
	nftw(e->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	for (size_t i = 0; i < e->n_paths; i++)
		free(e->paths[i]);
	free(e);
}

const char *bwt_env_dir(const struct bwt_env *e)
{
	return e->dir;
}

const char *bwt_path(struct bwt_env *e, const char *name)
{
	char *p;

	if (e->n_paths == sizeof(e->paths) / sizeof(e->paths[0]))
		die("too many paths");
	if (asprintf(&p, "%s/%s", e->dir, name) < 0)
		die("asprintf");
	e->paths[e->n_paths++] = p;
	return p;
}

const char *bwt_write(struct bwt_env *e, const char *name, const char *content, int mode)
{
	const char *path = bwt_path(e, name);
	char *dir = strdup(path);
	FILE *f;

	if (!dir)
		die("strdup");
	for (char *s = dir + strlen(e->dir) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(dir, 0700) && errno != EEXIST)
			die("mkdir");
		*s = '/';
	}
	free(dir);
	f = fopen(path, "w");
	if (!f)
		die(path);
	fputs(content, f);
	if (fclose(f))
		die("fclose");
	if (chmod(path, (mode_t)mode))
		die("chmod");
	return path;
}
