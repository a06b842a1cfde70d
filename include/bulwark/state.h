/*
 * state.h - the resume state of `bulwark bootstrap`: a small JSON file next
 * to the spec that remembers what bulwark started but AWS has not finished,
 * so a run interrupted at any point (Ctrl-C, kill -9, a network fault) is
 * picked up by the next one without creating anything twice.
 *
 * Today it holds the pending CreateAccount requests: bulwark records the
 * request id BEFORE it starts waiting, and the next run polls it instead of
 * creating the account again.  Everything else is found again in AWS itself
 * (an account by its email, an OU by its path, a policy by its name), so the
 * file is a hint, never the truth, and contains no secret.
 *
 * The file is <spec>.state.json (org.yaml -> org.yaml.state.json), mode
 * 0600, replaced atomically (temporary file in the same directory, fsync,
 * rename, fsync of the directory).  While a struct bw_state is open the
 * spec's directory is locked (flock), so two runs on one spec cannot both
 * create.  All functions are thread-safe.
 */
#ifndef BULWARK_STATE_H
#define BULWARK_STATE_H

#include <stdbool.h>
#include <time.h>

#include "bulwark/error.h"

#define BW_STATE_VERSION 1

struct bw_state;

/* One CreateAccount request that had not finished when last seen. */
struct bw_state_pending {
	const char *name;		/* the spec's account name (borrowed) */
	const char *email;		/* borrowed */
	const char *request_id;		/* "car-..." (borrowed) */
	time_t started;			/* when bulwark sent CreateAccount */
};

/*
 * The state path for spec_path: "<spec_path>.state.json".  *out is the
 * caller's to free().
 */
int bw_state_path_for(char **out, const char *spec_path, struct bw_error *err) BW_WARN_UNUSED;

/*
 * Lock the directory of path and read the file if it exists (a missing file
 * is an empty state).  BW_ERR_INVALID if another run holds the lock (the
 * message says so) or the file is not a state file we understand (naming
 * the file and the fix); BW_ERR_IO for system errors.  Free with
 * bw_state_free, which releases the lock.
 */
int bw_state_open(struct bw_state **out, const char *path, struct bw_error *err) BW_WARN_UNUSED;

/* Unlock and free (NULL-safe).  Does not save. */
void bw_state_free(struct bw_state *st);

const char *bw_state_file(const struct bw_state *st);	/* borrowed */

/*
 * The pending request for account name, or for email when name does not
 * match (either may be NULL).  Fills *out with strings borrowed from st,
 * valid until the entry is removed.  False if there is none.
 */
bool bw_state_pending_find(struct bw_state *st, const char *name, const char *email,
			   struct bw_state_pending *out);

/* Number of pending requests, and the i-th (borrowed, as above). */
size_t bw_state_pending_count(struct bw_state *st);
bool bw_state_pending_at(struct bw_state *st, size_t i, struct bw_state_pending *out);

/*
 * Record a request (replacing any entry for the same name) and save the
 * file at once: when this returns 0 the id is on disk.
 */
int bw_state_pending_add(struct bw_state *st, const char *name, const char *email,
			 const char *request_id, struct bw_error *err) BW_WARN_UNUSED;

/* Forget the entry for name (if any) and save. */
int bw_state_pending_remove(struct bw_state *st, const char *name,
			    struct bw_error *err) BW_WARN_UNUSED;

/* Write the file atomically (it is created only once there is something in it). */
int bw_state_save(struct bw_state *st, struct bw_error *err) BW_WARN_UNUSED;

#endif
