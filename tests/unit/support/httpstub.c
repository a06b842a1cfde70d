/*
 * httpstub.c - the scripted HTTP/1.1 server of the unit tests.  An accept
 * thread hands each connection to its own thread, which reads requests
 * (Content-Length framing, Expect: 100-continue answered) and writes the
 * next scripted response.  It parses just enough HTTP for our own client;
 * it is not a general server.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "httpstub.h"

#define STUB_MAX_HEAD (64 * 1024)
#define STUB_MAX_BODY (64 * 1024 * 1024)

struct stub_resp {
	struct stub_resp *next;
	int status;
	char *headers;
	char *body;
	size_t body_len;
	long delay_ms;
	int close;
};

struct stub_conn {
	struct httpstub *s;
	pthread_t thread;
	int fd;
	unsigned id;
};

struct httpstub {
	int lfd;
	int port;
	char url[64];
	pthread_t accept_thread;
	pthread_mutex_t lock;
	volatile int stopping;

	struct stub_resp *head, *tail;
	httpstub_handler handler;
	void *handler_ctx;

	struct httpstub_request **reqs;
	size_t n_reqs, cap_reqs;

	struct stub_conn **conns;
	size_t n_conns, cap_conns;
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static int stopping(struct httpstub *s)
{
	int v;

	pthread_mutex_lock(&s->lock);
	v = s->stopping;
	pthread_mutex_unlock(&s->lock);
	return v;
}

/* Sleep ms in small steps so httpstub_stop is never held up for long. */
static void stub_sleep(struct httpstub *s, long ms)
{
	while (ms > 0 && !stopping(s)) {
		long step = ms < 20 ? ms : 20;
		struct timespec ts = { 0, step * 1000000L };

		nanosleep(&ts, NULL);
		ms -= step;
	}
}

static void free_request(struct httpstub_request *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n_headers; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	free(r->headers);
	free(r->method);
	free(r->path);
	free(r->body);
	free(r);
}

static void free_resp(struct stub_resp *r)
{
	if (!r)
		return;
	free(r->headers);
	free(r->body);
	free(r);
}

const char *httpstub_header(const struct httpstub_request *req, const char *name)
{
	size_t i;

	for (i = 0; req && i < req->n_headers; i++)
		if (!strcasecmp(req->headers[i].name, name))
			return req->headers[i].value;
	return NULL;
}

/*
 * Read into *buf until it holds a complete header block; returns the
 * offset just past "\r\n\r\n", 0 on a clean close before any byte, -1 on
 * error or stop.
 */
static long read_head(struct httpstub *s, int fd, char **buf, size_t *len, size_t *cap)
{
	for (;;) {
		char *end;
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;
		int pr;

		if (*len >= 4) {
			end = memmem(*buf, *len, "\r\n\r\n", 4);
			if (end)
				return (long)(end - *buf) + 4;
		}
		if (*len >= STUB_MAX_HEAD)
			return -1;
		pr = poll(&p, 1, 50);
		if (stopping(s))
			return -1;
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		if (*cap - *len < 4096) {
			*cap = *cap * 2 + 4096;
			*buf = xrealloc(*buf, *cap);
		}
		n = recv(fd, *buf + *len, *cap - *len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return *len == 0 && n == 0 ? 0 : -1;
		*len += (size_t)n;
	}
}

static int read_more(struct httpstub *s, int fd, char **buf, size_t *len, size_t *cap,
		     size_t want)
{
	while (*len < want) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;
		int pr;

		pr = poll(&p, 1, 50);
		if (stopping(s))
			return -1;
		if (pr <= 0)
			continue;
		if (*cap < want + 1) {
			*cap = want + 1;
			*buf = xrealloc(*buf, *cap);
		}
		n = recv(fd, *buf + *len, *cap - *len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		*len += (size_t)n;
	}
	return 0;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static char *trim(char *b, char *e)
{
	while (b < e && (*b == ' ' || *b == '\t'))
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	return xstrndup(b, (size_t)(e - b));
}

/* Parse the head in buf[0..head_len) into a new request; NULL if malformed. */
static struct httpstub_request *parse_head(const char *buf, size_t head_len)
{
	struct httpstub_request *r = calloc(1, sizeof(*r));
	const char *p = buf, *end = buf + head_len - 2, *eol, *sp1, *sp2;

	if (!r)
		abort();
	eol = memmem(p, (size_t)(end - p), "\r\n", 2);
	if (!eol)
		goto bad;
	sp1 = memchr(p, ' ', (size_t)(eol - p));
	if (!sp1)
		goto bad;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (!sp2)
		goto bad;
	r->method = xstrndup(p, (size_t)(sp1 - p));
	r->path = xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	p = eol + 2;
	while (p < end) {
		const char *colon;

		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (!eol)
			eol = end;
		if (eol == p)
			break;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon)
			goto bad;
		r->headers = xrealloc(r->headers, (r->n_headers + 1) * sizeof(*r->headers));
		r->headers[r->n_headers].name = xstrndup(p, (size_t)(colon - p));
		r->headers[r->n_headers].value = trim((char *)colon + 1, (char *)eol);
		r->n_headers++;
		p = eol + 2;
	}
	return r;
bad:
	free_request(r);
	return NULL;
}

static struct stub_resp *next_response(struct httpstub *s, const struct httpstub_request *req)
{
	struct stub_resp *r;
	struct httpstub_response h;
	httpstub_handler fn;
	void *ctx;

	pthread_mutex_lock(&s->lock);
	r = s->head;
	if (r) {
		s->head = r->next;
		if (!s->head)
			s->tail = NULL;
	}
	fn = s->handler;
	ctx = s->handler_ctx;
	pthread_mutex_unlock(&s->lock);
	if (r)
		return r;
	r = calloc(1, sizeof(*r));
	if (!r)
		abort();
	if (fn) {
		memset(&h, 0, sizeof(h));
		h.status = 200;
		fn(ctx, req, &h);
		r->status = h.status;
		r->headers = h.headers ? strdup(h.headers) : NULL;
		r->body_len = h.body ? (h.body_len ? h.body_len : strlen(h.body)) : 0;
		r->body = xstrndup(h.body ? h.body : "", r->body_len);
		r->delay_ms = h.delay_ms;
		r->close = h.close;
		return r;
	}
	r->status = 500;
	r->body = xstrndup("httpstub: no response queued", 28);
	r->body_len = 28;
	return r;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	}
	return "Status";
}

/* Write r; returns 1 to keep the connection, 0 to close it. */
static int write_response(int fd, const struct stub_resp *r)
{
	char *out, line[128];
	size_t len = 0, cap;
	int keep = 1, has_len = 0, n;
	const char *p;

	cap = 256 + (r->headers ? strlen(r->headers) * 2 : 0) + r->body_len;
	out = xmalloc(cap);
	n = snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\n", r->status, reason(r->status));
	memcpy(out + len, line, (size_t)n);
	len += (size_t)n;
	for (p = r->headers; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t l = eol ? (size_t)(eol - p) : strlen(p);

		if (l && p[l - 1] == '\r')
			l--;
		if (l) {
			if (!strncasecmp(p, "content-length:", 15))
				has_len = 1;
			if (!strncasecmp(p, "connection:", 11) && memmem(p, l, "close", 5))
				keep = 0;
			memcpy(out + len, p, l);
			len += l;
			memcpy(out + len, "\r\n", 2);
			len += 2;
		}
		p = eol ? eol + 1 : p + strlen(p);
	}
	if (!has_len) {
		n = snprintf(line, sizeof(line), "Content-Length: %zu\r\n", r->body_len);
		memcpy(out + len, line, (size_t)n);
		len += (size_t)n;
	}
	memcpy(out + len, "\r\n", 2);
	len += 2;
	if (r->body_len)
		memcpy(out + len, r->body, r->body_len);
	len += r->body_len;
	if (send_all(fd, out, len))
		keep = 0;
	free(out);
	return keep;
}

static void record(struct httpstub *s, struct httpstub_request *req)
{
	pthread_mutex_lock(&s->lock);
	if (s->n_reqs == s->cap_reqs) {
		s->cap_reqs = s->cap_reqs ? s->cap_reqs * 2 : 16;
		s->reqs = xrealloc(s->reqs, s->cap_reqs * sizeof(*s->reqs));
	}
	s->reqs[s->n_reqs++] = req;
	pthread_mutex_unlock(&s->lock);
}

static void *conn_main(void *arg)
{
	struct stub_conn *c = arg;
	struct httpstub *s = c->s;
	size_t len = 0, cap = 8192;
	char *buf = xmalloc(cap);

	for (;;) {
		struct httpstub_request *req;
		struct stub_resp *resp;
		const char *cl, *ex;
		size_t body_len = 0;
		long head;
		int keep;

		head = read_head(s, c->fd, &buf, &len, &cap);
		if (head <= 0)
			break;
		req = parse_head(buf, (size_t)head);
		if (!req)
			break;
		req->conn = c->id;
		cl = httpstub_header(req, "content-length");
		if (cl) {
			char *e;
			unsigned long long v = strtoull(cl, &e, 10);

			if (*e || v > STUB_MAX_BODY) {
				free_request(req);
				break;
			}
			body_len = (size_t)v;
		}
		ex = httpstub_header(req, "expect");
		if (ex && !strcasecmp(ex, "100-continue") && len - (size_t)head < body_len &&
		    send_all(c->fd, "HTTP/1.1 100 Continue\r\n\r\n", 25)) {
			free_request(req);
			break;
		}
		if (read_more(s, c->fd, &buf, &len, &cap, (size_t)head + body_len)) {
			free_request(req);
			break;
		}
		req->body = xstrndup(buf + head, body_len);
		req->body_len = body_len;
		memmove(buf, buf + head + body_len, len - (size_t)head - body_len);
		len -= (size_t)head + body_len;

		resp = next_response(s, req);
		record(s, req);
		if (resp->delay_ms)
			stub_sleep(s, resp->delay_ms);
		keep = !resp->close && !stopping(s) && write_response(c->fd, resp);
		free_resp(resp);
		if (!keep)
			break;
	}
	free(buf);
	shutdown(c->fd, SHUT_RDWR);
	return NULL;
}

static void *accept_main(void *arg)
{
	struct httpstub *s = arg;

	while (!stopping(s)) {
		struct pollfd p = { s->lfd, POLLIN, 0 };
		struct stub_conn *c;
		int fd;

		if (poll(&p, 1, 50) <= 0)
			continue;
		fd = accept(s->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		c = calloc(1, sizeof(*c));
		if (!c)
			abort();
		c->s = s;
		c->fd = fd;
		pthread_mutex_lock(&s->lock);
		if (s->n_conns == s->cap_conns) {
			s->cap_conns = s->cap_conns ? s->cap_conns * 2 : 8;
			s->conns = xrealloc(s->conns, s->cap_conns * sizeof(*s->conns));
		}
		s->conns[s->n_conns++] = c;
		c->id = (unsigned)s->n_conns;
		if (pthread_create(&c->thread, NULL, conn_main, c)) {
			s->n_conns--;
			close(fd);
			free(c);
		}
		pthread_mutex_unlock(&s->lock);
	}
	return NULL;
}

int httpstub_start(struct httpstub **out)
{
	struct httpstub *s = calloc(1, sizeof(*s));
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int one = 1, e;

	*out = NULL;
	if (!s)
		return -1;
	pthread_mutex_init(&s->lock, NULL);
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		goto fail;
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	if (bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) || listen(s->lfd, 64) ||
	    getsockname(s->lfd, (struct sockaddr *)&a, &alen))
		goto fail;
	s->port = ntohs(a.sin_port);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", s->port);
	if (pthread_create(&s->accept_thread, NULL, accept_main, s))
		goto fail;
	*out = s;
	return 0;
fail:
	e = errno;
	if (s->lfd >= 0)
		close(s->lfd);
	pthread_mutex_destroy(&s->lock);
	free(s);
	errno = e;
	return -1;
}

void httpstub_stop(struct httpstub *s)
{
	size_t i;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->accept_thread, NULL);
	/* No new connection can appear now: the accept thread is gone. */
	for (i = 0; i < s->n_conns; i++) {
		shutdown(s->conns[i]->fd, SHUT_RDWR);
		pthread_join(s->conns[i]->thread, NULL);
		close(s->conns[i]->fd);
		free(s->conns[i]);
	}
	free(s->conns);
	close(s->lfd);
	httpstub_clear(s);
	free(s->reqs);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

const char *httpstub_url(const struct httpstub *s)
{
	return s->url;
}

int httpstub_port(const struct httpstub *s)
{
	return s->port;
}

void httpstub_push(struct httpstub *s, const struct httpstub_response *resp)
{
	struct stub_resp *r = calloc(1, sizeof(*r));

	if (!r)
		abort();
	r->status = resp->status;
	r->headers = resp->headers ? strdup(resp->headers) : NULL;
	r->body_len = resp->body ? (resp->body_len ? resp->body_len : strlen(resp->body)) : 0;
	r->body = xstrndup(resp->body ? resp->body : "", r->body_len);
	r->delay_ms = resp->delay_ms;
	r->close = resp->close;
	pthread_mutex_lock(&s->lock);
	if (s->tail)
		s->tail->next = r;
	else
		s->head = r;
	s->tail = r;
	pthread_mutex_unlock(&s->lock);
}

void httpstub_respond(struct httpstub *s, int status, const char *headers, const char *body)
{
	httpstub_respond_delay(s, 0, status, headers, body);
}

void httpstub_respond_delay(struct httpstub *s, long delay_ms, int status,
			    const char *headers, const char *body)
{
	struct httpstub_response r = { status, headers, body, 0, delay_ms, 0 };

	httpstub_push(s, &r);
}

void httpstub_close_next(struct httpstub *s)
{
	struct httpstub_response r = { 0, NULL, NULL, 0, 0, 1 };

	httpstub_push(s, &r);
}

void httpstub_set_handler(struct httpstub *s, httpstub_handler fn, void *ctx)
{
	pthread_mutex_lock(&s->lock);
	s->handler = fn;
	s->handler_ctx = ctx;
	pthread_mutex_unlock(&s->lock);
}

size_t httpstub_pending(struct httpstub *s)
{
	struct stub_resp *r;
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	for (r = s->head; r; r = r->next)
		n++;
	pthread_mutex_unlock(&s->lock);
	return n;
}

size_t httpstub_n_requests(struct httpstub *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->n_reqs;
	pthread_mutex_unlock(&s->lock);
	return n;
}

unsigned httpstub_connections(struct httpstub *s)
{
	unsigned n;

	pthread_mutex_lock(&s->lock);
	n = (unsigned)s->n_conns;
	pthread_mutex_unlock(&s->lock);
	return n;
}

const struct httpstub_request *httpstub_request(struct httpstub *s, size_t i)
{
	const struct httpstub_request *r = NULL;

	pthread_mutex_lock(&s->lock);
	if (i < s->n_reqs)
		r = s->reqs[i];
	pthread_mutex_unlock(&s->lock);
	return r;
}

void httpstub_clear(struct httpstub *s)
{
	struct stub_resp *r, *next;
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->n_reqs; i++)
		free_request(s->reqs[i]);
	s->n_reqs = 0;
	for (r = s->head; r; r = next) {
		next = r->next;
		free_resp(r);
	}
	s->head = s->tail = NULL;
	pthread_mutex_unlock(&s->lock);
}
