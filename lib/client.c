/*
 * client.c - the AWS API client: for each call it resolves the endpoint,
 * encodes the input for the service's protocol, signs with the current
 * credentials, sends, maps the answer back to JSON and retries as the
 * retry mode says.  A family of clients (bw_client_derive) shares one
 * transport, retry state and endpoint cache; each has its own credentials.
 * Signing is sigv4.c's, credentials creds.c's, bytes on the wire http.c's.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "bulwark/client.h"
#include "bulwark/http.h"
#include "bulwark/redact.h"
#include "bulwark/retry.h"
#include "bulwark/sigv4.h"
#include "proto.h"

#include "internal.h"

#ifndef BW_VERSION
#define BW_VERSION "0.0.0"
#endif

#define CLIENT_MAX_PAGES 100000
#define CLIENT_LOG_BODY_MAX 1500

struct bw_shared {
	pthread_mutex_t lock;
	unsigned refs;
	const struct bw_config *cfg;
	struct bw_http *http;
	struct bw_retry *retry;
	struct bw_endpoint ep[BW_SVC__COUNT];
	bool ep_ok[BW_SVC__COUNT];
	struct bw_client_stats stats;
};

struct bw_client {
	struct bw_shared *sh;
	struct bw_creds *creds;
};

static void shared_put(struct bw_shared *sh)
{
	unsigned left;

	if (!sh)
		return;
	pthread_mutex_lock(&sh->lock);
	left = --sh->refs;
	pthread_mutex_unlock(&sh->lock);
	if (left)
		return;
	bw_http_free(sh->http);
	bw_retry_free(sh->retry);
	pthread_mutex_destroy(&sh->lock);
	free(sh);
}

int bw_client_new(struct bw_client **out, const struct bw_config *cfg,
		  struct bw_creds *creds, const struct bw_client_opts *opts,
		  struct bw_error *err)
{
	struct bw_http_opts hopts = { 0 };
	struct bw_shared *sh = NULL;
	struct bw_client *c = NULL;
	enum bw_retry_mode mode = BW_RETRY_STANDARD;
	int attempts = 3, rc;

	*out = NULL;
	bw_secure_alloc_init();
	if (cfg) {
		mode = bw_config_retry_mode(cfg);
		if (bw_config_max_attempts(cfg) > 0)
			attempts = bw_config_max_attempts(cfg);
	}
	if (opts && !(cfg && bw_config_retry_explicit(cfg))) {
		if (opts->default_max_attempts > 0)
			attempts = opts->default_max_attempts;
		if (opts->default_adaptive)
			mode = BW_RETRY_ADAPTIVE;
	}
	sh = calloc(1, sizeof(*sh));
	c = calloc(1, sizeof(*c));
	if (!sh || !c) {
		free(sh);
		free(c);
		bw_creds_free(creds);
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	}
	pthread_mutex_init(&sh->lock, NULL);
	sh->refs = 1;
	sh->cfg = cfg;
	c->sh = sh;
	c->creds = creds;
	if (opts) {
		hopts.connect_timeout_ms = opts->connect_timeout_ms;
		hopts.timeout_ms = opts->timeout_ms;
	}
	hopts.ca_bundle = cfg ? bw_config_ca_bundle(cfg) : NULL;
	rc = bw_http_new(&sh->http, &hopts, err);
	if (!rc)
		rc = bw_retry_new(&sh->retry, mode, attempts, err);
	if (rc) {
		bw_client_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int bw_client_derive(struct bw_client **out, struct bw_client *parent,
		     struct bw_creds *creds, struct bw_error *err)
{
	struct bw_client *c;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		bw_creds_free(creds);
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	}
	pthread_mutex_lock(&parent->sh->lock);
	parent->sh->refs++;
	pthread_mutex_unlock(&parent->sh->lock);
	c->sh = parent->sh;
	c->creds = creds;
	*out = c;
	return 0;
}

int bw_client_assume_role(struct bw_client **out, struct bw_client *parent,
			  const struct bw_assume_role_opts *opts, struct bw_error *err)
{
	struct bw_creds *creds = NULL;
	int rc;

	*out = NULL;
	rc = bw_creds_assume_role(&creds, parent, opts, err);
	if (rc)
		return rc;
	return bw_client_derive(out, parent, creds, err);
}

void bw_client_free(struct bw_client *c)
{
	if (!c)
		return;
	bw_creds_free(c->creds);
	shared_put(c->sh);
	free(c);
}

const struct bw_config *bw_client_config(const struct bw_client *c)
{
	return c->sh->cfg;
}

struct bw_creds *bw_client_creds(struct bw_client *c)
{
	return c->creds;
}

const struct bw_endpoint *bw_client_endpoint(struct bw_client *c, enum bw_service svc,
					     struct bw_error *err)
{
	struct bw_shared *sh = c->sh;
	const struct bw_endpoint *ep = NULL;

	if ((int)svc < 0 || svc >= BW_SVC__COUNT) {
		bw_error_set(err, BW_ERR_INTERNAL, "unknown service %d", (int)svc);
		return NULL;
	}
	pthread_mutex_lock(&sh->lock);
	if (!sh->ep_ok[svc] && !bw_endpoint_resolve(&sh->ep[svc], sh->cfg, svc, err)) {
		sh->ep_ok[svc] = true;
		bw_debug("%s endpoint %s (%s), signing region %s", bw_service_info(svc)->name,
			 sh->ep[svc].url, sh->ep[svc].source, sh->ep[svc].signing_region);
	}
	if (sh->ep_ok[svc])
		ep = &sh->ep[svc];
	pthread_mutex_unlock(&sh->lock);
	return ep;
}

void bw_client_stats(const struct bw_client *c, struct bw_client_stats *out)
{
	pthread_mutex_lock(&c->sh->lock);
	*out = c->sh->stats;
	pthread_mutex_unlock(&c->sh->lock);
}

static void stat_add(struct bw_shared *sh, unsigned long *field)
{
	pthread_mutex_lock(&sh->lock);
	(*field)++;
	pthread_mutex_unlock(&sh->lock);
}

/* ---- --debug logging, with every secret value replaced ---- */

static void log_json(const char *what, const struct bw_service_info *si, const char *op,
		     const json_t *v)
{
	json_t *safe;
	char *s;

	if (!bw_log_enabled(BW_LOG_DEBUG) || !v)
		return;
	safe = json_deep_copy(v);
	if (safe)
		bw_json_redact(safe);
	s = safe ? json_dumps(safe, JSON_COMPACT) : NULL;
	if (s) {
		size_t n = strlen(s);

		bw_debug("%s %s %s (%zu bytes, secrets redacted): %.*s%s", si->name, op, what, n,
			 CLIENT_LOG_BODY_MAX, s, n > CLIENT_LOG_BODY_MAX ? "..." : "");
	}
	free(s);
	json_decref(safe);
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* ---- one call ---- */

struct call {
	struct bw_client *c;
	const struct bw_service_info *si;
	const struct bw_endpoint *ep;
	const char *op;
	char host[300];
	char path[512];
	struct bw_buf body;
	char target[160];
};

static int call_prepare(struct call *k, struct bw_error *err)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *path = NULL;
	int rc = 0;

	if (!u)
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, k->ep->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		rc = bw_error_set(err, BW_ERR_INVALID, "cannot parse endpoint URL '%s'", k->ep->url);
		goto out;
	}
	curl_url_get(u, CURLUPART_PORT, &port, 0);	/* only when the URL names one */
	snprintf(k->host, sizeof(k->host), "%s%s%s", host, port ? ":" : "", port ? port : "");
	bw_strlcpy(k->path, path && *path ? path : "/", sizeof(k->path));
	if (k->si->protocol == BW_PROTO_JSON)
		snprintf(k->target, sizeof(k->target), "%s.%s", k->si->target_prefix, k->op);
out:
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
}

/*
 * Sign and send one attempt.  Returns 0 with resp filled (any status), or
 * an error in aerr (credentials, signing, transport).
 */
static int call_attempt(struct call *k, struct bw_http_response *resp, time_t *signed_at,
			struct bw_error *aerr)
{
	struct bw_header hdrs[12];
	struct bw_sigv4_result sig;
	struct bw_credentials *cr = NULL;
	struct bw_buf token = BW_BUF_INIT;
	struct bw_http_request req;
	char ua[64];
	size_t n = 0, nsigned, i;
	int rc = 0;

	bw_sigv4_result_init(&sig);
	snprintf(ua, sizeof(ua), "bulwark/%s", BW_VERSION);
	hdrs[n++] = (struct bw_header){ "Host", k->host };
	hdrs[n++] = (struct bw_header){ "Content-Type", bw_proto_content_type(k->si->protocol) };
	if (k->target[0])
		hdrs[n++] = (struct bw_header){ "X-Amz-Target", k->target };
	nsigned = n;
	*signed_at = bw_retry_now(k->c->sh->retry);
	if (k->c->creds) {
		struct bw_sigv4_request sreq = {
			"POST", k->path, NULL, hdrs, nsigned, k->body.ptr, k->body.len,
		};
		struct bw_sigv4_params p = {
			k->ep->signing_region, k->si->signing_name, *signed_at,
			BW_SIGV4_SERVICE_FLAGS, 0,
		};
		struct bw_sigv4_key key;

		rc = bw_creds_get(&cr, k->c->creds, aerr);
		if (rc)
			goto out;
		key.access_key_id = cr->access_key_id;
		key.secret_access_key = cr->secret_access_key;
		key.session_token = cr->session_token;
		rc = bw_sigv4_sign(&sig, &sreq, &key, &p, aerr);
		for (i = 0; !rc && i < sig.n_add && n < BW_ARRAY_SIZE(hdrs) - 2; i++) {
			hdrs[n] = sig.add[i];
			/*
			 * The signer may hand back the token by reference to
			 * our credential copy, which is about to be wiped.
			 */
			if (cr->session_token && hdrs[n].value == cr->session_token) {
				if (bw_buf_adds(&token, cr->session_token))
					rc = bw_error_set(aerr, BW_ERR_NOMEM, "out of memory");
				hdrs[n].value = token.ptr;
			}
			n++;
		}
		/* The copy has done its job: wipe it before anything else runs. */
		bw_credentials_free(cr);
		cr = NULL;
		if (rc)
			goto out;
		hdrs[n++] = (struct bw_header){ "Authorization", sig.authorization.ptr };
	}
	hdrs[n++] = (struct bw_header){ "User-Agent", ua };
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = k->ep->url;
	req.headers = hdrs;
	req.n_headers = n;
	req.body = k->body.ptr;
	req.body_len = k->body.len;
	rc = bw_http_perform(k->c->sh->http, &req, resp, aerr);
out:
	bw_sigv4_result_release(&sig);
	bw_buf_release_secure(&token);
	return rc;
}

static void err_finish(struct bw_error *err, const struct bw_error *aerr, const struct call *k,
		       int attempts)
{
	size_t l;

	if (!err)
		return;
	*err = *aerr;
	bw_strlcpy(err->service, k->si->name, sizeof(err->service));
	bw_strlcpy(err->operation, k->op, sizeof(err->operation));
	if (attempts > 1) {
		l = strlen(err->message);
		snprintf(err->message + l, sizeof(err->message) - l, " (gave up after %d attempts)",
			 attempts);
	}
}

int bw_call(json_t **out, struct bw_client *c, enum bw_service svc, const char *op,
	    const json_t *input, struct bw_error *err)
{
	struct bw_shared *sh = c->sh;
	struct bw_http_response resp;
	struct bw_error aerr;
	struct call k;
	unsigned cost = 0, last_cost = 0;
	bool skew_retried = false;
	int attempt, max = bw_retry_max_attempts(sh->retry), rc;

	*out = NULL;
	memset(&k, 0, sizeof(k));
	bw_buf_init(&k.body, 0);
	bw_http_response_init(&resp);
	k.c = c;
	k.op = op;
	k.si = bw_service_info(svc);
	if (!k.si || !op || !*op)
		return bw_error_set(err, BW_ERR_INTERNAL, "bad service or operation");
	k.ep = bw_client_endpoint(c, svc, err);
	if (!k.ep)
		return err ? err->code : BW_ERR_INVALID;
	rc = call_prepare(&k, err);
	if (!rc)
		rc = bw_proto_build_body(&k.body, k.si, op, input, err);
	if (rc)
		goto out;
	stat_add(sh, &sh->stats.calls);
	log_json("input", k.si, op, input);

	for (attempt = 1;; attempt++) {
		enum bw_retry_class cls;
		struct timespec t0;
		const char *reqid;
		time_t signed_at, sign_wall;
		long delay, skew_at_sign;

		bw_error_clear(&aerr);
		bw_retry_before_attempt(sh->retry, k.si->name);
		stat_add(sh, &sh->stats.attempts);
		bw_debug("%s %s: POST %s attempt %d/%d", k.si->name, op, k.ep->url, attempt, max);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		sign_wall = time(NULL);
		rc = call_attempt(&k, &resp, &signed_at, &aerr);
		skew_at_sign = (long)(signed_at - sign_wall);
		if (rc) {
			if (rc != BW_ERR_HTTP) {	/* credentials, signing, caps */
				err_finish(err, &aerr, &k, 1);
				goto out;
			}
			cls = bw_retry_classify(0, NULL, aerr.curl_code,
						aerr.curl_code == CURLE_OPERATION_TIMEDOUT);
			bw_debug("%s %s: transport error after %ld ms: %s", k.si->name, op,
				 elapsed_ms(&t0), aerr.message);
		} else {
			bw_retry_note_server_date(sh->retry, bw_http_response_header(&resp, "date"));
			reqid = bw_http_response_header(&resp, "x-amzn-requestid");
			if (!reqid)
				reqid = bw_http_response_header(&resp, "x-amz-request-id");
			if (resp.status >= 200 && resp.status < 300) {
				bw_debug("%s %s: HTTP %ld in %ld ms, request id %s", k.si->name, op,
					 resp.status, elapsed_ms(&t0), reqid ? reqid : "-");
				rc = bw_proto_parse_output(out, k.si, op, resp.body.ptr, resp.body.len,
							   &aerr);
				if (rc) {
					if (reqid)
						bw_strlcpy(aerr.request_id, reqid,
							   sizeof(aerr.request_id));
					aerr.http_status = resp.status;
					err_finish(err, &aerr, &k, 1);
					goto out;
				}
				bw_retry_after_success(sh->retry, k.si->name, last_cost);
				log_json("output", k.si, op, *out);
				goto out;
			}
			bw_proto_parse_error(&aerr, k.si, op, resp.status, resp.body.ptr,
					     resp.body.len,
					     bw_http_response_header(&resp, "x-amzn-errortype"),
					     reqid);
			cls = bw_retry_classify(resp.status, aerr.aws_code, 0, false);
			bw_debug("%s %s: HTTP %ld %s in %ld ms, request id %s", k.si->name, op,
				 resp.status, aerr.aws_code[0] ? aerr.aws_code : "(no code)",
				 elapsed_ms(&t0), aerr.request_id[0] ? aerr.request_id : "-");
			if (cls == BW_RETRY_CLOCK_SKEW) {
				/*
				 * Worth one more try only if the server's Date moved
				 * our clock offset; a wrong secret key looks the same.
				 */
				long moved = (long)(bw_retry_now(sh->retry) - time(NULL)) -
					     skew_at_sign;

				if (skew_retried || labs(moved) < 60)
					cls = BW_RETRY_NO;
				skew_retried = true;
			}
		}
		if (cls == BW_RETRY_THROTTLE)
			stat_add(sh, &sh->stats.throttled);
		if (!bw_retry_after_failure(sh->retry, k.si->name, attempt, cls, &cost, &delay)) {
			err_finish(err, &aerr, &k, attempt);
			rc = aerr.code ? aerr.code : BW_ERR_AWS;
			goto out;
		}
		if (cls != BW_RETRY_CLOCK_SKEW)
			last_cost = cost;
		stat_add(sh, &sh->stats.retried);
		bw_debug("%s %s: retrying in %ld ms", k.si->name, op, delay);
		bw_sleep_ms(delay);
	}
out:
	bw_http_response_release(&resp);
	bw_buf_release_secure(&k.body);
	if (rc) {
		json_decref(*out);
		*out = NULL;
		/* say which call failed, also before anything was sent */
		if (err && !err->service[0]) {
			bw_strlcpy(err->service, k.si->name, sizeof(err->service));
			bw_strlcpy(err->operation, op, sizeof(err->operation));
		}
	}
	return rc;
}

/* ---- pagination ---- */

int bw_call_all(json_t **out, struct bw_client *c, enum bw_service svc, const char *op,
		const json_t *input, const char *result_key, struct bw_error *err)
{
	json_t *in = NULL, *page = NULL, *all = NULL, *seen = NULL, *first = NULL, *items;
	json_t *tok = NULL;
	const char *key, *token;
	size_t pages = 0;
	int rc = 0;

	*out = NULL;
	in = input ? json_deep_copy(input) : json_object();
	all = json_array();
	seen = json_object();
	if (!in || !all || !seen || !json_is_object(in)) {
		rc = bw_error_set(err, in && !json_is_object(in) ? BW_ERR_INVALID : BW_ERR_NOMEM,
				  "%s", in && !json_is_object(in) ?
				  "operation input is not a JSON object" : "out of memory");
		goto out;
	}
	for (;;) {
		rc = bw_call(&page, c, svc, op, in, err);
		if (rc)
			goto out;
		items = json_object_get(page, result_key);
		if (json_is_array(items)) {
			if (json_array_extend(all, items)) {
				rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
				goto out;
			}
		} else if (items && !(json_is_string(items) && !json_string_length(items))) {
			rc = bw_error_set(err, BW_ERR_PARSE,
					  "%s %s: '%s' in the response is not a list",
					  bw_service_info(svc)->name, op, result_key);
			goto out;
		}
		bw_proto_next_page(page, &key, &token);
		/* token is borrowed from page: keep a reference while we use it */
		json_decref(tok);
		tok = key ? json_string(token) : NULL;
		if (key && !tok) {
			rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
			goto out;
		}
		if (!first)
			first = page;
		else
			json_decref(page);
		page = NULL;
		if (!key)
			break;
		token = json_string_value(tok);
		if (json_object_get(seen, token) || ++pages >= CLIENT_MAX_PAGES) {
			rc = bw_error_set(err, BW_ERR_PARSE,
					  "%s %s: the service repeated pagination token '%.40s': stopped instead of looping",
					  bw_service_info(svc)->name, op, token);
			if (err) {
				bw_strlcpy(err->service, bw_service_info(svc)->name,
					   sizeof(err->service));
				bw_strlcpy(err->operation, op, sizeof(err->operation));
			}
			goto out;
		}
		if (json_object_set_new(seen, token, json_true()) ||
		    json_object_set(in, key, tok)) {
			rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	json_object_del(first, "NextToken");
	json_object_del(first, "Marker");
	if (json_object_get(first, "IsTruncated"))
		json_object_set_new(first, "IsTruncated", json_false());
	if (json_object_set(first, result_key, all)) {
		rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
		goto out;
	}
	*out = first;
	first = NULL;
out:
	json_decref(first);
	json_decref(page);
	json_decref(all);
	json_decref(seen);
	json_decref(in);
	json_decref(tok);
	return rc;
}
