/*
 * http.c - the HTTP transport over libcurl.  Easy handles live in a
 * mutex-protected pool so that connections (and TLS sessions) are reused
 * across calls and threads; every perform() sets the whole option set
 * again, so no state leaks from one request to the next.  What to send and
 * whether a plain-http URL is acceptable are the caller's business; the
 * URL policy itself (bw_url_check) lives here because it is about transport.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <pthread.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "bulwark/http.h"

#include "internal.h"

#define HTTP_POOL_MAX 32
#define HTTP_DEFAULT_CONNECT_MS 5000L
#define HTTP_DEFAULT_TIMEOUT_MS 60000L
#define HTTP_DEFAULT_MAX ((size_t)16 << 20)

struct bw_http {
	pthread_mutex_t lock;
	CURL *pool[HTTP_POOL_MAX];
	size_t n_pool;
	CURLSH *share;
	pthread_mutex_t share_lock[CURL_LOCK_DATA_LAST];
	long connect_timeout_ms;
	long timeout_ms;
	size_t max_response;
	char *ca_bundle;
	char *noproxy;
};

struct http_xfer {
	struct bw_http_response *resp;
	int too_big;
	int nomem;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ctx)
{
	struct bw_http *http = ctx;

	(void)h;
	(void)access;
	if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&http->share_lock[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ctx)
{
	struct bw_http *http = ctx;

	(void)h;
	if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&http->share_lock[data]);
}

int bw_http_new(struct bw_http **out, const struct bw_http_opts *opts, struct bw_error *err)
{
	struct bw_http *h;
	int i;

	*out = NULL;
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return bw_error_set(err, BW_ERR_INTERNAL, "cannot initialise libcurl: %s",
				    curl_easy_strerror(curl_init_rc));
	h = calloc(1, sizeof(*h));
	if (!h)
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&h->lock, NULL);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&h->share_lock[i], NULL);
	h->connect_timeout_ms = opts && opts->connect_timeout_ms > 0 ?
		opts->connect_timeout_ms : HTTP_DEFAULT_CONNECT_MS;
	h->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : HTTP_DEFAULT_TIMEOUT_MS;
	h->max_response = opts && opts->max_response ? opts->max_response : HTTP_DEFAULT_MAX;
	if (opts && opts->ca_bundle && *opts->ca_bundle) {
		h->ca_bundle = bw_strdup(opts->ca_bundle);
		if (!h->ca_bundle)
			goto nomem;
	}
	/*
	 * A proxy cannot reach our loopback (a local emulator): keep the
	 * user's NO_PROXY and add the loopback names to it.
	 */
	{
		const char *np = getenv("NO_PROXY");
		struct bw_buf b = BW_BUF_INIT;

		if (!np || !*np)
			np = getenv("no_proxy");
		/*
		 * Instance metadata and container credentials are link-local:
		 * a proxy cannot reach ours, and must not see their tokens.
		 */
		if (bw_buf_addf(&b, "%s%slocalhost,127.0.0.1,::1,169.254.169.254,169.254.170.2,"
				"169.254.170.23,fd00:ec2::254,fd00:ec2::23", np && *np ? np : "",
				np && *np ? "," : ""))
			goto nomem;
		h->noproxy = bw_buf_detach(&b, NULL);
		if (!h->noproxy)
			goto nomem;
	}
	/*
	 * DNS answers and TLS sessions are shared by every handle; live
	 * connections stay with their handle, which the pool keeps warm.
	 */
	h->share = curl_share_init();
	if (!h->share)
		goto nomem;
	curl_share_setopt(h->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(h->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(h->share, CURLSHOPT_USERDATA, h);
	curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(h->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	*out = h;
	return 0;
nomem:
	bw_http_free(h);
	return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
}

void bw_http_free(struct bw_http *h)
{
	size_t i;
	int j;

	if (!h)
		return;
	for (i = 0; i < h->n_pool; i++)
		curl_easy_cleanup(h->pool[i]);
	if (h->share)
		curl_share_cleanup(h->share);
	for (j = 0; j < CURL_LOCK_DATA_LAST; j++)
		pthread_mutex_destroy(&h->share_lock[j]);
	pthread_mutex_destroy(&h->lock);
	free(h->ca_bundle);
	free(h->noproxy);
	free(h);
}

void bw_http_response_init(struct bw_http_response *r)
{
	r->status = 0;
	bw_buf_init(&r->body, 0);
	r->headers = NULL;
	r->n_headers = 0;
}

static void response_clear_headers(struct bw_http_response *r)
{
	size_t i;

	for (i = 0; i < r->n_headers; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	r->headers = NULL;
	r->n_headers = 0;
}

void bw_http_response_release(struct bw_http_response *r)
{
	if (!r)
		return;
	response_clear_headers(r);
	/* Bodies may hold secret values (GetSecretValue, AssumeRole). */
	bw_buf_release_secure(&r->body);
	r->status = 0;
}

const char *bw_http_response_header(const struct bw_http_response *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_headers; i++)
		if (!strcasecmp(r->headers[i].name, name))
			return r->headers[i].value;
	return NULL;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct http_xfer *x = ctx;
	size_t len = size * n;
	int rc = bw_buf_add(&x->resp->body, data, len);

	if (rc == BW_ERR_TOOBIG)
		x->too_big = 1;
	else if (rc)
		x->nomem = 1;
	return rc ? 0 : len;	/* a short count makes curl abort */
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	struct http_xfer *x = ctx;
	struct bw_http_response *r = x->resp;
	size_t len = size * n, nl, vl, i;
	const char *colon, *v;
	struct bw_http_header *grown;

	/* A new status line (after 100 Continue, say) starts a new header set. */
	if (len >= 5 && !memcmp(data, "HTTP/", 5)) {
		response_clear_headers(r);
		return len;
	}
	colon = memchr(data, ':', len);
	if (!colon)
		return len;
	nl = (size_t)(colon - data);
	v = colon + 1;
	vl = len - nl - 1;
	while (vl && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' ' ||
		      v[vl - 1] == '\t'))
		vl--;
	if (r->n_headers >= 256)	/* a hostile server gets no more */
		return len;
	grown = realloc(r->headers, (r->n_headers + 1) * sizeof(*grown));
	if (!grown)
		goto nomem;
	r->headers = grown;
	grown[r->n_headers].name = malloc(nl + 1);
	grown[r->n_headers].value = malloc(vl + 1);
	if (!grown[r->n_headers].name || !grown[r->n_headers].value) {
		free(grown[r->n_headers].name);
		free(grown[r->n_headers].value);
		goto nomem;
	}
	for (i = 0; i < nl; i++)
		grown[r->n_headers].name[i] = (char)tolower((unsigned char)data[i]);
	grown[r->n_headers].name[nl] = '\0';
	memcpy(grown[r->n_headers].value, v, vl);
	grown[r->n_headers].value[vl] = '\0';
	r->n_headers++;
	return len;
nomem:
	x->nomem = 1;
	return 0;
}

static CURL *pool_get(struct bw_http *h)
{
	CURL *c = NULL;

	pthread_mutex_lock(&h->lock);
	if (h->n_pool)
		c = h->pool[--h->n_pool];
	pthread_mutex_unlock(&h->lock);
	if (c)
		curl_easy_reset(c);	/* keeps live connections and caches */
	else
		c = curl_easy_init();
	return c;
}

static void pool_put(struct bw_http *h, CURL *c)
{
	pthread_mutex_lock(&h->lock);
	if (h->n_pool < HTTP_POOL_MAX) {
		h->pool[h->n_pool++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&h->lock);
	if (c)
		curl_easy_cleanup(c);
}

int bw_http_perform(struct bw_http *h, const struct bw_http_request *req,
		    struct bw_http_response *resp, struct bw_error *err)
{
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *list = NULL, *tmp;
	struct http_xfer x = { resp, 0, 0 };
	struct bw_buf line = BW_BUF_INIT;
	const char *method = req->method ? req->method : "GET";
	long timeout = req->timeout_ms > 0 ? req->timeout_ms : h->timeout_ms;
	CURLcode cc;
	CURL *c;
	size_t i;
	int rc = 0;

	bw_http_response_release(resp);
	resp->body.max = h->max_response;
	c = pool_get(h);
	if (!c)
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	errbuf[0] = '\0';
	for (i = 0; i < req->n_headers; i++) {
		bw_buf_reset(&line);
		if (bw_buf_addf(&line, "%s: %s", req->headers[i].name, req->headers[i].value))
			goto nomem;
		tmp = curl_slist_append(list, line.ptr);
		if (!tmp)
			goto nomem;
		list = tmp;
	}
	/* curl would otherwise wait for "100 Continue" before big bodies. */
	tmp = curl_slist_append(list, "Expect:");
	if (!tmp)
		goto nomem;
	list = tmp;

	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->ca_bundle)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_bundle);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	if (h->noproxy)
		curl_easy_setopt(c, CURLOPT_NOPROXY, h->noproxy);
	curl_easy_setopt(c, CURLOPT_SHARE, h->share);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
	if (!strcmp(method, "GET")) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(method, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body_len ? req->body : "");
		if (strcmp(method, "POST"))
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}

	cc = curl_easy_perform(c);
	if (x.too_big) {
		rc = bw_error_set(err, BW_ERR_TOOBIG,
				  "response from '%s' is larger than %zu bytes", req->url,
				  h->max_response);
		goto out;
	}
	if (x.nomem)
		goto nomem;
	if (cc != CURLE_OK) {
		size_t l;

		/* curl's messages end with a newline now and then */
		l = strlen(errbuf);
		while (l && (errbuf[l - 1] == '\n' || errbuf[l - 1] == '.'))
			errbuf[--l] = '\0';
		rc = bw_error_set(err, BW_ERR_HTTP, "cannot reach '%s': %s%s", req->url,
				  errbuf[0] ? errbuf : curl_easy_strerror(cc),
				  cc == CURLE_PEER_FAILED_VERIFICATION ?
				  "; to trust a private CA, set AWS_CA_BUNDLE or ca_bundle in the profile" :
				  cc == CURLE_SSL_CACERT_BADFILE ?
				  "; check the file AWS_CA_BUNDLE or ca_bundle names" : "");
		if (err)
			err->curl_code = (int)cc;
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
out:
	/* The handle must not keep pointers into this call's memory. */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
	pool_put(h, c);
	/* Header lines (and curl's copies of them) may carry a session token. */
	for (struct curl_slist *l = list; l; l = l->next)
		OPENSSL_cleanse(l->data, strlen(l->data));
	curl_slist_free_all(list);
	bw_buf_release_secure(&line);
	if (rc) {
		response_clear_headers(resp);
		bw_buf_release_secure(&resp->body);
	}
	return rc;
nomem:
	rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	goto out;
}

/*
 * Split url with curl's own parser.  Returns 0 and fills scheme/host
 * (lowercase scheme, host as curl gives it: IPv6 in brackets), or -1.
 */
struct url_parts {
	char *scheme, *host, *user, *password, *query, *fragment;
};

static void url_parts_free(struct url_parts *p)
{
	curl_free(p->scheme);
	curl_free(p->host);
	curl_free(p->user);
	curl_free(p->password);
	curl_free(p->query);
	curl_free(p->fragment);
	memset(p, 0, sizeof(*p));
}

static int url_split(struct url_parts *p, const char *url)
{
	CURLU *u;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	if (!url)
		return -1;
	pthread_once(&curl_once, curl_init);
	u = curl_url();
	if (!u)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &p->scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &p->host, 0) != CURLUE_OK)
		goto out;
	curl_url_get(u, CURLUPART_USER, &p->user, 0);
	curl_url_get(u, CURLUPART_PASSWORD, &p->password, 0);
	curl_url_get(u, CURLUPART_QUERY, &p->query, 0);
	curl_url_get(u, CURLUPART_FRAGMENT, &p->fragment, 0);
	rc = 0;
out:
	curl_url_cleanup(u);
	if (rc)
		url_parts_free(p);
	return rc;
}

static bool host_is_loopback(const char *host)
{
	unsigned char a[16];
	char buf[64];
	size_t n = strlen(host);

	if (!strcasecmp(host, "localhost"))
		return true;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	if (n > 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(buf)) {
		static const unsigned char one[16] = { [15] = 1 };

		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		if (inet_pton(AF_INET6, buf, a) == 1)
			return !memcmp(a, one, 16);
	}
	return false;
}

bool bw_url_is_loopback(const char *url)
{
	struct url_parts p;
	bool yes;

	if (url_split(&p, url))
		return false;
	yes = host_is_loopback(p.host);
	url_parts_free(&p);
	return yes;
}

int bw_url_check(const char *url, struct bw_error *err)
{
	struct url_parts p;
	int rc = 0;

	if (!url || !*url)
		return bw_error_set(err, BW_ERR_INVALID,
				    "empty endpoint URL: give a URL such as 'https://iam.amazonaws.com'");
	if (url_split(&p, url))
		return bw_error_set(err, BW_ERR_INVALID,
				    "cannot parse the endpoint URL (not shown: it may hold a "
				    "password): give a URL such as 'https://host[:port]'");
	/* Never echo the URL here: it may carry a password. */
	if (p.user || p.password) {
		rc = bw_error_set(err, BW_ERR_INVALID,
				  "endpoint URL for host '%s' contains a user name or password: remove the 'user@' part",
				  p.host);
	} else if (strcmp(p.scheme, "https") && strcmp(p.scheme, "http")) {
		rc = bw_error_set(err, BW_ERR_INVALID,
				  "endpoint URL '%s' uses scheme '%s': only https (or http to a loopback address) is allowed",
				  url, p.scheme);
	} else if (p.query || p.fragment) {
		rc = bw_error_set(err, BW_ERR_INVALID,
				  "endpoint URL '%s' has a query or fragment: remove everything from '?' or '#'",
				  url);
	} else if (!strcmp(p.scheme, "http") && !host_is_loopback(p.host)) {
		rc = bw_error_set(err, BW_ERR_INVALID,
				  "refusing plain http endpoint '%s': credentials and secrets would cross the network unencrypted; use https, or http only to 127.0.0.1, ::1 or localhost",
				  url);
	}
	url_parts_free(&p);
	return rc;
}
