/*
 * whoami.c - `bulwark whoami`: who the credentials belong to, where they
 * came from, and where each service's requests go.  It is the first thing
 * to run when something is off, so it reports every resolved setting.
 */
#include <stdio.h>

#include "bulwark/endpoint.h"
#include "cli.h"

/* A string member of obj, or "?" when AWS left it out. */
static const char *str(const json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));

	return v ? v : "?";
}

static json_t *endpoints_json(struct bw_client *c)
{
	json_t *all = json_object();

	for (int s = 0; s < BW_SVC__COUNT; s++) {
		const struct bw_service_info *info = bw_service_info((enum bw_service)s);
		struct bw_error err = { 0 };
		const struct bw_endpoint *ep = bw_client_endpoint(c, (enum bw_service)s, &err);

		if (ep)
			json_object_set_new(all, info->name,
				json_pack("{s:s, s:s, s:s}", "url", ep->url,
					  "signing_region", ep->signing_region,
					  "source", ep->source));
		else
			json_object_set_new(all, info->name,
				json_pack("{s:s}", "error", err.message));
	}
	return all;
}

int cmd_whoami(struct bw_cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		BW_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct bw_error err = { 0 };
	struct bw_client *client;
	json_t *id = NULL, *eps = NULL, *svc;
	const char *name;
	int c, rc, as_json = 0;

	while ((c = getopt_long(argc, argv, "jq", longopts, NULL)) != -1) {
		if (cli_global_opt(cli, c, optarg))
			continue;
		if (c == 'j')
			as_json = 1;
		else
			return cli_usage_error("whoami", "unknown option '%s'", argv[optind - 1]);
	}
	if (optind < argc)
		return cli_usage_error("whoami", "unexpected argument '%s'", argv[optind]);
	if ((rc = cli_client(cli, &client)))
		return rc;

	if (bw_call(&id, client, BW_SVC_STS, "GetCallerIdentity", NULL, &err))
		return cli_fail(&err);
	eps = endpoints_json(client);

	const struct bw_config *cfg = bw_client_config(client);
	const char *region = bw_config_region(cfg);
	const char *creds_src = bw_creds_source(bw_client_creds(client));

	if (as_json) {
		json_t *out = json_pack("{s:O?, s:O?, s:O?, s:s, s:s?, s:s?, s:s?, s:O}",
			"account", json_object_get(id, "Account"),
			"arn", json_object_get(id, "Arn"),
			"user_id", json_object_get(id, "UserId"),
			"profile", bw_config_profile(cfg),
			"region", region,
			"region_source", region ? bw_config_region_source(cfg) : NULL,
			"credentials", creds_src,
			"endpoints", eps);
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(out);
	} else {
		printf("account      %s\n", str(id, "Account"));
		printf("arn          %s\n", str(id, "Arn"));
		printf("profile      %s\n", bw_config_profile(cfg));
		if (region)
			printf("region       %s (from %s)\n", region, bw_config_region_source(cfg));
		else
			printf("region       (none)\n");
		printf("credentials  %s\n", creds_src ? creds_src : "(none)");
		printf("endpoints\n");
		json_object_foreach(eps, name, svc) {
			if (json_object_get(svc, "error"))
				printf("  %-15s %s\n", name, str(svc, "error"));
			else
				printf("  %-15s %s (signed for %s; %s)\n", name, str(svc, "url"),
				       str(svc, "signing_region"), str(svc, "source"));
		}
	}
	json_decref(id);
	json_decref(eps);
	return BW_EXIT_OK;
}
