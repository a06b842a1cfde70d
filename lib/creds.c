/*
 * creds.c - credential providers and the default chain: environment, web
 * identity, the shared files (static keys, role_arn with source_profile or
 * credential_source, credential_process), ECS container credentials and
 * EC2 instance metadata (IMDSv2), in that order.
 *
 * Every provider is one struct bw_creds with a fetch function, a mutex and
 * a cache of the last credentials; bw_creds_get refreshes when they are
 * within BW_CREDS_REFRESH_WINDOW of expiry and hands out a deep copy.  STS
 * calls go through bw_call (client.c); the metadata endpoints through
 * bw_http (http.c).  Signing and endpoint resolution are left to them.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "bulwark/client.h"
#include "bulwark/creds.h"
#include "bulwark/http.h"
#include "creds_priv.h"
#include "internal.h"

extern char **environ;

#define ECS_BASE "http://169.254.170.2"
#define IMDS_BASE "http://169.254.169.254"
#define IMDS_BASE_V6 "http://[fd00:ec2::254]"
#define IMDS_TOKEN_TTL "21600"
#define PROCESS_MAX_OUTPUT (64 * 1024)
#define TOKEN_FILE_MAX (64 * 1024)
#define MAX_CHAIN 16

struct bw_creds;
typedef int (*fetch_fn)(struct bw_creds *p, struct bw_credentials **out,
			struct bw_error *err);

struct bw_creds {
	pthread_mutex_t mu;
	fetch_fn fetch;
	struct bw_credentials *cached;
	char source[640];		/* what bw_creds_source says */
	char short_source[96];		/* what bw_credentials.source says */

	const struct bw_config *cfg;	/* borrowed */
	char *profile;			/* process, chain */

	/* static */
	char *akid, *secret, *token;

	/* assume role, web identity */
	struct bw_client *sts;		/* borrowed unless owned_sts */
	struct bw_client *owned_sts;
	char *role_arn, *session_name, *external_id;
	int duration;
	char *token_file;		/* web identity; container token file */

	/* credential_process */
	char *command;

	/* container, IMDS */
	struct bw_http *http;
	char *url;			/* container URL; IMDS base */
	char *auth_token;		/* container token from the environment */
	bool imds_v1_disabled;

	/* chain */
	struct bw_creds *inner;
};

/* ---- credentials ---------------------------------------------------- */

void bw_credentials_free(struct bw_credentials *c)
{
	if (!c)
		return;
	bw_free_secret(c->access_key_id);
	bw_free_secret(c->secret_access_key);
	bw_free_secret(c->session_token);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

static int creds_make(struct bw_credentials **out, const char *akid, const char *secret,
		      const char *token, time_t expiration, const char *source)
{
	struct bw_credentials *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return BW_ERR_NOMEM;
	c->access_key_id = bw_strdup(akid);
	c->secret_access_key = bw_strdup(secret);
	c->session_token = token && *token ? bw_strdup(token) : NULL;
	c->expiration = expiration;
	bw_strlcpy(c->source, source ? source : "", sizeof(c->source));
	if (!c->access_key_id || !c->secret_access_key ||
	    (token && *token && !c->session_token)) {
		bw_credentials_free(c);
		return BW_ERR_NOMEM;
	}
	*out = c;
	return 0;
}

int bw_credentials_dup(struct bw_credentials **out, const struct bw_credentials *c,
		       struct bw_error *err)
{
	if (creds_make(out, c->access_key_id, c->secret_access_key, c->session_token,
		       c->expiration, c->source))
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	return 0;
}

/* ---- small helpers -------------------------------------------------- */

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static bool env_true(const char *name)
{
	const char *v = env(name);

	return v && !strcasecmp(v, "true");
}

static int nomem(struct bw_error *err)
{
	return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
}

int bw_time__parse_iso8601(time_t *out, const char *s)
{
	struct tm tm;
	const char *r;
	long off = 0;
	time_t t;

	if (!s)
		return -1;
	memset(&tm, 0, sizeof(tm));
	r = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!r)
		return -1;
	if (*r == '.' || *r == ',') {
		r++;
		if (!isdigit((unsigned char)*r))
			return -1;
		while (isdigit((unsigned char)*r))
			r++;
	}
	if (*r == 'Z' || *r == 'z') {
		r++;
	} else if (*r == '+' || *r == '-') {
		int sign = *r == '-' ? -1 : 1, hh, mm;

		if (!isdigit((unsigned char)r[1]) || !isdigit((unsigned char)r[2]) ||
		    r[3] != ':' || !isdigit((unsigned char)r[4]) ||
		    !isdigit((unsigned char)r[5]))
			return -1;
		hh = (r[1] - '0') * 10 + (r[2] - '0');
		mm = (r[4] - '0') * 10 + (r[5] - '0');
		if (hh > 23 || mm > 59)
			return -1;
		off = sign * (hh * 3600L + mm * 60L);
		r += 6;
	} else {
		return -1;
	}
	if (*r)
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = t - off;
	return 0;
}

/* Wipe every string inside a parsed response before it is released. */
static void json_wipe(json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;

	if (!j)
		return;
	if (json_is_string(j)) {
		/* jansson owns a private copy; we hold the only reference. */
		OPENSSL_cleanse((char *)json_string_value(j), json_string_length(j));
	} else if (json_is_object(j)) {
		json_object_foreach(j, k, v)
			json_wipe(v);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			json_wipe(v);
	}
}

static void json_free_secure(json_t *j)
{
	if (j && j->refcount == 1)
		json_wipe(j);
	json_decref(j);
}

/*
 * Credentials from a JSON object with the given member names (STS:
 * AccessKeyId, SecretAccessKey, SessionToken; metadata: Token).  The
 * messages name the source, never a value.
 */
static int creds_from_json(struct bw_credentials **out, const json_t *o,
			   const char *token_key, bool need_token, const char *what,
			   const char *short_source, struct bw_error *err)
{
	const char *akid = json_string_value(json_object_get(o, "AccessKeyId"));
	const char *sk = json_string_value(json_object_get(o, "SecretAccessKey"));
	const char *tok = json_string_value(json_object_get(o, token_key));
	const json_t *exp = json_object_get(o, "Expiration");
	time_t when = 0;

	if (!akid || !*akid || !sk || !*sk)
		return bw_error_set(err, BW_ERR_PARSE,
				    "%s: the response has no AccessKeyId or SecretAccessKey", what);
	if (need_token && (!tok || !*tok))
		return bw_error_set(err, BW_ERR_PARSE, "%s: the response has no %s",
				    what, token_key);
	if (json_is_string(exp)) {
		if (bw_time__parse_iso8601(&when, json_string_value(exp)))
			return bw_error_set(err, BW_ERR_PARSE,
					    "%s: Expiration '%s' is not an RFC 3339 time",
					    what, json_string_value(exp));
	} else if (json_is_number(exp)) {
		when = (time_t)json_number_value(exp);
	} else if (exp && !json_is_null(exp)) {
		return bw_error_set(err, BW_ERR_PARSE, "%s: Expiration is not a time", what);
	}
	if (creds_make(out, akid, sk, tok, when, short_source))
		return nomem(err);
	return 0;
}

/*
 * Read a token file (web identity, container authorization) afresh: they
 * rotate.  Trailing whitespace is dropped.  The caller wipes and frees.
 */
static int read_token_file(char **out, const char *path, const char *what,
			   struct bw_error *err)
{
	struct bw_buf b = BW_BUF_INIT;
	char chunk[4096], iobuf[BUFSIZ];
	size_t n;
	FILE *f;
	int rc = 0;

	*out = NULL;
	bw_buf_init(&b, TOKEN_FILE_MAX);
	f = fopen(path, "r");
	if (!f)
		return bw_error_set(err, BW_ERR_CREDS, "cannot read %s '%s': %s",
				    what, path, strerror(errno));
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));	/* ours, so we can wipe it */
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if ((rc = bw_buf_add(&b, chunk, n))) {
			rc = bw_error_set(err, rc, rc == BW_ERR_TOOBIG ?
					  "%s '%s' is larger than 64 KiB" : "out of memory",
					  what, path);
			goto out;
		}
	}
	if (ferror(f)) {
		rc = bw_error_set(err, BW_ERR_CREDS, "cannot read %s '%s'", what, path);
		goto out;
	}
	while (b.len && isspace((unsigned char)b.ptr[b.len - 1]))
		b.len--;
	if (b.cap)
		b.ptr[b.len] = '\0';
	if (!b.len || strlen(b.ptr) != b.len) {
		rc = bw_error_set(err, BW_ERR_CREDS, "%s '%s' is empty or not text", what, path);
		goto out;
	}
	*out = bw_buf_detach(&b, NULL);
	if (!*out)
		rc = nomem(err);
out:
	OPENSSL_cleanse(chunk, sizeof(chunk));
	bw_buf_release_secure(&b);
	fclose(f);
	OPENSSL_cleanse(iobuf, sizeof(iobuf));
	return rc;
}

/* A profile's key, credentials file first; "" counts as unset. */
static const char *pget(const struct bw_config *cfg, const char *profile, const char *key)
{
	const char *v = bw_config_get_cred(cfg, profile, key);

	return v && *v ? v : NULL;
}

/* ---- the provider object -------------------------------------------- */

static int provider_new(struct bw_creds **out, fetch_fn fetch, struct bw_error *err)
{
	struct bw_creds *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return nomem(err);
	if (pthread_mutex_init(&p->mu, NULL)) {
		free(p);
		return bw_error_set(err, BW_ERR_INTERNAL, "cannot create a mutex");
	}
	p->fetch = fetch;
	*out = p;
	return 0;
}

void bw_creds_free(struct bw_creds *p)
{
	if (!p)
		return;
	bw_creds_free(p->inner);
	bw_client_free(p->owned_sts);
	bw_http_free(p->http);
	bw_credentials_free(p->cached);
	free(p->profile);
	free(p->akid);
	bw_free_secret(p->secret);
	bw_free_secret(p->token);
	free(p->role_arn);
	free(p->session_name);
	free(p->external_id);
	free(p->token_file);
	free(p->command);
	free(p->url);
	bw_free_secret(p->auth_token);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

const char *bw_creds_source(struct bw_creds *p)
{
	const char *s;

	if (!p)
		return NULL;
	pthread_mutex_lock(&p->mu);
	s = p->source[0] ? p->source : NULL;
	pthread_mutex_unlock(&p->mu);
	return s;
}

static bool due(const struct bw_credentials *c, time_t now)
{
	return !c || (c->expiration && now >= c->expiration - BW_CREDS_REFRESH_WINDOW);
}

int bw_creds_get(struct bw_credentials **out, struct bw_creds *p, struct bw_error *err)
{
	struct bw_credentials *fresh = NULL;
	time_t now = time(NULL);
	int rc = 0;

	*out = NULL;
	if (!p)
		return bw_error_set(err, BW_ERR_INTERNAL, "no credential provider");
	pthread_mutex_lock(&p->mu);
	if (due(p->cached, now)) {
		rc = p->fetch(p, &fresh, err);
		if (rc) {
			/* Still valid: keep working and try again next time. */
			if (p->cached && now < p->cached->expiration) {
				bw_log(BW_LOG_WARN, "cannot refresh credentials (%s); using the current ones until they expire",
				       err ? err->message : bw_strerror(rc));
				bw_error_clear(err);
				rc = 0;
			} else {
				goto out;
			}
		} else {
			bw_credentials_free(p->cached);
			p->cached = fresh;
		}
	}
	rc = bw_credentials_dup(out, p->cached, err);
out:
	pthread_mutex_unlock(&p->mu);
	return rc;
}

/* ---- static --------------------------------------------------------- */

static int fetch_static(struct bw_creds *p, struct bw_credentials **out,
			struct bw_error *err)
{
	if (creds_make(out, p->akid, p->secret, p->token, 0, p->short_source))
		return nomem(err);
	return 0;
}

static int static_new(struct bw_creds **out, const char *akid, const char *secret,
		      const char *token, const char *source, const char *short_source,
		      struct bw_error *err)
{
	struct bw_creds *p;
	int rc;

	if ((rc = provider_new(&p, fetch_static, err)))
		return rc;
	p->akid = bw_strdup(akid);
	p->secret = bw_strdup(secret);
	p->token = token && *token ? bw_strdup(token) : NULL;
	if (!p->akid || !p->secret || (token && *token && !p->token)) {
		bw_creds_free(p);
		return nomem(err);
	}
	bw_strlcpy(p->source, source, sizeof(p->source));
	bw_strlcpy(p->short_source, short_source, sizeof(p->short_source));
	*out = p;
	return 0;
}

int bw_creds_static(struct bw_creds **out, const char *access_key_id,
		    const char *secret_access_key, const char *session_token,
		    struct bw_error *err)
{
	*out = NULL;
	if (!access_key_id || !*access_key_id || !secret_access_key || !*secret_access_key)
		return bw_error_set(err, BW_ERR_INVALID,
				    "static credentials need an access key id and a secret access key");
	return static_new(out, access_key_id, secret_access_key, session_token,
			  "static", "static", err);
}

/*
 * The environment's keys.  *out stays NULL when neither is set; one of
 * the pair alone is an error naming the other.
 */
static int env_provider(struct bw_creds **out, struct bw_error *err)
{
	const char *akid = env("AWS_ACCESS_KEY_ID"), *sk = env("AWS_SECRET_ACCESS_KEY");

	*out = NULL;
	if (!akid && !sk)
		return 0;
	if (!sk)
		return bw_error_set(err, BW_ERR_INVALID,
				    "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both or unset both");
	if (!akid)
		return bw_error_set(err, BW_ERR_INVALID,
				    "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both or unset both");
	return static_new(out, akid, sk, env("AWS_SESSION_TOKEN"), "environment",
			  "environment", err);
}

/* ---- STS: AssumeRole and AssumeRoleWithWebIdentity ------------------ */

static void default_session_name(char *buf, size_t n)
{
	snprintf(buf, n, "bulwark-%lld", (long long)time(NULL));
}

static int sts_credentials(struct bw_credentials **out, json_t *resp, const char *what,
			   const char *short_source, struct bw_error *err)
{
	const json_t *c = json_object_get(resp, "Credentials");

	if (!json_is_object(c))
		return bw_error_set(err, BW_ERR_PARSE, "%s: the response has no Credentials",
				    what);
	return creds_from_json(out, c, "SessionToken", true, what, short_source, err);
}

static int fetch_assume_role(struct bw_creds *p, struct bw_credentials **out,
			     struct bw_error *err)
{
	char name[64], what[600];
	json_t *in, *resp = NULL;
	int rc;

	if (!p->session_name)
		default_session_name(name, sizeof(name));
	in = json_pack("{s:s, s:s, s:i}", "RoleArn", p->role_arn, "RoleSessionName",
		       p->session_name ? p->session_name : name, "DurationSeconds",
		       p->duration ? p->duration : 3600);
	if (!in)
		return nomem(err);
	if (p->external_id && json_object_set_new(in, "ExternalId",
						  json_string(p->external_id))) {
		json_decref(in);
		return nomem(err);
	}
	rc = bw_call(&resp, p->sts, BW_SVC_STS, "AssumeRole", in, err);
	json_decref(in);
	snprintf(what, sizeof(what), "assuming role '%s'", p->role_arn);
	if (rc) {
		bw_error_prefix(err, "%s", what);
		return rc;
	}
	rc = sts_credentials(out, resp, what, p->short_source, err);
	json_free_secure(resp);
	return rc;
}

static int check_duration(int d, const char *where, struct bw_error *err)
{
	if (d && (d < 900 || d > 43200))
		return bw_error_set(err, BW_ERR_INVALID,
				    "%s is %d: use 900 to 43200 seconds (and at most the role's maximum session duration)",
				    where, d);
	return 0;
}

static int assume_role_new(struct bw_creds **out, struct bw_client *sts,
			   const struct bw_assume_role_opts *opts, struct bw_error *err)
{
	struct bw_creds *p;
	int rc;

	*out = NULL;
	if (!sts || !opts || !opts->role_arn || !*opts->role_arn)
		return bw_error_set(err, BW_ERR_INVALID, "assume role needs a client and a role ARN");
	if ((rc = check_duration(opts->duration_seconds, "the session duration", err)))
		return rc;
	if ((rc = provider_new(&p, fetch_assume_role, err)))
		return rc;
	p->sts = sts;
	p->duration = opts->duration_seconds;
	p->role_arn = bw_strdup(opts->role_arn);
	p->session_name = bw_strdup(opts->session_name);
	p->external_id = bw_strdup(opts->external_id);
	if (!p->role_arn || (opts->session_name && !p->session_name) ||
	    (opts->external_id && !p->external_id)) {
		bw_creds_free(p);
		return nomem(err);
	}
	snprintf(p->source, sizeof(p->source), "assume role %s", opts->role_arn);
	snprintf(p->short_source, sizeof(p->short_source), "assume-role %s", opts->role_arn);
	*out = p;
	return 0;
}

int bw_creds_assume_role(struct bw_creds **out, struct bw_client *sts,
			 const struct bw_assume_role_opts *opts, struct bw_error *err)
{
	return assume_role_new(out, sts, opts, err);
}

static int fetch_web_identity(struct bw_creds *p, struct bw_credentials **out,
			      struct bw_error *err)
{
	char name[64], what[600];
	json_t *in, *resp = NULL;
	char *tok = NULL;
	int rc;

	snprintf(what, sizeof(what), "assuming role '%s' with web identity", p->role_arn);
	if ((rc = read_token_file(&tok, p->token_file, "web identity token file", err)))
		return rc;
	if (!p->session_name)
		default_session_name(name, sizeof(name));
	in = json_pack("{s:s, s:s, s:s}", "RoleArn", p->role_arn, "RoleSessionName",
		       p->session_name ? p->session_name : name, "WebIdentityToken", tok);
	bw_free_secret(tok);
	if (!in)
		return nomem(err);
	if (p->duration && json_object_set_new(in, "DurationSeconds", json_integer(p->duration))) {
		json_free_secure(in);
		return nomem(err);
	}
	rc = bw_call(&resp, p->sts, BW_SVC_STS, "AssumeRoleWithWebIdentity", in, err);
	json_free_secure(in);
	if (rc) {
		bw_error_prefix(err, "%s", what);
		return rc;
	}
	rc = sts_credentials(out, resp, what, p->short_source, err);
	json_free_secure(resp);
	return rc;
}

/*
 * Web identity: the call is unsigned, so the provider owns a client made
 * with no credentials.
 */
static int web_identity_new(struct bw_creds **out, const struct bw_config *cfg,
			    const char *token_file, const char *role_arn,
			    const char *session_name, const char *where,
			    struct bw_error *err)
{
	struct bw_creds *p;
	int rc;

	*out = NULL;
	if ((rc = provider_new(&p, fetch_web_identity, err)))
		return rc;
	p->token_file = bw_strdup(token_file);
	p->role_arn = bw_strdup(role_arn);
	p->session_name = bw_strdup(session_name);
	if (!p->token_file || !p->role_arn || (session_name && !p->session_name)) {
		bw_creds_free(p);
		return nomem(err);
	}
	if ((rc = bw_client_new(&p->owned_sts, cfg, NULL, NULL, err))) {
		bw_creds_free(p);
		return rc;
	}
	p->sts = p->owned_sts;
	snprintf(p->source, sizeof(p->source), "web identity %s (%s)", role_arn, where);
	snprintf(p->short_source, sizeof(p->short_source), "web-identity %s", role_arn);
	*out = p;
	return 0;
}

/* ---- credential_process --------------------------------------------- */

static int run_process(struct bw_buf *outb, int *status, const char *cmd,
		       struct bw_error *err, const char *profile)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)cmd, NULL };
	char chunk[4096];
	int fds[2], rc = 0, st;
	bool too_big = false;
	pid_t pid;
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC))
		return bw_error_set(err, BW_ERR_IO, "credential_process of profile '%s': pipe: %s",
				    profile, strerror(errno));
	if (posix_spawn_file_actions_init(&fa)) {
		close(fds[0]);
		close(fds[1]);
		return nomem(err);
	}
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	/* stdin and stderr are inherited: the process may prompt or explain. */
	rc = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc) {
		close(fds[0]);
		return bw_error_set(err, BW_ERR_IO,
				    "credential_process of profile '%s': cannot run /bin/sh: %s",
				    profile, strerror(rc));
	}
	for (;;) {
		n = read(fds[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (!too_big && bw_buf_add(outb, chunk, (size_t)n)) {
			too_big = true;
			kill(pid, SIGTERM);
		}
	}
	OPENSSL_cleanse(chunk, sizeof(chunk));
	close(fds[0]);
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			st = -1;
			break;
		}
	}
	*status = st;
	if (too_big)
		return bw_error_set(err, BW_ERR_TOOBIG,
				    "credential_process of profile '%s' printed more than %d bytes",
				    profile, PROCESS_MAX_OUTPUT);
	return 0;
}

static int fetch_process(struct bw_creds *p, struct bw_credentials **out,
			 struct bw_error *err)
{
	struct bw_buf b = BW_BUF_INIT;
	json_error_t jerr;
	json_t *j = NULL;
	char what[300];
	int rc, status = 0;

	bw_buf_init(&b, PROCESS_MAX_OUTPUT);
	if ((rc = run_process(&b, &status, p->command, err, p->profile)))
		goto out;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		if (WIFEXITED(status))
			rc = bw_error_set(err, BW_ERR_CREDS,
					  "credential_process of profile '%s' exited with status %d (its messages are above)",
					  p->profile, WEXITSTATUS(status));
		else
			rc = bw_error_set(err, BW_ERR_CREDS,
					  "credential_process of profile '%s' was killed by signal %d",
					  p->profile, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		goto out;
	}
	/* jansson's error text quotes the input: report the position only. */
	j = json_loadb(b.ptr, b.len, 0, &jerr);
	if (!json_is_object(j)) {
		rc = bw_error_set(err, BW_ERR_CREDS,
				  "credential_process of profile '%s' printed no JSON object (line %d, column %d): it must print {\"Version\": 1, \"AccessKeyId\": ..., \"SecretAccessKey\": ...}",
				  p->profile, j ? 1 : jerr.line, j ? 1 : jerr.column);
		goto out;
	}
	if (json_integer_value(json_object_get(j, "Version")) != 1 ||
	    !json_is_integer(json_object_get(j, "Version"))) {
		rc = bw_error_set(err, BW_ERR_CREDS,
				  "credential_process of profile '%s' printed no \"Version\": 1 (the only version there is)",
				  p->profile);
		goto out;
	}
	snprintf(what, sizeof(what), "credential_process of profile '%s'", p->profile);
	rc = creds_from_json(out, j, "SessionToken", false, what, p->short_source, err);
	if (rc == BW_ERR_PARSE && err)
		err->code = rc = BW_ERR_CREDS;
out:
	json_free_secure(j);
	bw_buf_release_secure(&b);
	return rc;
}

static int process_new(struct bw_creds **out, const char *profile, const char *command,
		       struct bw_error *err)
{
	struct bw_creds *p;
	int rc;

	if ((rc = provider_new(&p, fetch_process, err)))
		return rc;
	p->profile = bw_strdup(profile);
	p->command = bw_strdup(command);
	if (!p->profile || !p->command) {
		bw_creds_free(p);
		return nomem(err);
	}
	snprintf(p->source, sizeof(p->source), "credential_process (profile %s)", profile);
	snprintf(p->short_source, sizeof(p->short_source), "process %s", profile);
	*out = p;
	return 0;
}

/* ---- container and instance metadata -------------------------------- */

/* Whether host (as curl gives it, IPv6 in brackets) may be used over http. */
static bool container_host_ok(const char *host)
{
	static const char *const allowed[] = {
		"169.254.170.2", "169.254.170.23", "[fd00:ec2::23]", "localhost",
	};
	unsigned char a[16];
	char v6[64];
	size_t n = strlen(host);

	for (size_t i = 0; i < BW_ARRAY_SIZE(allowed); i++)
		if (!strcasecmp(host, allowed[i]))
			return true;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	if (n > 2 && n < sizeof(v6) + 2 && host[0] == '[' && host[n - 1] == ']') {
		memcpy(v6, host + 1, n - 2);
		v6[n - 2] = '\0';
		if (inet_pton(AF_INET6, v6, a) == 1) {
			static const unsigned char lo[16] = { [15] = 1 };

			if (!memcmp(a, lo, 16))
				return true;
			/* fd00:ec2::23 in any spelling */
			return !memcmp(a, "\xfd\x00\x0e\xc2\0\0\0\0\0\0\0\0\0\0\0\x23", 16);
		}
	}
	return false;
}

int bw_creds__container_url(char **out, struct bw_error *err)
{
	const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	char *scheme = NULL, *host = NULL;
	CURLU *u = NULL;
	int rc = 0;

	*out = NULL;
	if (rel) {
		struct bw_buf b = BW_BUF_INIT;

		if (rel[0] != '/')
			return bw_error_set(err, BW_ERR_INVALID,
					    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI '%s' must start with '/'",
					    rel);
		if (bw_buf_adds(&b, ECS_BASE) || bw_buf_adds(&b, rel) ||
		    !(*out = bw_buf_detach(&b, NULL))) {
			bw_buf_release(&b);
			return nomem(err);
		}
		return 0;
	}
	if (!full)
		return 0;
	u = curl_url();
	if (!u)
		return nomem(err);
	if (curl_url_set(u, CURLUPART_URL, full, 0) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0)) {
		/* Never echo the URL: it may hold a password. */
		rc = bw_error_set(err, BW_ERR_INVALID,
				  "AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL");
		goto out;
	}
	{
		char *user = NULL;
		CURLUcode uc = curl_url_get(u, CURLUPART_USER, &user, 0);

		curl_free(user);
		if (uc != CURLUE_NO_USER) {
			rc = bw_error_set(err, BW_ERR_INVALID,
					  "AWS_CONTAINER_CREDENTIALS_FULL_URI holds a user name or "
					  "password: send the token with "
					  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE instead");
			goto out;
		}
	}
	if (strcasecmp(scheme, "https") &&
	    (strcasecmp(scheme, "http") || !container_host_ok(host))) {
		rc = bw_error_set(err, BW_ERR_INVALID,
				  "AWS_CONTAINER_CREDENTIALS_FULL_URI to host '%s' is not allowed: use https, or http to a loopback address, 169.254.170.2, 169.254.170.23 or [fd00:ec2::23]",
				  host);
		goto out;
	}
	if (!(*out = bw_strdup(full)))
		rc = nomem(err);
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* GET/PUT url; the body is the caller's to wipe. */
static int metadata_request(struct bw_http *h, const char *method, const char *url,
			    const struct bw_header *hdrs, size_t n_hdrs,
			    struct bw_http_response *resp, struct bw_error *err)
{
	struct bw_http_request req = {
		.method = method, .url = url, .headers = hdrs, .n_headers = n_hdrs,
	};

	return bw_http_perform(h, &req, resp, err);
}

static void response_release_secure(struct bw_http_response *r)
{
	bw_buf_release_secure(&r->body);
	bw_http_response_release(r);
}

static int parse_metadata_creds(struct bw_credentials **out, struct bw_http_response *r,
				const char *what, const char *short_source,
				struct bw_error *err)
{
	json_error_t jerr;
	json_t *j = json_loadb(r->body.ptr, r->body.len, 0, &jerr);
	const char *code;
	int rc;

	if (!json_is_object(j)) {
		json_free_secure(j);
		return bw_error_set(err, BW_ERR_PARSE, "%s: the response is not a JSON object", what);
	}
	code = json_string_value(json_object_get(j, "Code"));
	if (code && strcmp(code, "Success")) {
		rc = bw_error_set(err, BW_ERR_CREDS, "%s: Code is '%.64s', not 'Success'", what, code);
		json_free_secure(j);
		return rc;
	}
	rc = creds_from_json(out, j, "Token", false, what, short_source, err);
	json_free_secure(j);
	return rc;
}

static int fetch_container(struct bw_creds *p, struct bw_credentials **out,
			   struct bw_error *err)
{
	struct bw_http_response r;
	struct bw_header h[2] = { { "Accept", "application/json" }, { "Authorization", NULL } };
	const char *file = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	char *tok = NULL;
	size_t nh = 1;
	int rc;

	if (file) {
		if ((rc = read_token_file(&tok, file, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", err)))
			return rc;
	} else if (p->auth_token && !(tok = bw_strdup(p->auth_token))) {
		return nomem(err);
	}
	if (tok) {
		if (strpbrk(tok, "\r\n")) {
			bw_free_secret(tok);
			return bw_error_set(err, BW_ERR_INVALID,
					    "the container authorization token contains a line break");
		}
		h[1].value = tok;
		nh = 2;
	}
	bw_http_response_init(&r);
	rc = metadata_request(p->http, "GET", p->url, h, nh, &r, err);
	bw_free_secret(tok);
	if (rc) {
		bw_error_prefix(err, "container credentials from '%s'", p->url);
		goto out;
	}
	if (r.status != 200) {
		rc = bw_error_set(err, BW_ERR_CREDS,
				  "container credentials from '%s': HTTP status %ld", p->url, r.status);
		goto out;
	}
	rc = parse_metadata_creds(out, &r, "container credentials", p->short_source, err);
out:
	response_release_secure(&r);
	return rc;
}

static int http_for(struct bw_creds *p, const struct bw_config *cfg, long connect_ms,
		    long total_ms, struct bw_error *err)
{
	struct bw_http_opts o = {
		.connect_timeout_ms = connect_ms,
		.timeout_ms = total_ms,
		.max_response = 1 << 20,
		.ca_bundle = cfg ? bw_config_ca_bundle(cfg) : NULL,
	};

	return bw_http_new(&p->http, &o, err);
}

/* *out stays NULL when no container variable is set. */
static int container_new(struct bw_creds **out, const struct bw_config *cfg,
			 struct bw_error *err)
{
	struct bw_creds *p;
	char *url = NULL;
	int rc;

	*out = NULL;
	if ((rc = bw_creds__container_url(&url, err)) || !url)
		return rc;
	if ((rc = provider_new(&p, fetch_container, err))) {
		free(url);
		return rc;
	}
	p->url = url;
	if (env("AWS_CONTAINER_AUTHORIZATION_TOKEN") &&
	    !(p->auth_token = bw_strdup(env("AWS_CONTAINER_AUTHORIZATION_TOKEN")))) {
		bw_creds_free(p);
		return nomem(err);
	}
	/* botocore: 2 s timeout */
	if ((rc = http_for(p, cfg, 2000, 2000, err))) {
		bw_creds_free(p);
		return rc;
	}
	bw_strlcpy(p->source, "container", sizeof(p->source));
	bw_strlcpy(p->short_source, "container", sizeof(p->short_source));
	*out = p;
	return 0;
}

static void join_url(char *buf, size_t n, const char *base, const char *path)
{
	size_t bl = strlen(base);

	while (bl && base[bl - 1] == '/')
		bl--;
	snprintf(buf, n, "%.*s%s", (int)bl, base, path);
}

/*
 * IMDS as botocore: a token PUT first; 200 gives IMDSv2, 403/404/405 fall
 * back to IMDSv1 (unless AWS_EC2_METADATA_V1_DISABLED), anything else or
 * no answer means there is no usable instance metadata.
 */
static int fetch_imds(struct bw_creds *p, struct bw_credentials **out,
		      struct bw_error *err)
{
	struct bw_header th = { "X-aws-ec2-metadata-token-ttl-seconds", IMDS_TOKEN_TTL };
	struct bw_header h = { "X-aws-ec2-metadata-token", NULL };
	const char *prefix = "/latest/meta-data/iam/security-credentials/";
	struct bw_http_response r;
	char url[1024], role[256];
	char *token = NULL;
	size_t len;
	int rc;

	bw_http_response_init(&r);
	join_url(url, sizeof(url), p->url, "/latest/api/token");
	if ((rc = metadata_request(p->http, "PUT", url, &th, 1, &r, err))) {
		rc = bw_error_set(err, BW_ERR_CREDS,
				  "instance metadata at '%s' is not reachable", p->url);
		goto out;
	}
	if (r.status == 200 && r.body.len) {
		if (!(token = bw_strdup(r.body.ptr))) {
			rc = nomem(err);
			goto out;
		}
		h.value = token;
	} else if (r.status == 403 || r.status == 404 || r.status == 405) {
		if (p->imds_v1_disabled) {
			rc = bw_error_set(err, BW_ERR_CREDS,
					  "instance metadata refused a token (HTTP %ld) and IMDSv1 is disabled",
					  r.status);
			goto out;
		}
		bw_debug("imds: token PUT got HTTP %ld, falling back to IMDSv1", r.status);
	} else {
		rc = bw_error_set(err, BW_ERR_CREDS,
				  "instance metadata token request failed: HTTP %ld", r.status);
		goto out;
	}

	join_url(url, sizeof(url), p->url, prefix);
	response_release_secure(&r);
	bw_http_response_init(&r);
	if ((rc = metadata_request(p->http, "GET", url, &h, token ? 1 : 0, &r, err)))
		goto out;
	if (r.status == 404) {
		rc = bw_error_set(err, BW_ERR_CREDS,
				  "this instance has no IAM role (instance metadata %s answered 404): attach an instance profile",
				  prefix);
		goto out;
	}
	if (r.status != 200) {
		rc = bw_error_set(err, BW_ERR_CREDS,
				  "instance metadata %s: HTTP status %ld", prefix, r.status);
		goto out;
	}
	len = strcspn(r.body.ptr, "\r\n");
	while (len && isspace((unsigned char)r.body.ptr[len - 1]))
		len--;
	if (!len || len >= sizeof(role) || memchr(r.body.ptr, '/', len)) {
		rc = bw_error_set(err, BW_ERR_CREDS, "instance metadata gave no usable role name");
		goto out;
	}
	memcpy(role, r.body.ptr, len);
	role[len] = '\0';

	{
		char path[320];

		snprintf(path, sizeof(path), "%s%s", prefix, role);
		join_url(url, sizeof(url), p->url, path);
	}
	response_release_secure(&r);
	bw_http_response_init(&r);
	if ((rc = metadata_request(p->http, "GET", url, &h, token ? 1 : 0, &r, err)))
		goto out;
	if (r.status != 200) {
		rc = bw_error_set(err, BW_ERR_CREDS,
				  "instance metadata credentials of role '%s': HTTP status %ld",
				  role, r.status);
		goto out;
	}
	rc = parse_metadata_creds(out, &r, "instance metadata credentials", p->short_source, err);
out:
	bw_free_secret(token);
	response_release_secure(&r);
	return rc;
}

static int imds_new(struct bw_creds **out, const struct bw_config *cfg,
		    struct bw_error *err)
{
	const char *base = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *prof = cfg ? bw_config_profile(cfg) : NULL;
	const char *mode = env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	const char *v;
	long timeout_ms = 1000;
	struct bw_creds *p;
	int rc;

	*out = NULL;
	if (!base && cfg)
		base = pget(cfg, prof, "ec2_metadata_service_endpoint");
	if (!mode && cfg)
		mode = pget(cfg, prof, "ec2_metadata_service_endpoint_mode");
	if (!base)
		base = mode && !strcasecmp(mode, "IPv6") ? IMDS_BASE_V6 : IMDS_BASE;
	/* AWS_METADATA_SERVICE_TIMEOUT is in seconds, default 1, as botocore. */
	if ((v = env("AWS_METADATA_SERVICE_TIMEOUT")) && atol(v) > 0 && atol(v) < 60)
		timeout_ms = atol(v) * 1000;
	if ((rc = provider_new(&p, fetch_imds, err)))
		return rc;
	p->url = bw_strdup(base);
	if (!p->url) {
		bw_creds_free(p);
		return nomem(err);
	}
	p->imds_v1_disabled = env_true("AWS_EC2_METADATA_V1_DISABLED") ||
		(cfg && (v = bw_config_get_cred(cfg, prof, "ec2_metadata_v1_disabled")) &&
		 !strcasecmp(v, "true"));
	if ((rc = http_for(p, cfg, timeout_ms, timeout_ms, err))) {
		bw_creds_free(p);
		return rc;
	}
	bw_strlcpy(p->source, "instance metadata", sizeof(p->source));
	bw_strlcpy(p->short_source, "imds", sizeof(p->short_source));
	*out = p;
	return 0;
}

/* ---- profiles ------------------------------------------------------- */

struct visit {
	const char *names[MAX_CHAIN];
	size_t n;
};

static bool has_static(const struct bw_config *cfg, const char *profile)
{
	return pget(cfg, profile, "aws_access_key_id") ||
	       pget(cfg, profile, "aws_secret_access_key");
}

static int cycle_error(const struct visit *v, const char *again, struct bw_error *err)
{
	char path[600] = "";
	size_t len = 0;

	for (size_t i = 0; i < v->n && len < sizeof(path); i++)
		len += (size_t)snprintf(path + len, sizeof(path) - len, "%s -> ", v->names[i]);
	if (len < sizeof(path))
		snprintf(path + len, sizeof(path) - len, "%s", again);
	return bw_error_set(err, BW_ERR_INVALID,
			    "source_profile cycle: profile %s: point one source_profile at a profile with keys",
			    path);
}

/* Static keys of profile: the credentials file first, as botocore. */
static int static_profile(struct bw_creds **out, const struct bw_config *cfg,
			  const char *profile, struct bw_error *err)
{
	const char *akid = pget(cfg, profile, "aws_access_key_id");
	const char *sk = pget(cfg, profile, "aws_secret_access_key");
	const char *tok = pget(cfg, profile, "aws_session_token");
	bool in_cred = bw_config_get_cred(cfg, profile, "aws_access_key_id") !=
		       bw_config_get(cfg, profile, "aws_access_key_id");
	char src[256], shrt[96];

	if (!tok)
		tok = pget(cfg, profile, "aws_security_token");
	if (!akid || !sk)
		return bw_error_set(err, BW_ERR_INVALID,
				    "profile '%s' has %s but no %s: add it or remove both",
				    profile, akid ? "aws_access_key_id" : "aws_secret_access_key",
				    akid ? "aws_secret_access_key" : "aws_access_key_id");
	snprintf(src, sizeof(src), "shared %s file (profile %s)",
		 in_cred ? "credentials" : "config", profile);
	snprintf(shrt, sizeof(shrt), "profile %s", profile);
	return static_new(out, akid, sk, tok, src, shrt, err);
}

static int resolve_profile(struct bw_creds **out, const struct bw_config *cfg,
			   const char *profile, struct visit *v, bool top,
			   struct bw_error *err);

static int credential_source(struct bw_creds **out, const struct bw_config *cfg,
			     const char *profile, const char *cs, struct bw_error *err)
{
	int rc;

	*out = NULL;
	if (!strcmp(cs, "Environment")) {
		if ((rc = env_provider(out, err)))
			return rc;
		if (!*out)
			return bw_error_set(err, BW_ERR_CREDS,
					    "profile '%s' has credential_source = Environment but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set",
					    profile);
		return 0;
	}
	if (!strcmp(cs, "Ec2InstanceMetadata"))
		return imds_new(out, cfg, err);
	if (!strcmp(cs, "EcsContainer")) {
		if ((rc = container_new(out, cfg, err)))
			return rc;
		if (!*out)
			return bw_error_set(err, BW_ERR_CREDS,
					    "profile '%s' has credential_source = EcsContainer but neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set",
					    profile);
		return 0;
	}
	return bw_error_set(err, BW_ERR_INVALID,
			    "profile '%s' has credential_source '%s': use Environment, Ec2InstanceMetadata or EcsContainer",
			    profile, cs);
}

static int role_profile(struct bw_creds **out, const struct bw_config *cfg,
			const char *profile, const char *role_arn, struct visit *v,
			struct bw_error *err)
{
	const char *src = pget(cfg, profile, "source_profile");
	const char *cs = pget(cfg, profile, "credential_source");
	const char *wif = pget(cfg, profile, "web_identity_token_file");
	const char *ds = pget(cfg, profile, "duration_seconds");
	struct bw_assume_role_opts o = {
		.role_arn = role_arn,
		.session_name = pget(cfg, profile, "role_session_name"),
		.external_id = pget(cfg, profile, "external_id"),
	};
	struct bw_creds *source = NULL;
	struct bw_client *sts = NULL;
	char where[300];
	int rc;

	*out = NULL;
	if (pget(cfg, profile, "mfa_serial"))
		return bw_error_set(err, BW_ERR_INVALID,
				    "profile '%s' sets mfa_serial: roles that need MFA are not supported yet; get session credentials with MFA first (aws sts get-session-token) and use them",
				    profile);
	if (src && cs)
		return bw_error_set(err, BW_ERR_INVALID,
				    "profile '%s' has both source_profile and credential_source: keep one",
				    profile);
	if (!src && !cs) {
		if (wif)
			return web_identity_new(out, cfg, wif, role_arn, o.session_name, profile, err);
		return bw_error_set(err, BW_ERR_INVALID,
				    "profile '%s' has role_arn but no source_profile or credential_source: add one of them",
				    profile);
	}
	if (ds) {
		char *end;
		long d = strtol(ds, &end, 10);

		snprintf(where, sizeof(where), "duration_seconds of profile '%s'", profile);
		if (*end || d < 900 || d > 43200)
			return bw_error_set(err, BW_ERR_INVALID,
					    "%s is '%s': use 900 to 43200 seconds", where, ds);
		o.duration_seconds = (int)d;
	}
	if (cs) {
		if ((rc = credential_source(&source, cfg, profile, cs, err)))
			return rc;
		snprintf(where, sizeof(where), "credential_source %s", cs);
	} else {
		bool seen = false;

		if (!bw_config_has_profile(cfg, src))
			return bw_error_set(err, BW_ERR_INVALID,
					    "source_profile '%s' of profile '%s' does not exist: add [profile %s] or fix source_profile",
					    src, profile, src);
		for (size_t i = 0; i < v->n; i++)
			if (!strcmp(v->names[i], src))
				seen = true;
		if (seen) {
			/* A profile may name itself to use its own keys. */
			if (strcmp(src, profile) || !has_static(cfg, src))
				return cycle_error(v, src, err);
			rc = static_profile(&source, cfg, src, err);
		} else {
			if (v->n == MAX_CHAIN)
				return bw_error_set(err, BW_ERR_INVALID,
						    "source_profile chain from profile '%s' is longer than %d profiles",
						    v->names[0], MAX_CHAIN);
			v->names[v->n++] = src;
			rc = resolve_profile(&source, cfg, src, v, false, err);
		}
		if (rc)
			return rc;
		snprintf(where, sizeof(where), "profile %s", src);
	}
	if ((rc = bw_client_new(&sts, cfg, source, NULL, err)))
		return rc;
	if ((rc = assume_role_new(out, sts, &o, err))) {
		bw_client_free(sts);
		return rc;
	}
	(*out)->owned_sts = sts;
	snprintf((*out)->source, sizeof((*out)->source), "assume role %s via %s", role_arn, where);
	return 0;
}

/*
 * The provider for profile, or *out NULL when it holds nothing about
 * credentials (top level only: the chain goes on).  botocore's order: a
 * role (role_arn) first at the top, keys before a role in a source
 * profile, then sso (unsupported), keys from the credentials file,
 * credential_process, keys from the config file.
 */
static int resolve_profile(struct bw_creds **out, const struct bw_config *cfg,
			   const char *profile, struct visit *v, bool top,
			   struct bw_error *err)
{
	static const char *const sso_keys[] = {
		"sso_session", "sso_start_url", "sso_account_id", "sso_role_name",
	};
	const char *role_arn = pget(cfg, profile, "role_arn");
	const char *proc = pget(cfg, profile, "credential_process");
	const char *wif = pget(cfg, profile, "web_identity_token_file");

	*out = NULL;
	if (role_arn && (top || !has_static(cfg, profile)))
		return role_profile(out, cfg, profile, role_arn, v, err);
	for (size_t i = 0; i < BW_ARRAY_SIZE(sso_keys); i++)
		if (pget(cfg, profile, sso_keys[i]) && !has_static(cfg, profile))
			return bw_error_set(err, BW_ERR_INVALID,
					    "profile '%s' uses IAM Identity Center (%s): not supported yet; run `aws configure export-credentials --profile %s --format env` and use the environment",
					    profile, sso_keys[i], profile);
	if (has_static(cfg, profile) &&
	    bw_config_get_cred(cfg, profile, "aws_access_key_id") !=
	    bw_config_get(cfg, profile, "aws_access_key_id"))
		return static_profile(out, cfg, profile, err);
	if (proc)
		return process_new(out, profile, proc, err);
	if (has_static(cfg, profile))
		return static_profile(out, cfg, profile, err);
	if (wif && !top)
		return bw_error_set(err, BW_ERR_INVALID,
				    "profile '%s' has web_identity_token_file but no role_arn: add role_arn",
				    profile);
	if (!top)
		return bw_error_set(err, BW_ERR_INVALID,
				    "source profile '%s' has no credentials: add aws_access_key_id and aws_secret_access_key, credential_process or role_arn",
				    profile);
	return 0;
}

/* ---- the default chain ---------------------------------------------- */

static int chain_resolve(struct bw_creds *p, struct bw_error *err)
{
	const struct bw_config *cfg = p->cfg;
	const char *prof = bw_config_profile(cfg);
	struct visit v = { .n = 0 };
	const char *wif, *role;
	int rc;

	if ((rc = env_provider(&p->inner, err)) || p->inner)
		return rc;

	if ((wif = env("AWS_WEB_IDENTITY_TOKEN_FILE"))) {
		role = env("AWS_ROLE_ARN");
		if (!role)
			role = pget(cfg, prof, "role_arn");
		if (!role)
			return bw_error_set(err, BW_ERR_INVALID,
					    "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not: set the role to assume");
		return web_identity_new(&p->inner, cfg, wif, role, env("AWS_ROLE_SESSION_NAME"),
					"AWS_WEB_IDENTITY_TOKEN_FILE", err);
	}

	if (bw_config_has_profile(cfg, prof)) {
		v.names[v.n++] = prof;
		if ((rc = resolve_profile(&p->inner, cfg, prof, &v, true, err)) || p->inner)
			return rc;
	}

	if ((rc = container_new(&p->inner, cfg, err)) || p->inner)
		return rc;

	if (env_true("AWS_EC2_METADATA_DISABLED"))
		return bw_error_set(err, BW_ERR_CREDS,
				    "no credentials found for profile '%s': tried the environment, web identity, '%s', '%s' and container credentials (instance metadata is disabled by AWS_EC2_METADATA_DISABLED); set AWS_PROFILE or configure credentials with `aws configure`",
				    prof, bw_config_credentials_file(cfg), bw_config_config_file(cfg));
	return imds_new(&p->inner, cfg, err);
}

static int fetch_chain(struct bw_creds *p, struct bw_credentials **out,
		       struct bw_error *err)
{
	int rc;

	if (!p->inner) {
		if ((rc = chain_resolve(p, err)))
			return rc;
		bw_strlcpy(p->source, p->inner->source, sizeof(p->source));
	}
	rc = bw_creds_get(out, p->inner, err);
	if (rc == BW_ERR_CREDS && p->inner->fetch == fetch_imds && err &&
	    strstr(err->message, "not reachable")) {
		/* IMDS is the last resort: say what else was tried. */
		bw_error_prefix(err, "no credentials found for profile '%s' (tried the environment, web identity, '%s', '%s', container credentials)",
				bw_config_profile(p->cfg), bw_config_credentials_file(p->cfg),
				bw_config_config_file(p->cfg));
	}
	if (rc && p->inner->fetch == fetch_imds) {
		/* Try again from the start next time: the files may change. */
		bw_creds_free(p->inner);
		p->inner = NULL;
		p->source[0] = '\0';
	}
	return rc;
}

int bw_creds_default_chain(struct bw_creds **out, const struct bw_config *cfg,
			   struct bw_error *err)
{
	struct bw_creds *p;
	int rc;

	*out = NULL;
	if (!cfg)
		return bw_error_set(err, BW_ERR_INTERNAL, "no configuration");
	if ((rc = provider_new(&p, fetch_chain, err)))
		return rc;
	p->cfg = cfg;
	*out = p;
	return 0;
}
