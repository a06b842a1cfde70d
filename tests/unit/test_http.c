/*
 * test_http.c - the libcurl transport against httpstub: status, headers
 * and bodies both ways, the body cap, timeouts, a dropped connection,
 * no redirects, connection reuse across calls and threads, and the URL
 * policy (plain http only to loopback, no userinfo, http(s) only).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "bulwark/http.h"
#include "support/httpstub.h"

struct fx {
	struct httpstub *stub;
	struct bw_http *http;
	char url[128];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct bw_http_opts o = { 2000, 5000, 4096, NULL };

	assert_int_equal(httpstub_start(&f->stub), 0);
	assert_int_equal(bw_http_new(&f->http, &o, NULL), 0);
	snprintf(f->url, sizeof(f->url), "%s/p?x=1", httpstub_url(f->stub));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	bw_http_free(f->http);
	httpstub_stop(f->stub);
	free(f);
	return 0;
}

static int post(struct fx *f, const char *body, struct bw_http_response *resp,
		struct bw_error *err)
{
	struct bw_header h[] = { { "X-Test", "yes" }, { "Content-Type", "text/plain" } };
	struct bw_http_request req = { "POST", f->url, h, 2, body, body ? strlen(body) : 0, 0 };

	memset(err, 0, sizeof(*err));
	return bw_http_perform(f->http, &req, resp, err);
}

static void test_roundtrip(void **state)
{
	struct fx *f = *state;
	struct bw_http_response resp;
	struct bw_error err;
	const struct httpstub_request *rq;

	bw_http_response_init(&resp);
	httpstub_respond(f->stub, 201, "X-Amzn-RequestId: rid-1\nX-Two:  spaced value  ",
			 "hello");
	assert_int_equal(post(f, "a=1&b=2", &resp, &err), 0);
	assert_int_equal(resp.status, 201);
	assert_int_equal(resp.body.len, 5);
	assert_string_equal(resp.body.ptr, "hello");
	assert_string_equal(bw_http_response_header(&resp, "x-amzn-requestid"), "rid-1");
	assert_string_equal(bw_http_response_header(&resp, "X-AMZN-REQUESTID"), "rid-1");
	assert_string_equal(bw_http_response_header(&resp, "x-two"), "spaced value");
	assert_null(bw_http_response_header(&resp, "x-none"));
	/* names are stored lowercase */
	for (size_t i = 0; i < resp.n_headers; i++)
		for (const char *p = resp.headers[i].name; *p; p++)
			assert_false(*p >= 'A' && *p <= 'Z');

	rq = httpstub_request(f->stub, 0);
	assert_non_null(rq);
	assert_string_equal(rq->method, "POST");
	assert_string_equal(rq->path, "/p?x=1");
	assert_string_equal(rq->body, "a=1&b=2");
	assert_string_equal(httpstub_header(rq, "x-test"), "yes");
	assert_string_equal(httpstub_header(rq, "content-type"), "text/plain");
	assert_null(httpstub_header(rq, "expect"));

	/* an error status is still a response */
	httpstub_respond(f->stub, 503, NULL, "busy");
	assert_int_equal(post(f, NULL, &resp, &err), 0);
	assert_int_equal(resp.status, 503);
	assert_string_equal(resp.body.ptr, "busy");
	assert_int_equal(httpstub_request(f->stub, 1)->body_len, 0);

	/* GET has no body; PUT sends one */
	{
		struct bw_http_request g = { "GET", f->url, NULL, 0, NULL, 0, 0 };
		struct bw_http_request p = { "PUT", f->url, NULL, 0, "tok", 3, 0 };

		httpstub_respond(f->stub, 200, NULL, "g");
		httpstub_respond(f->stub, 200, NULL, "p");
		assert_int_equal(bw_http_perform(f->http, &g, &resp, &err), 0);
		assert_string_equal(resp.body.ptr, "g");
		assert_int_equal(bw_http_perform(f->http, &p, &resp, &err), 0);
		assert_string_equal(resp.body.ptr, "p");
		assert_string_equal(httpstub_request(f->stub, 2)->method, "GET");
		assert_string_equal(httpstub_request(f->stub, 3)->method, "PUT");
		assert_string_equal(httpstub_request(f->stub, 3)->body, "tok");
	}
	bw_http_response_release(&resp);
}

static void test_big_request_body(void **state)
{
	struct fx *f = *state;
	struct bw_http_response resp;
	struct bw_error err;
	size_t n = 300000;
	char *big = malloc(n + 1);

	memset(big, 'x', n);
	big[n] = '\0';
	bw_http_response_init(&resp);
	httpstub_respond(f->stub, 200, NULL, "ok");
	assert_int_equal(post(f, big, &resp, &err), 0);
	assert_int_equal(httpstub_request(f->stub, 0)->body_len, n);
	assert_null(httpstub_header(httpstub_request(f->stub, 0), "expect"));
	free(big);
	bw_http_response_release(&resp);
}

static void test_cap(void **state)
{
	struct fx *f = *state;
	struct bw_http_response resp;
	struct bw_error err;
	char *big = malloc(10001);

	memset(big, 'y', 10000);
	big[10000] = '\0';
	bw_http_response_init(&resp);
	httpstub_respond(f->stub, 200, NULL, big);
	assert_int_equal(post(f, "x", &resp, &err), BW_ERR_TOOBIG);
	assert_int_equal(err.code, BW_ERR_TOOBIG);
	assert_non_null(strstr(err.message, "4096"));
	assert_int_equal(resp.body.len, 0);
	/* exactly at the cap is fine */
	big[4096] = '\0';
	httpstub_respond(f->stub, 200, NULL, big);
	assert_int_equal(post(f, "x", &resp, &err), 0);
	assert_int_equal(resp.body.len, 4096);
	free(big);
	bw_http_response_release(&resp);
}

static void test_timeout_and_drop(void **state)
{
	struct fx *f = *state;
	struct bw_http_response resp;
	struct bw_error err;
	struct bw_http_request req = { "POST", f->url, NULL, 0, "x", 1, 200 };

	bw_http_response_init(&resp);
	httpstub_respond_delay(f->stub, 1500, 200, NULL, "late");
	memset(&err, 0, sizeof(err));
	assert_int_equal(bw_http_perform(f->http, &req, &resp, &err), BW_ERR_HTTP);
	assert_int_equal(err.curl_code, CURLE_OPERATION_TIMEDOUT);
	assert_non_null(strstr(err.message, f->url));

	httpstub_close_next(f->stub);
	assert_int_equal(post(f, "x", &resp, &err), BW_ERR_HTTP);
	assert_int_equal(err.curl_code, CURLE_GOT_NOTHING);

	/* the pool recovers: the next call works */
	httpstub_respond(f->stub, 200, NULL, "fine");
	assert_int_equal(post(f, "x", &resp, &err), 0);
	assert_string_equal(resp.body.ptr, "fine");
	bw_http_response_release(&resp);
}

static void test_connect_refused(void **state)
{
	struct fx *f = *state;
	struct bw_http_response resp;
	struct bw_error err = { 0 };
	struct httpstub *tmp;
	char url[64];
	struct bw_http_request req = { "POST", url, NULL, 0, NULL, 0, 0 };

	/* a port that was just free */
	assert_int_equal(httpstub_start(&tmp), 0);
	snprintf(url, sizeof(url), "%s/", httpstub_url(tmp));
	httpstub_stop(tmp);
	bw_http_response_init(&resp);
	assert_int_equal(bw_http_perform(f->http, &req, &resp, &err), BW_ERR_HTTP);
	assert_int_equal(err.curl_code, CURLE_COULDNT_CONNECT);
	bw_http_response_release(&resp);
}

static void test_no_redirects_no_other_schemes(void **state)
{
	struct fx *f = *state;
	struct bw_http_response resp;
	struct bw_error err = { 0 };
	struct bw_http_request ftp = { "GET", "ftp://127.0.0.1/x", NULL, 0, NULL, 0, 0 };
	struct bw_http_request file = { "GET", "file:///etc/passwd", NULL, 0, NULL, 0, 0 };
	char loc[200];

	bw_http_response_init(&resp);
	snprintf(loc, sizeof(loc), "Location: %s/elsewhere", httpstub_url(f->stub));
	httpstub_respond(f->stub, 302, loc, "");
	httpstub_respond(f->stub, 200, NULL, "should not be fetched");
	assert_int_equal(post(f, "x", &resp, &err), 0);
	assert_int_equal(resp.status, 302);
	assert_int_equal(httpstub_n_requests(f->stub), 1);

	assert_int_equal(bw_http_perform(f->http, &ftp, &resp, &err), BW_ERR_HTTP);
	assert_int_equal(err.curl_code, CURLE_UNSUPPORTED_PROTOCOL);
	assert_int_equal(bw_http_perform(f->http, &file, &resp, &err), BW_ERR_HTTP);
	assert_int_equal(err.curl_code, CURLE_UNSUPPORTED_PROTOCOL);
	bw_http_response_release(&resp);
}

static void test_reuse_sequential(void **state)
{
	struct fx *f = *state;
	struct bw_http_response resp;
	struct bw_error err;
	int i;

	bw_http_response_init(&resp);
	for (i = 0; i < 10; i++) {
		httpstub_respond(f->stub, 200, NULL, "ok");
		assert_int_equal(post(f, "x", &resp, &err), 0);
	}
	assert_int_equal(httpstub_n_requests(f->stub), 10);
	assert_int_equal(httpstub_connections(f->stub), 1);
	bw_http_response_release(&resp);
}

static void ok_handler(void *ctx, const struct httpstub_request *req,
		       struct httpstub_response *resp)
{
	(void)ctx;
	(void)req;
	resp->status = 200;
	resp->body = "ok";
}

struct worker {
	struct fx *f;
	int ok;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct bw_http_response resp;
	struct bw_error err;
	int i;

	bw_http_response_init(&resp);
	for (i = 0; i < 15; i++)
		if (!post(w->f, "x", &resp, &err) && resp.status == 200)
			w->ok++;
	bw_http_response_release(&resp);
	return NULL;
}

static void test_reuse_threads(void **state)
{
	struct fx *f = *state;
	struct worker w[4];
	pthread_t t[4];
	int i, total = 0;

	httpstub_set_handler(f->stub, ok_handler, NULL);
	for (i = 0; i < 4; i++) {
		w[i].f = f;
		w[i].ok = 0;
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += w[i].ok;
	}
	assert_int_equal(total, 60);
	assert_int_equal(httpstub_n_requests(f->stub), 60);
	/* at most one connection per concurrent thread, far fewer than calls */
	assert_true(httpstub_connections(f->stub) <= 4);
	/* and later calls from this thread reuse one of them */
	{
		unsigned before = httpstub_connections(f->stub);
		struct bw_http_response resp;
		struct bw_error err;

		bw_http_response_init(&resp);
		assert_int_equal(post(f, "x", &resp, &err), 0);
		assert_int_equal(httpstub_connections(f->stub), before);
		bw_http_response_release(&resp);
	}
}

static void test_loopback_bypasses_proxy(void **state)
{
	struct fx *f = *state;
	struct bw_http *h = NULL;
	struct bw_http_response resp;
	struct bw_error err = { 0 };
	struct bw_http_request req = { "GET", f->url, NULL, 0, NULL, 0, 0 };

	/* a proxy that does not exist: loopback traffic must not go there */
	setenv("http_proxy", "http://127.0.0.1:9", 1);
	setenv("NO_PROXY", "corp.example.com", 1);
	assert_int_equal(bw_http_new(&h, NULL, NULL), 0);
	bw_http_response_init(&resp);
	httpstub_respond(f->stub, 200, NULL, "direct");
	assert_int_equal(bw_http_perform(h, &req, &resp, &err), 0);
	assert_string_equal(resp.body.ptr, "direct");
	bw_http_response_release(&resp);
	bw_http_free(h);
	unsetenv("http_proxy");
	unsetenv("NO_PROXY");
}

static void test_tls_settings(void **state)
{
	struct fx *f = *state;
	struct bw_http_opts o = { 2000, 5000, 0, "/nonexistent/ca.pem" };
	struct bw_http *h = NULL;
	struct bw_http_response resp;
	struct bw_error err = { 0 };
	char url[128];
	struct bw_http_request req = { "GET", url, NULL, 0, NULL, 0, 0 };

	/* https to a plain-http server never gets an answer, nor a fallback */
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/", httpstub_port(f->stub));
	req.timeout_ms = 500;
	bw_http_response_init(&resp);
	assert_int_equal(bw_http_perform(f->http, &req, &resp, &err), BW_ERR_HTTP);
	assert_true(err.curl_code == CURLE_SSL_CONNECT_ERROR ||
		    err.curl_code == CURLE_OPERATION_TIMEDOUT);
	assert_int_equal(resp.status, 0);
	/* the CA bundle named is the one used: a missing file is an error */
	assert_int_equal(bw_http_new(&h, &o, NULL), 0);
	memset(&err, 0, sizeof(err));
	assert_int_equal(bw_http_perform(h, &req, &resp, &err), BW_ERR_HTTP);
	assert_int_equal(err.curl_code, CURLE_SSL_CACERT_BADFILE);
	assert_non_null(strstr(err.message, "AWS_CA_BUNDLE"));
	bw_http_free(h);
	bw_http_response_release(&resp);
}

static void test_url_policy(void **state)
{
	static const char *const good[] = {
		"https://iam.amazonaws.com",
		"https://organizations.us-east-1.amazonaws.com/",
		"https://example.com:8443/some/path",
		"http://127.0.0.1:5000",
		"http://127.1.2.3",
		"http://localhost:4566",
		"http://LOCALHOST",
		"http://[::1]:5000/",
	};
	static const char *const bad[] = {
		"http://example.com",
		"http://10.0.0.1:5000",
		"http://128.0.0.1",
		"http://[::2]:80",
		"http://localhost.evil.com",
		"http://127.0.0.1.nip.io",
		"ftp://127.0.0.1/",
		"file:///etc/passwd",
		"gopher://localhost",
		"https://user:pw@iam.amazonaws.com",
		"https://user@iam.amazonaws.com",
		"https://iam.amazonaws.com/?x=1",
		"https://iam.amazonaws.com/#frag",
		"iam.amazonaws.com",
		"",
		"http://",
	};
	struct bw_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (bw_url_check(good[i], &err))
			fail_msg("'%s' refused: %s", good[i], err.message);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (bw_url_check(bad[i], &err) != BW_ERR_INVALID)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(err.code, BW_ERR_INVALID);
	}
	assert_int_equal(bw_url_check(NULL, &err), BW_ERR_INVALID);
	memset(&err, 0, sizeof(err));
	assert_int_equal(bw_url_check("http://example.com:80/x", &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, "'http://example.com:80/x'"));
	assert_non_null(strstr(err.message, "use https"));
	/* a password is never echoed */
	assert_int_equal(bw_url_check("https://u:hunter2@example.com", &err), BW_ERR_INVALID);
	assert_null(strstr(err.message, "hunter2"));

	assert_true(bw_url_is_loopback("http://127.0.0.1:1"));
	assert_true(bw_url_is_loopback("https://localhost"));
	assert_true(bw_url_is_loopback("http://[::1]/"));
	assert_false(bw_url_is_loopback("http://example.com"));
	assert_false(bw_url_is_loopback("not a url"));
	assert_false(bw_url_is_loopback(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_request_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_and_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_redirects_no_other_schemes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reuse_sequential, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reuse_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback_bypasses_proxy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_settings, setup, teardown),
		cmocka_unit_test(test_url_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
