/*
 * tmpenv.h - test fixtures for code that reads files and the environment:
 * a private temporary directory, files written into it, and an environment
 * with every AWS_* variable removed and HOME pointing at the directory, put
 * back as it was afterwards.
 */
#ifndef BULWARK_TEST_TMPENV_H
#define BULWARK_TEST_TMPENV_H

struct bwt_env;

/*
 * Create a temporary directory, save the environment, unset every AWS_*
 * variable and point HOME at the directory.  Never fails (aborts instead).
 */
struct bwt_env *bwt_env_new(void);
/* Restore the environment and remove the directory with its contents. */
void bwt_env_free(struct bwt_env *e);

/* The directory (borrowed). */
const char *bwt_env_dir(const struct bwt_env *e);

/*
 * Write content to dir/name (creating dir/name's parent directories) with
 * mode, and return the full path (borrowed, valid until bwt_env_free).
 */
const char *bwt_write(struct bwt_env *e, const char *name, const char *content, int mode);

/* The full path of dir/name (borrowed, valid until bwt_env_free). */
const char *bwt_path(struct bwt_env *e, const char *name);

#endif
