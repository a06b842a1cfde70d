/*
 * state.c - the resume state file next to the spec: locked, read and
 * written atomically with jansson.  What the entries mean (and when to add
 * or drop one) is the engine's business; this module only keeps them safe
 * on disk.
 */
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "bulwark/state.h"
#include "internal.h"

struct bw_state {
	pthread_mutex_t lock;
	char *path;
	char *dir;
	int dir_fd;		/* locked with flock while open */
	json_t *root;		/* {"version":1,"pending":[...]} */
	bool on_disk;
};

int bw_state_path_for(char **out, const char *spec_path, struct bw_error *err)
{
	struct bw_buf b = BW_BUF_INIT;

	if (bw_buf_addf(&b, "%s.state.json", spec_path) || !(*out = bw_buf_detach(&b, NULL))) {
		bw_buf_release(&b);
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	}
	return 0;
}

static json_t *state_pending(struct bw_state *st)
{
	return json_object_get(st->root, "pending");
}

/* Check the shape of a loaded file; entries we cannot use are an error,
 * because silently dropping one could create an account twice. */
static int state_check(struct bw_state *st, json_t *root, struct bw_error *err)
{
	json_t *pending, *e;
	size_t i;

	if (!json_is_object(root) || !json_is_integer(json_object_get(root, "version")))
		return bw_error_set(err, BW_ERR_INVALID,
				    "'%s' is not a bulwark state file; move it away and run again",
				    st->path);
	if (json_integer_value(json_object_get(root, "version")) != BW_STATE_VERSION)
		return bw_error_set(err, BW_ERR_INVALID,
				    "'%s' has state version %lld, this bulwark reads %d; use a newer bulwark",
				    st->path, json_integer_value(json_object_get(root, "version")),
				    BW_STATE_VERSION);
	pending = json_object_get(root, "pending");
	if (!pending) {
		pending = json_array();
		if (!pending || json_object_set_new(root, "pending", pending))
			return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	}
	if (!json_is_array(pending))
		return bw_error_set(err, BW_ERR_INVALID, "'%s': 'pending' is not a list; "
				    "move the file away and run again", st->path);
	json_array_foreach(pending, i, e) {
		if (!json_is_string(json_object_get(e, "name")) ||
		    !json_is_string(json_object_get(e, "request_id")))
			return bw_error_set(err, BW_ERR_INVALID,
					    "'%s': pending entry %zu has no name or request_id; "
					    "fix or move the file away and run again", st->path, i + 1);
	}
	return 0;
}

int bw_state_open(struct bw_state **out, const char *path, struct bw_error *err)
{
	struct bw_state *st;
	json_error_t jerr;
	char *tmp = NULL;
	int rc = 0;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (!st)
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	st->dir_fd = -1;
	pthread_mutex_init(&st->lock, NULL);
	st->path = bw_strdup(path);
	tmp = bw_strdup(path);
	if (!st->path || !tmp || !(st->dir = bw_strdup(dirname(tmp)))) {
		rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
		goto out;
	}
	st->dir_fd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->dir_fd < 0) {
		rc = bw_error_set(err, BW_ERR_IO, "cannot open directory '%s': %s",
				  st->dir, strerror(errno));
		goto out;
	}
	if (flock(st->dir_fd, LOCK_EX | LOCK_NB)) {
		if (errno == EWOULDBLOCK)
			rc = bw_error_set(err, BW_ERR_INVALID,
					  "another bulwark run is working on the spec in '%s'; "
					  "wait for it to finish", st->dir);
		else
			rc = bw_error_set(err, BW_ERR_IO, "cannot lock '%s': %s",
					  st->dir, strerror(errno));
		goto out;
	}
	st->root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (st->root) {
		st->on_disk = true;
		if ((rc = state_check(st, st->root, err)))
			goto out;
	} else if (access(path, F_OK) == 0) {
		rc = bw_error_set(err, BW_ERR_INVALID, "%s:%d:%d: %s; move the file away and run again",
				  path, jerr.line, jerr.column, jerr.text);
		goto out;
	} else {
		st->root = json_pack("{s:i, s:[]}", "version", BW_STATE_VERSION, "pending");
		if (!st->root) {
			rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
out:
	free(tmp);
	if (rc) {
		bw_state_free(st);
		return rc;
	}
	*out = st;
	return 0;
}

void bw_state_free(struct bw_state *st)
{
	if (!st)
		return;
	if (st->dir_fd >= 0)
		close(st->dir_fd);	/* releases the flock */
	json_decref(st->root);
	free(st->path);
	free(st->dir);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

const char *bw_state_file(const struct bw_state *st)
{
	return st->path;
}

static void pending_fill(json_t *e, struct bw_state_pending *out)
{
	out->name = json_string_value(json_object_get(e, "name"));
	out->email = json_string_value(json_object_get(e, "email"));
	out->request_id = json_string_value(json_object_get(e, "request_id"));
	out->started = (time_t)json_integer_value(json_object_get(e, "started"));
}

bool bw_state_pending_find(struct bw_state *st, const char *name, const char *email,
			   struct bw_state_pending *out)
{
	json_t *e, *match = NULL;
	size_t i;

	pthread_mutex_lock(&st->lock);
	json_array_foreach(state_pending(st), i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));
		const char *m = json_string_value(json_object_get(e, "email"));

		if (name && n && !strcmp(name, n)) {
			match = e;
			break;
		}
		if (!match && email && m && !strcasecmp(email, m))
			match = e;
	}
	if (match)
		pending_fill(match, out);
	pthread_mutex_unlock(&st->lock);
	return match != NULL;
}

size_t bw_state_pending_count(struct bw_state *st)
{
	size_t n;

	pthread_mutex_lock(&st->lock);
	n = json_array_size(state_pending(st));
	pthread_mutex_unlock(&st->lock);
	return n;
}

bool bw_state_pending_at(struct bw_state *st, size_t i, struct bw_state_pending *out)
{
	json_t *e;

	pthread_mutex_lock(&st->lock);
	e = json_array_get(state_pending(st), i);
	if (e)
		pending_fill(e, out);
	pthread_mutex_unlock(&st->lock);
	return e != NULL;
}

/* Remove entries for name; the caller holds the lock. */
static void pending_drop(struct bw_state *st, const char *name)
{
	json_t *pending = state_pending(st);

	for (size_t i = json_array_size(pending); i-- > 0;) {
		const char *n = json_string_value(json_object_get(json_array_get(pending, i), "name"));

		if (n && !strcmp(n, name))
			json_array_remove(pending, i);
	}
}

static int state_save_locked(struct bw_state *st, struct bw_error *err);

int bw_state_pending_add(struct bw_state *st, const char *name, const char *email,
			 const char *request_id, struct bw_error *err)
{
	json_t *e;
	int rc;

	pthread_mutex_lock(&st->lock);
	pending_drop(st, name);
	e = json_pack("{s:s, s:s?, s:s, s:I}", "name", name, "email", email,
		      "request_id", request_id, "started", (json_int_t)time(NULL));
	if (!e || json_array_append_new(state_pending(st), e))
		rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	else
		rc = state_save_locked(st, err);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int bw_state_pending_remove(struct bw_state *st, const char *name, struct bw_error *err)
{
	size_t before;
	int rc = 0;

	pthread_mutex_lock(&st->lock);
	before = json_array_size(state_pending(st));
	pending_drop(st, name);
	if (json_array_size(state_pending(st)) != before)
		rc = state_save_locked(st, err);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int state_save_locked(struct bw_state *st, struct bw_error *err)
{
	struct bw_buf tmp = BW_BUF_INIT;
	char *text = NULL;
	int fd = -1, rc = 0;

	if (!st->on_disk && json_array_size(state_pending(st)) == 0)
		return 0;
	text = json_dumps(st->root, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text || bw_buf_addf(&tmp, "%s.tmp.%ld", st->path, (long)getpid())) {
		rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
		goto out;
	}
	fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write_all(fd, text, strlen(text)) || write_all(fd, "\n", 1) ||
	    fsync(fd)) {
		rc = bw_error_set(err, BW_ERR_IO, "cannot write '%s': %s", tmp.ptr, strerror(errno));
		goto out;
	}
	if (close(fd)) {
		fd = -1;
		rc = bw_error_set(err, BW_ERR_IO, "cannot write '%s': %s", tmp.ptr, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp.ptr, st->path)) {
		rc = bw_error_set(err, BW_ERR_IO, "cannot replace '%s': %s", st->path, strerror(errno));
		goto out;
	}
	st->on_disk = true;
	/*
	 * The rename is durable only once the directory is, and callers rely
	 * on "returned 0: on disk" before they wait on a CreateAccount.
	 */
	if (fsync(st->dir_fd)) {
		rc = bw_error_set(err, BW_ERR_IO, "cannot sync directory '%s': %s", st->dir,
				  strerror(errno));
		tmp.len = 0;	/* renamed already: nothing to unlink */
	}
out:
	if (fd >= 0)
		close(fd);
	if (rc && tmp.len)
		unlink(tmp.ptr);
	bw_buf_release(&tmp);
	free(text);
	return rc;
}

int bw_state_save(struct bw_state *st, struct bw_error *err)
{
	int rc;

	pthread_mutex_lock(&st->lock);
	rc = state_save_locked(st, err);
	pthread_mutex_unlock(&st->lock);
	return rc;
}
