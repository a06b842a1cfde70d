/*
 * sim.c - run the AWS simulator (tests/sim/run) for C tests.
 *
 * Forks and execs the server with --port-file in a private temporary
 * directory, waits for the port, reads the strict-mode credentials, and
 * stops it with SIGTERM and waitpid.  The control endpoint is reached with
 * libcurl and the request log read with jansson; everything else (what the
 * server simulates) lives in tests/sim/.
 */
#include "sim.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#define SIM_MAX_ARGS 64

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	return close(fd);
}

static void show_file(const char *dir, const char *name)
{
	char path[320], buf[512];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(f);
}

static int read_port(const char *path)
{
	char buf[16] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	long port;
	char *end;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	port = strtol(buf, &end, 10);
	if (end == buf || port <= 0 || port > 65535)
		return 0;
	return (int)port;
}

/* Copy the value of a NAME='value' line from the creds file into dst. */
static void creds_value(const char *text, const char *name, char *dst, size_t cap)
{
	size_t nlen = strlen(name);
	const char *p = text;

	while (p && *p) {
		if (strncmp(p, name, nlen) == 0 && p[nlen] == '=' && p[nlen + 1] == '\'') {
			const char *v = p + nlen + 2;
			const char *q = strchr(v, '\'');
			size_t len = q ? (size_t)(q - v) : 0;

			if (q && len < cap) {
				memcpy(dst, v, len);
				dst[len] = '\0';
			}
			return;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
}

static int read_creds(struct bw_sim *sim)
{
	char path[320], text[2048];
	ssize_t n, total = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/creds", sim->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((n = read(fd, text + total, sizeof(text) - 1 - (size_t)total)) > 0)
		total += n;
	close(fd);
	text[total] = '\0';
	creds_value(text, "AWS_ACCESS_KEY_ID", sim->access_key_id, sizeof(sim->access_key_id));
	creds_value(text, "AWS_SECRET_ACCESS_KEY", sim->secret_access_key,
		    sizeof(sim->secret_access_key));
	creds_value(text, "SIM_NOPERM_ACCESS_KEY_ID", sim->noperm_access_key_id,
		    sizeof(sim->noperm_access_key_id));
	creds_value(text, "SIM_NOPERM_SECRET_ACCESS_KEY", sim->noperm_secret_access_key,
		    sizeof(sim->noperm_secret_access_key));
	OPENSSL_cleanse(text, sizeof(text));
	return sim->access_key_id[0] && sim->secret_access_key[0] ? 0 : -1;
}

static void exec_server(const struct bw_sim *sim, const char *const *args)
{
	const char *argv[SIM_MAX_ARGS + 16];
	const char *run = getenv("BW_SIM_RUN");
	char port_file[320], creds_file[320], err_file[320];
	size_t n = 0;
	int fd;

	if (!run || !*run)
		run = "tests/sim/run";
	snprintf(port_file, sizeof(port_file), "%s/port", sim->dir);
	snprintf(creds_file, sizeof(creds_file), "%s/creds", sim->dir);
	snprintf(err_file, sizeof(err_file), "%s/server.err", sim->dir);

	/* Die with the test, whatever way the test ends. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
	fd = open(err_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	argv[n++] = run;
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--quiet";
	argv[n++] = "--port-file";
	argv[n++] = port_file;
	argv[n++] = "--log";
	argv[n++] = sim->log_path;
	argv[n++] = "--creds-file";
	argv[n++] = creds_file;
	for (size_t i = 0; args && args[i] && i < SIM_MAX_ARGS; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	/* execv's prototype predates const; it does not modify argv. */
	execv(run, (char *const *)(void *)argv);
	fprintf(stderr, "sim: cannot run '%s': %s\n", run, strerror(errno));
	_exit(127);
}

int bw_sim_start(struct bw_sim *sim, const char *const *args, int timeout_s)
{
	char port_file[320];
	const char *tmp = getenv("TMPDIR");
	long waited = 0;
	pid_t pid;

	memset(sim, 0, sizeof(*sim));
	for (size_t i = 0; args && args[i]; i++)
		if (strcmp(args[i], "--strict") == 0)
			sim->strict = 1;
	snprintf(sim->dir, sizeof(sim->dir), "%s/bulwark-sim.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(sim->dir)) {
		fprintf(stderr, "sim: cannot create a temporary directory: %s\n", strerror(errno));
		sim->dir[0] = '\0';
		return -1;
	}
	snprintf(sim->log_path, sizeof(sim->log_path), "%s/requests.jsonl", sim->dir);
	snprintf(sim->config_path, sizeof(sim->config_path), "%s/config", sim->dir);
	snprintf(sim->credentials_path, sizeof(sim->credentials_path), "%s/credentials", sim->dir);
	snprintf(port_file, sizeof(port_file), "%s/port", sim->dir);
	if (touch(sim->config_path) || touch(sim->credentials_path)) {
		fprintf(stderr, "sim: cannot create files in '%s': %s\n", sim->dir, strerror(errno));
		goto fail;
	}

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "sim: fork: %s\n", strerror(errno));
		goto fail;
	}
	if (pid == 0)
		exec_server(sim, args);
	sim->pid = pid;

	while ((sim->port = read_port(port_file)) == 0) {
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			sim->pid = 0;
			fprintf(stderr, "sim: server exited before it was ready:\n");
			show_file(sim->dir, "server.err");
			goto fail;
		}
		if (waited >= (long)timeout_s * 1000) {
			fprintf(stderr, "sim: server not ready after %d s\n", timeout_s);
			goto fail;
		}
		sleep_ms(50);
		waited += 50;
	}
	snprintf(sim->url, sizeof(sim->url), "http://127.0.0.1:%d", sim->port);
	if (sim->strict) {
		if (read_creds(sim)) {
			fprintf(stderr, "sim: no credentials in %s/creds\n", sim->dir);
			goto fail;
		}
	} else {
		snprintf(sim->access_key_id, sizeof(sim->access_key_id), "testing");
		snprintf(sim->secret_access_key, sizeof(sim->secret_access_key), "testing");
	}
	return 0;
fail:
	bw_sim_stop(sim);
	return -1;
}

void bw_sim_stop(struct bw_sim *sim)
{
	if (sim->pid > 0) {
		int status, i;

		kill(sim->pid, SIGTERM);
		for (i = 0; i < 100; i++) {
			if (waitpid(sim->pid, &status, WNOHANG) == sim->pid)
				break;
			sleep_ms(50);
		}
		if (i == 100) {
			kill(sim->pid, SIGKILL);
			waitpid(sim->pid, &status, 0);
		}
		sim->pid = 0;
	}
	if (sim->dir[0] && !getenv("BW_SIM_KEEP"))
		nftw(sim->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	sim->dir[0] = '\0';
	OPENSSL_cleanse(sim->secret_access_key, sizeof(sim->secret_access_key));
	OPENSSL_cleanse(sim->noperm_secret_access_key, sizeof(sim->noperm_secret_access_key));
	sim->access_key_id[0] = sim->noperm_access_key_id[0] = '\0';
}

int bw_sim_setenv(const struct bw_sim *sim)
{
	if (setenv("AWS_ACCESS_KEY_ID", sim->access_key_id, 1) ||
	    setenv("AWS_SECRET_ACCESS_KEY", sim->secret_access_key, 1) ||
	    setenv("AWS_ENDPOINT_URL", sim->url, 1) ||
	    setenv("AWS_DEFAULT_REGION", "us-east-1", 1) ||
	    setenv("AWS_REGION", "us-east-1", 1) ||
	    setenv("AWS_EC2_METADATA_DISABLED", "true", 1) ||
	    setenv("AWS_CONFIG_FILE", sim->config_path, 1) ||
	    setenv("AWS_SHARED_CREDENTIALS_FILE", sim->credentials_path, 1) ||
	    unsetenv("AWS_PROFILE") || unsetenv("AWS_SESSION_TOKEN"))
		return -1;
	return 0;
}

struct reply_buf {
	char *ptr;
	size_t len;
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct reply_buf *b = arg;
	size_t n = size * nmemb;
	char *p = realloc(b->ptr, b->len + n + 1);

	if (!p)
		return 0;
	memcpy(p + b->len, data, n);
	b->ptr = p;
	b->len += n;
	b->ptr[b->len] = '\0';
	return n;
}

int bw_sim_control(const struct bw_sim *sim, const char *method, const char *path,
		   const char *body, char **reply)
{
	struct reply_buf b = { NULL, 0 };
	struct curl_slist *hdrs = NULL;
	char url[512];
	long status = -1;
	CURL *c = curl_easy_init();

	if (reply)
		*reply = NULL;
	if (!c)
		return -1;
	snprintf(url, sizeof(url), "%s%s", sim->url, path);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
	if (strcmp(method, "GET") == 0)
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	if (status >= 0 && reply)
		*reply = b.ptr ? b.ptr : strdup("");
	else
		free(b.ptr);
	return (int)status;
}

/* A log field as the text the caller compares against. */
static int field_matches(json_t *v, const char *want)
{
	char num[64];

	if (!v)
		return 0;
	if (json_is_string(v))
		return strcmp(json_string_value(v), want) == 0;
	if (json_is_null(v))
		return strcmp(want, "null") == 0;
	if (json_is_true(v))
		return strcmp(want, "true") == 0;
	if (json_is_false(v))
		return strcmp(want, "false") == 0;
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return strcmp(num, want) == 0;
	}
	if (json_is_real(v)) {
		snprintf(num, sizeof(num), "%g", json_real_value(v));
		return strcmp(num, want) == 0;
	}
	return 0;
}

long bw_sim_log_count(const struct bw_sim *sim, ...)
{
	const char *keys[32], *vals[32];
	size_t nf = 0, cap = 0;
	char *line = NULL;
	long count = 0;
	va_list ap;
	FILE *f;

	va_start(ap, sim);
	for (;;) {
		const char *k = va_arg(ap, const char *);
		const char *v;

		if (!k)
			break;
		v = va_arg(ap, const char *);
		if (!v || nf == 32)
			break;
		keys[nf] = k;
		vals[nf++] = v;
	}
	va_end(ap);

	f = fopen(sim->log_path, "r");
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		json_t *rec = json_loads(line, 0, NULL);
		size_t i;

		if (!rec)
			continue;
		for (i = 0; i < nf; i++)
			if (!field_matches(json_object_get(rec, keys[i]), vals[i]))
				break;
		if (i == nf)
			count++;
		json_decref(rec);
	}
	free(line);
	fclose(f);
	return count;
}
