/*
 * config.c - the resolved AWS configuration: which profile, which files,
 * the region, retry and TLS settings, read from the command line, the
 * environment and the shared files as the AWS CLI (botocore) reads them.
 * Credentials are left to creds.c and endpoints to endpoint.c; they read
 * the profiles kept here.
 *
 * The files are parsed by inih through ini_parse_stream.  Debian's inih has
 * a fixed 200-byte line buffer that silently truncates longer lines (session
 * tokens are ~1000 bytes), so our reader reads whole lines with getline()
 * and hands inih each key line with its value replaced by a one-byte
 * placeholder; the handler puts the real value back.  inih still decides
 * the structure; the reader only finds the first '=' or ':'.  Doing this
 * for every value also keeps secrets out of inih's stack buffer and stops
 * inih's inline-comment stripping, which botocore does not do.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include <ini.h>
#include <openssl/crypto.h>

#include "bulwark/config.h"
#include "internal.h"

/* What a value looks like to inih; the handler swaps the real one in. */
#define PLACEHOLDER '\x01'

enum section_kind {
	SEC_PROFILE,		/* [default], [profile x], or any [x] in credentials */
	SEC_SERVICES,		/* [services x] */
	SEC_SSO_SESSION,	/* [sso-session x]: parsed, unused */
	SEC_OTHER,		/* anything else: kept for error messages only */
};

struct cfg_entry {
	char *key;		/* lowercased, as configparser's optionxform */
	char *value;		/* "" for a nested block */
	bool secret;
	bool nested;		/* value was empty: indented lines are subkeys */
	struct cfg_entry *sub;
	size_t n_sub;
};

struct cfg_section {
	char *raw;		/* between the brackets, as written */
	char *name;		/* profile / services name, or NULL if not one */
	enum section_kind kind;
	int line;
	struct cfg_entry *e;
	size_t n;
};

struct cfg_file {
	char *path;
	struct cfg_section *s;
	size_t n;
};

struct bw_config {
	char *profile;
	bool profile_explicit;
	char *region;
	char region_source[96];
	enum bw_retry_mode retry_mode;
	int max_attempts;
	bool retry_explicit;
	char *ca_bundle;
	char *endpoint_url_flag;
	bool ignore_endpoints;
	struct cfg_file conf;
	struct cfg_file cred;
};

static const char *const secret_keys[] = {
	"aws_secret_access_key",
	"aws_session_token",
	"aws_security_token",	/* botocore's old name for the session token */
};

static bool is_secret_key(const char *k)
{
	for (size_t i = 0; i < BW_ARRAY_SIZE(secret_keys); i++)
		if (!strcmp(k, secret_keys[i]))
			return true;
	return false;
}

static void free_value(char *v, bool secret)
{
	if (secret)
		bw_free_secret(v);
	else
		free(v);
}

static void entry_free(struct cfg_entry *e)
{
	for (size_t i = 0; i < e->n_sub; i++) {
		free(e->sub[i].key);
		free_value(e->sub[i].value, e->secret);
	}
	free(e->sub);
	free(e->key);
	free_value(e->value, e->secret);
}

static void file_free(struct cfg_file *f)
{
	for (size_t i = 0; i < f->n; i++) {
		struct cfg_section *s = &f->s[i];

		for (size_t j = 0; j < s->n; j++)
			entry_free(&s->e[j]);
		free(s->e);
		free(s->raw);
		free(s->name);
	}
	free(f->s);
	free(f->path);
	memset(f, 0, sizeof(*f));
}

void bw_config_free(struct bw_config *cfg)
{
	if (!cfg)
		return;
	file_free(&cfg->conf);
	file_free(&cfg->cred);
	free(cfg->profile);
	free(cfg->region);
	free(cfg->ca_bundle);
	free(cfg->endpoint_url_flag);
	free(cfg);
}

/* ---- parsing ------------------------------------------------------- */

struct parse {
	FILE *fp;
	struct cfg_file *f;
	bool cred_file;		/* [x] is profile x, no "profile " prefix */
	char *line;		/* getline buffer: may hold secrets, wiped */
	size_t line_cap;
	int lineno;
	bool cont;		/* this line continues the last key's value */
	int key_indent;		/* indent of the last key line; -1 after a header */
	int blanks;		/* blank lines since the last key or continuation */
	int cont_blanks;	/* ...before this continuation line */
	char *aside;		/* the real value of this line (placeholder) */
	size_t aside_len;
	char *aside_key;	/* the real key, when too long for inih */
	int err_line;		/* first error found by us, 0 if none */
	enum bw_err err_code;
	char err_msg[512];
	bool io_error;
};

static void parse_fail(struct parse *p, enum bw_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void parse_fail(struct parse *p, enum bw_err code, const char *fmt, ...)
{
	va_list ap;

	if (p->err_line)
		return;
	p->err_line = p->lineno;
	p->err_code = code;
	va_start(ap, fmt);
	vsnprintf(p->err_msg, sizeof(p->err_msg), fmt, ap);
	va_end(ap);
}

static void drop_aside(struct parse *p)
{
	if (p->aside) {
		OPENSSL_cleanse(p->aside, p->aside_len);
		free(p->aside);
	}
	p->aside = NULL;
	p->aside_len = 0;
}

static int set_aside(struct parse *p, const char *s, size_t n)
{
	drop_aside(p);
	p->aside = malloc(n + 1);
	if (!p->aside)
		return BW_ERR_NOMEM;
	memcpy(p->aside, s, n);
	p->aside[n] = '\0';
	p->aside_len = n;
	return 0;
}

static const char *skip_space(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

/* Length of s[0..n) without trailing whitespace. */
static size_t trim_len(const char *s, size_t n)
{
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return n;
}

/*
 * The section a header names, after botocore's build_profile_map: in the
 * config file "default" and "profile NAME" (shlex-split into exactly two
 * words, so NAME may be quoted) are profiles, "services NAME" and
 * "sso-session NAME" likewise; in the credentials file every section is
 * the profile of that exact name.
 */
static int classify_section(struct cfg_section *s, bool cred_file)
{
	static const struct { const char *word; enum section_kind kind; } kinds[] = {
		{ "profile", SEC_PROFILE },
		{ "services", SEC_SERVICES },
		{ "sso-session", SEC_SSO_SESSION },
	};
	size_t rawlen = strlen(s->raw), nw = 0, len[2] = { 0, 0 };
	const char *r = s->raw;
	char *words[2];
	int rc = 0;

	s->kind = SEC_OTHER;
	if (cred_file || !strcmp(s->raw, "default")) {
		s->kind = SEC_PROFILE;
		s->name = bw_strdup(s->raw);
		return s->name ? 0 : BW_ERR_NOMEM;
	}
	words[0] = malloc(rawlen + 1);
	words[1] = malloc(rawlen + 1);
	if (!words[0] || !words[1]) {
		rc = BW_ERR_NOMEM;
		goto out;
	}
	/* A small shlex: words split on blanks, '...' and "..." quote. */
	for (;;) {
		char q = 0;

		r = skip_space(r);
		if (!*r)
			break;
		if (nw == 2)
			goto out;	/* three words: not a section botocore knows */
		while (*r && (q || !isspace((unsigned char)*r))) {
			if (!q && (*r == '"' || *r == '\'')) {
				q = *r++;
				continue;
			}
			if (q && *r == q) {
				q = 0;
				r++;
				continue;
			}
			words[nw][len[nw]++] = *r++;
		}
		if (q)
			goto out;	/* unbalanced quote: shlex fails, ignored */
		words[nw][len[nw]] = '\0';
		nw++;
	}
	if (nw != 2)
		goto out;
	for (size_t i = 0; i < BW_ARRAY_SIZE(kinds); i++) {
		if (!strcmp(words[0], kinds[i].word)) {
			s->kind = kinds[i].kind;
			s->name = words[1];
			words[1] = NULL;
			break;
		}
	}
out:
	free(words[0]);
	free(words[1]);
	return rc;
}

static int add_section(struct parse *p, const char *raw, size_t len)
{
	struct cfg_file *f = p->f;
	struct cfg_section *s;
	int rc;

	for (size_t i = 0; i < f->n; i++) {
		if (strlen(f->s[i].raw) == len && !memcmp(f->s[i].raw, raw, len)) {
			parse_fail(p, BW_ERR_INVALID,
				   "section '[%s]' appears twice (first on line %d): merge them into one",
				   f->s[i].raw, f->s[i].line);
			return 0;
		}
	}
	s = realloc(f->s, (f->n + 1) * sizeof(*s));
	if (!s)
		return BW_ERR_NOMEM;
	f->s = s;
	s = &f->s[f->n];
	memset(s, 0, sizeof(*s));
	s->line = p->lineno;
	s->raw = malloc(len + 1);
	if (!s->raw)
		return BW_ERR_NOMEM;
	memcpy(s->raw, raw, len);
	s->raw[len] = '\0';
	f->n++;
	rc = classify_section(s, p->cred_file);
	return rc;
}

/*
 * inih's reader: fgets-like, but we read the whole line ourselves and hand
 * inih a short stand-in of at most num-1 bytes.  The kind of line is
 * decided as configparser does: blank, comment (';' or '#' first), a
 * continuation (indented deeper than the key line before it), a section
 * header ('[' first), or a key line.
 */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	const char *rest, *sep, *close;
	size_t indent, len, klen;
	ssize_t n;

	drop_aside(p);
	free(p->aside_key);
	p->aside_key = NULL;
	p->cont = false;
	errno = 0;
	n = getline(&p->line, &p->line_cap, p->fp);
	if (n < 0) {
		if (ferror(p->fp))
			p->io_error = true;
		return NULL;
	}
	p->lineno++;
	if (num < 16)
		return NULL;	/* cannot happen with inih's 200 bytes */
	rest = p->line;
	if (p->lineno == 1 && !memcmp(rest, "\xEF\xBB\xBF", 3))
		rest += 3;
	indent = 0;
	while (rest[indent] == ' ' || rest[indent] == '\t')
		indent++;
	rest += indent;
	len = trim_len(rest, strlen(rest));

	if (!len || *rest == ';' || *rest == '#') {
		if (!len)
			p->blanks++;
		bw_strlcpy(str, "\n", (size_t)num);
		return str;
	}
	if (p->key_indent >= 0 && indent > (size_t)p->key_indent) {
		p->cont = true;
		p->cont_blanks = p->blanks;
		p->blanks = 0;
		if (set_aside(p, rest, len))
			goto nomem;
		str[0] = ' ';
		str[1] = PLACEHOLDER;
		str[2] = '\0';
		return str;
	}
	p->blanks = 0;
	if (*rest == '[') {
		p->key_indent = -1;
		close = memchr(rest, ']', len);
		if (!close) {
			parse_fail(p, BW_ERR_INVALID, "section header without ']'");
			bw_strlcpy(str, "[\n", (size_t)num);
			return str;
		}
		if (add_section(p, rest + 1, (size_t)(close - rest - 1)))
			goto nomem;
		bw_strlcpy(str, "[s]\n", (size_t)num);
		return str;
	}
	sep = rest;
	while (sep < rest + len && *sep != '=' && *sep != ':')
		sep++;
	if (sep == rest + len) {
		parse_fail(p, BW_ERR_INVALID,
			   "expected 'key = value', '[section]' or a comment");
		bw_strlcpy(str, "x\n", (size_t)num);
		return str;
	}
	klen = (size_t)(sep - rest);
	p->key_indent = (int)indent;
	if (klen + 3 >= (size_t)num || memchr(rest, ';', klen) || memchr(rest, PLACEHOLDER, klen)) {
		/* The key goes aside too: inih would cut it or see a comment. */
		klen = trim_len(rest, klen);
		p->aside_key = malloc(klen + 1);
		if (!p->aside_key)
			goto nomem;
		memcpy(p->aside_key, rest, klen);
		p->aside_key[klen] = '\0';
		str[0] = PLACEHOLDER;
		klen = 1;
	} else {
		memcpy(str, rest, klen);
	}
	str[klen] = '=';
	str[klen + 1] = PLACEHOLDER;
	str[klen + 2] = '\0';
	sep = skip_space(sep + 1);
	if (sep > rest + len)
		sep = rest + len;
	if (set_aside(p, sep, (size_t)(rest + len - sep)))
		goto nomem;
	return str;
nomem:
	parse_fail(p, BW_ERR_NOMEM, "out of memory");
	return NULL;
}

static struct cfg_section *cur_section(struct parse *p)
{
	return p->f->n ? &p->f->s[p->f->n - 1] : NULL;
}

static int add_sub(struct parse *p, struct cfg_entry *e, const char *line)
{
	const char *eq = strchr(line, '=');
	struct cfg_entry *sub;
	size_t klen;

	if (!eq) {
		parse_fail(p, BW_ERR_INVALID,
			   "expected 'key = value' in the nested block of '%s'", e->key);
		return 0;
	}
	klen = trim_len(line, (size_t)(eq - line));
	/* botocore keeps the last of repeated subkeys. */
	for (size_t i = 0; i < e->n_sub; i++) {
		if (strlen(e->sub[i].key) == klen && !memcmp(e->sub[i].key, line, klen)) {
			sub = &e->sub[i];
			free_value(sub->value, e->secret);
			sub->value = bw_strdup(skip_space(eq + 1));
			return sub->value ? 1 : -1;
		}
	}
	sub = realloc(e->sub, (e->n_sub + 1) * sizeof(*sub));
	if (!sub)
		return -1;
	e->sub = sub;
	sub = &e->sub[e->n_sub];
	memset(sub, 0, sizeof(*sub));
	sub->key = malloc(klen + 1);
	sub->value = bw_strdup(skip_space(eq + 1));
	if (!sub->key || !sub->value) {
		free(sub->key);
		free(sub->value);
		return -1;
	}
	memcpy(sub->key, line, klen);
	sub->key[klen] = '\0';
	e->n_sub++;
	return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	struct cfg_section *s = cur_section(p);
	struct cfg_entry *e;
	const char *v;
	char *key;
	size_t kl;

	(void)section;	/* ours, from the reader, also covers empty sections */
	if (!value || value[0] != PLACEHOLDER || value[1] || !p->aside) {
		parse_fail(p, BW_ERR_INTERNAL, "unexpected value from the ini parser");
		return 0;
	}
	v = p->aside;
	if (!s) {
		parse_fail(p, BW_ERR_INVALID,
			   "'%s' before any section header: put it under [default] or [profile NAME]",
			   name);
		return 0;
	}
	if (p->cont) {
		if (!s->n)
			return 0;
		e = &s->e[s->n - 1];
		if (e->nested) {
			int r = add_sub(p, e, v);

			if (r < 0)
				goto nomem;
			return r;
		} else {
			/*
			 * configparser joins continuation lines with '\n' and
			 * keeps blank lines between them.
			 */
			size_t a = strlen(e->value), b = strlen(v), nl = 1 + (size_t)p->cont_blanks;
			char *nv = malloc(a + nl + b + 1);

			if (!nv)
				goto nomem;
			memcpy(nv, e->value, a);
			memset(nv + a, '\n', nl);
			memcpy(nv + a + nl, v, b + 1);
			free_value(e->value, e->secret);
			e->value = nv;
		}
		return 1;
	}
	if (p->aside_key)
		name = p->aside_key;
	kl = strlen(name);
	if (!kl) {
		parse_fail(p, BW_ERR_INVALID, "empty key before '='");
		return 0;
	}
	key = malloc(kl + 1);
	if (!key)
		goto nomem;
	for (size_t i = 0; i <= kl; i++)
		key[i] = (char)tolower((unsigned char)name[i]);
	for (size_t i = 0; i < s->n; i++) {
		if (!strcmp(s->e[i].key, key)) {
			parse_fail(p, BW_ERR_INVALID,
				   "key '%s' appears twice in section '[%s]': keep one", key, s->raw);
			free(key);
			return 0;
		}
	}
	e = realloc(s->e, (s->n + 1) * sizeof(*e));
	if (!e) {
		free(key);
		goto nomem;
	}
	s->e = e;
	e = &s->e[s->n];
	memset(e, 0, sizeof(*e));
	e->key = key;
	e->secret = is_secret_key(key);
	e->nested = !*v;
	e->value = malloc(p->aside_len + 1);
	if (!e->value) {
		free(key);
		goto nomem;
	}
	memcpy(e->value, v, p->aside_len + 1);
	s->n++;
	return 1;
nomem:
	parse_fail(p, BW_ERR_NOMEM, "out of memory");
	return 0;
}

/*
 * Parse path into f.  A missing file (or one that is not a regular file,
 * as botocore's isfile check) is an empty one.
 */
static int parse_file(struct cfg_file *f, bool cred_file, struct bw_error *err)
{
	const char *path = f->path;
	struct parse p;
	char iobuf[BUFSIZ];
	struct stat st;
	int rc = 0, r;

	memset(&p, 0, sizeof(p));
	p.f = f;
	p.cred_file = cred_file;
	p.key_indent = -1;
	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return 0;
	p.fp = fopen(path, "r");
	if (!p.fp) {
		if (errno == ENOENT)
			return 0;
		return bw_error_set(err, BW_ERR_IO, "cannot read '%s': %s: fix its permissions",
				    path, strerror(errno));
	}
	/*
	 * stdio's buffer and getline's line hold the file's secret keys: give
	 * stdio a buffer we wipe, and the line room for a long session token
	 * so getline does not realloc (leaving unwiped copies) on the way.
	 */
	setvbuf(p.fp, iobuf, _IOFBF, sizeof(iobuf));
	p.line_cap = 8192;
	p.line = malloc(p.line_cap);
	if (!p.line)
		p.line_cap = 0;
	r = ini_parse_stream(reader, &p, handler, &p);
	if (p.err_line && (r <= 0 || p.err_line <= r)) {
		rc = bw_error_set(err, p.err_code, "%s:%d: %s", path, p.err_line, p.err_msg);
	} else if (r > 0) {
		rc = bw_error_set(err, BW_ERR_INVALID,
				  "%s:%d: expected 'key = value', '[section]' or a comment",
				  path, r);
	} else if (r == -2) {
		rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	} else if (p.io_error) {
		rc = bw_error_set(err, BW_ERR_IO, "cannot read '%s'", path);
	}
	drop_aside(&p);
	free(p.aside_key);
	if (p.line) {
		OPENSSL_cleanse(p.line, p.line_cap);
		free(p.line);
	}
	fclose(p.fp);
	OPENSSL_cleanse(iobuf, sizeof(iobuf));
	return rc;
}

/* ---- lookups ------------------------------------------------------- */

/* The last section of kind and name, as later sections win in botocore. */
static const struct cfg_section *find_section(const struct cfg_file *f,
					      enum section_kind kind, const char *name)
{
	const struct cfg_section *found = NULL;

	for (size_t i = 0; i < f->n; i++)
		if (f->s[i].kind == kind && f->s[i].name && !strcmp(f->s[i].name, name))
			found = &f->s[i];
	return found;
}

static const struct cfg_entry *find_entry(const struct cfg_section *s, const char *key)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->e[i].key, key))
			return &s->e[i];
	return NULL;
}

const char *bw_config_get(const struct bw_config *cfg, const char *profile, const char *key)
{
	const struct cfg_entry *e;

	if (!cfg || !profile || !key)
		return NULL;
	e = find_entry(find_section(&cfg->conf, SEC_PROFILE, profile), key);
	return e ? e->value : NULL;
}

const char *bw_config_get_cred(const struct bw_config *cfg, const char *profile,
			       const char *key)
{
	const struct cfg_entry *e;

	if (!cfg || !profile || !key)
		return NULL;
	e = find_entry(find_section(&cfg->cred, SEC_PROFILE, profile), key);
	if (e)
		return e->value;
	return bw_config_get(cfg, profile, key);
}

bool bw_config_has_profile(const struct bw_config *cfg, const char *profile)
{
	return cfg && profile && (find_section(&cfg->conf, SEC_PROFILE, profile) ||
				  find_section(&cfg->cred, SEC_PROFILE, profile));
}

const char *bw_config_services_get(const struct bw_config *cfg, const char *services,
				   const char *service_key, const char *key)
{
	const struct cfg_entry *e;

	if (!cfg || !services || !service_key || !key)
		return NULL;
	e = find_entry(find_section(&cfg->conf, SEC_SERVICES, services), service_key);
	if (!e)
		return NULL;
	for (size_t i = 0; i < e->n_sub; i++)
		if (!strcmp(e->sub[i].key, key))
			return e->sub[i].value;
	return NULL;
}

const char *bw_config_profile(const struct bw_config *cfg) { return cfg->profile; }
bool bw_config_profile_explicit(const struct bw_config *cfg) { return cfg->profile_explicit; }
const char *bw_config_region(const struct bw_config *cfg) { return cfg->region; }

const char *bw_config_region_source(const struct bw_config *cfg)
{
	return cfg->region ? cfg->region_source : NULL;
}

enum bw_retry_mode bw_config_retry_mode(const struct bw_config *cfg) { return cfg->retry_mode; }
int bw_config_max_attempts(const struct bw_config *cfg) { return cfg->max_attempts; }
bool bw_config_retry_explicit(const struct bw_config *cfg) { return cfg->retry_explicit; }
const char *bw_config_ca_bundle(const struct bw_config *cfg) { return cfg->ca_bundle; }
const char *bw_config_endpoint_url_flag(const struct bw_config *cfg) { return cfg->endpoint_url_flag; }
bool bw_config_ignore_configured_endpoints(const struct bw_config *cfg) { return cfg->ignore_endpoints; }
const char *bw_config_config_file(const struct bw_config *cfg) { return cfg->conf.path; }
const char *bw_config_credentials_file(const struct bw_config *cfg) { return cfg->cred.path; }

/* ---- resolution ---------------------------------------------------- */

/* An environment variable, treating "" as unset as the SDKs do. */
static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/*
 * A path from the environment or the default under $HOME.  "~" or "~/..."
 * at the start expands to $HOME, as the SDKs and Tools Reference Guide
 * describes ("~user/" is left alone).
 */
static int resolve_path(char **out, const char *env_name, const char *def,
			struct bw_error *err)
{
	const char *v = env(env_name), *home = env("HOME");
	struct bw_buf b = BW_BUF_INIT;

	if (!v)
		v = def;
	if (v[0] == '~' && (v[1] == '/' || !v[1])) {
		if (!home)
			return bw_error_set(err, BW_ERR_INVALID,
					    "cannot expand '%s': HOME is not set; set HOME or %s",
					    v, env_name);
		if (bw_buf_adds(&b, home) || bw_buf_adds(&b, v + 1))
			goto nomem;
	} else if (bw_buf_adds(&b, v)) {
		goto nomem;
	}
	*out = bw_buf_detach(&b, NULL);
	if (!*out)
		goto nomem;
	return 0;
nomem:
	bw_buf_release(&b);
	return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
}

/* Where a setting came from, for error messages. */
struct setting {
	const char *value;
	char where[160];
};

/* env first, then the profile's key (credentials file, then config file). */
static void lookup_setting(struct setting *s, const struct bw_config *cfg,
			   const char *env_name, const char *key)
{
	const char *v = env(env_name);

	if (v) {
		s->value = v;
		snprintf(s->where, sizeof(s->where), "%s", env_name);
		return;
	}
	s->value = bw_config_get_cred(cfg, cfg->profile, key);
	snprintf(s->where, sizeof(s->where), "%s in profile '%s'", key, cfg->profile);
}

static int resolve_retry(struct bw_config *cfg, struct bw_error *err)
{
	struct setting s;

	cfg->retry_mode = BW_RETRY_STANDARD;
	cfg->max_attempts = 3;

	lookup_setting(&s, cfg, "AWS_RETRY_MODE", "retry_mode");
	if (s.value) {
		if (!strcasecmp(s.value, "standard") || !strcasecmp(s.value, "legacy")) {
			cfg->retry_mode = BW_RETRY_STANDARD;
		} else if (!strcasecmp(s.value, "adaptive")) {
			cfg->retry_mode = BW_RETRY_ADAPTIVE;
		} else {
			return bw_error_set(err, BW_ERR_INVALID,
					    "%s is '%s': set it to 'standard' or 'adaptive'",
					    s.where, s.value);
		}
		cfg->retry_explicit = true;
	}
	lookup_setting(&s, cfg, "AWS_MAX_ATTEMPTS", "max_attempts");
	if (s.value) {
		char *end;
		long n;

		errno = 0;
		n = strtol(s.value, &end, 10);
		if (errno || end == s.value || *skip_space(end) || n < 1 || n > 1000 ||
		    isspace((unsigned char)s.value[0]))
			return bw_error_set(err, BW_ERR_INVALID,
					    "%s is '%s': set it to a whole number of attempts from 1 to 1000 (1 disables retries)",
					    s.where, s.value);
		cfg->max_attempts = (int)n;
		cfg->retry_explicit = true;
	}
	return 0;
}

static int resolve_region(struct bw_config *cfg, const struct bw_config_opts *opts)
{
	const char *v = NULL;

	if (opts && opts->region && *opts->region) {
		v = opts->region;
		bw_strlcpy(cfg->region_source, "--region", sizeof(cfg->region_source));
	} else if ((v = env("AWS_REGION"))) {
		bw_strlcpy(cfg->region_source, "AWS_REGION", sizeof(cfg->region_source));
	} else if ((v = env("AWS_DEFAULT_REGION"))) {
		bw_strlcpy(cfg->region_source, "AWS_DEFAULT_REGION", sizeof(cfg->region_source));
	} else if ((v = bw_config_get_cred(cfg, cfg->profile, "region")) && *v) {
		snprintf(cfg->region_source, sizeof(cfg->region_source), "profile %s",
			 cfg->profile);
	} else {
		v = NULL;
	}
	if (v && !(cfg->region = bw_strdup(v)))
		return BW_ERR_NOMEM;
	return 0;
}

int bw_config_load(struct bw_config **out, const struct bw_config_opts *opts,
		   struct bw_error *err)
{
	struct bw_config *cfg;
	struct setting s;
	const char *prof;
	int rc;

	bw_secure_alloc_init();	/* before anything parses JSON */
	*out = NULL;
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");

	/* The CLI honours AWS_DEFAULT_PROFILE after AWS_PROFILE. */
	if (opts && opts->profile && *opts->profile) {
		prof = opts->profile;
		cfg->profile_explicit = true;
	} else if ((prof = env("AWS_PROFILE")) || (prof = env("AWS_DEFAULT_PROFILE"))) {
		cfg->profile_explicit = true;
	} else {
		prof = "default";
	}
	cfg->profile = bw_strdup(prof);
	if (!cfg->profile) {
		rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = resolve_path(&cfg->conf.path, "AWS_CONFIG_FILE", "~/.aws/config", err)) ||
	    (rc = resolve_path(&cfg->cred.path, "AWS_SHARED_CREDENTIALS_FILE",
			       "~/.aws/credentials", err)))
		goto out;
	if ((rc = parse_file(&cfg->conf, false, err)) ||
	    (rc = parse_file(&cfg->cred, true, err)))
		goto out;

	if (cfg->profile_explicit && strcmp(cfg->profile, "default") &&
	    !bw_config_has_profile(cfg, cfg->profile) &&
	    !(env("AWS_ACCESS_KEY_ID") && env("AWS_SECRET_ACCESS_KEY"))) {
		rc = bw_error_set(err, BW_ERR_INVALID,
				  "profile '%s' not found in '%s' or '%s': add [profile %s] to the config file or choose another profile",
				  cfg->profile, cfg->conf.path, cfg->cred.path, cfg->profile);
		goto out;
	}

	if (resolve_region(cfg, opts)) {
		rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = resolve_retry(cfg, err)))
		goto out;

	lookup_setting(&s, cfg, "AWS_CA_BUNDLE", "ca_bundle");
	if (s.value && *s.value && !(cfg->ca_bundle = bw_strdup(s.value)))
		rc = BW_ERR_NOMEM;
	/* botocore's ensure_boolean: only "true" (any case) is true. */
	lookup_setting(&s, cfg, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
		       "ignore_configured_endpoint_urls");
	cfg->ignore_endpoints = s.value && !strcasecmp(s.value, "true");
	if (opts && opts->endpoint_url && *opts->endpoint_url &&
	    !(cfg->endpoint_url_flag = bw_strdup(opts->endpoint_url)))
		rc = BW_ERR_NOMEM;
	if (rc == BW_ERR_NOMEM)
		bw_error_set(err, rc, "out of memory");
out:
	if (rc) {
		bw_config_free(cfg);
		return rc;
	}
	*out = cfg;
	return 0;
}
